/* Users and their chats' conversation state. */
#ifndef AB_DB_CHAT_H
#define AB_DB_CHAT_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

typedef struct {
    char language_code[16]; /* stored or just received; "" when unknown */
    char language[16];      /* the language the user picked in the bot; "" when none */
    int avatars_count;
    bool privacy_accepted; /* agreed to the privacy notice */
} ab_user_info;

/** A step's sender as its update names them (borrowed strings, NULL when absent), and what
 *  the FSM needs to know about them. */
typedef struct {
    int64_t id;
    const char *first_name, *username, *language_code;
    ab_user_info info; /* filled by ab_db_users_upsert */
} ab_user_row;

/** Creates or refreshes each user (writes only when something changed) and fills its info.
 *  The ids must be distinct. */
ab_err ab_db_users_upsert(ab_db *db, ab_user_row *rows, int n);
/** Stores the language the user picked (a catalogue's code; NULL: follow Telegram's). */
ab_err ab_db_user_set_language(ab_db *db, int64_t user_id, const char *language);
/** Records that the user agreed to the privacy notice (the first time only). */
ab_err ab_db_user_accept_privacy(ab_db *db, int64_t user_id);
/** Marks the user as having blocked (true) or unblocked (false) the bot. */
ab_err ab_db_user_set_blocked(ab_db *db, int64_t user_id, bool blocked);

/** A chat whose state a step needs (user_id 0: none), and that state once loaded. */
typedef struct {
    int64_t chat_id, user_id;
    char *state_name, *data_json; /* malloc'd by ab_db_chats_load; ab_chat_rows_free */
} ab_chat_row;

/** Loads each chat's state, creating the row on first contact. The chat ids must be distinct
 *  and their lanes locked by the caller. AB_ERR_NOT_FOUND when a chat vanished meanwhile (an
 *  erasure); on any error nothing is left allocated. */
ab_err ab_db_chats_load(ab_db *db, ab_chat_row *rows, int n);
void ab_chat_rows_free(ab_chat_row *rows, int n);

#endif
