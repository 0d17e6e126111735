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

/** Creates or refreshes the user from an update's sender (writes only when something
 *  changed); returns what the FSM needs to know about them. */
ab_err ab_db_user_upsert(ab_db *db, int64_t user_id, const char *first_name, const char *username,
                         const char *language_code, ab_user_info *info);
/** Stores the language the user picked (a catalogue's code; NULL: follow Telegram's). */
ab_err ab_db_user_set_language(ab_db *db, int64_t user_id, const char *language);
/** Records that the user agreed to the privacy notice (the first time only). */
ab_err ab_db_user_accept_privacy(ab_db *db, int64_t user_id);
/** Marks the user as having blocked (true) or unblocked (false) the bot. */
ab_err ab_db_user_set_blocked(ab_db *db, int64_t user_id, bool blocked);

/** Loads the chat's state, creating the row on first contact, and locks it for the
 *  transaction. *state_name and *data_json are malloc'd (caller frees). */
ab_err ab_db_chat_load(ab_db *db, int64_t chat_id, int64_t user_id, char **state_name,
                       char **data_json);
/** Stores the new state; data_json NULL keeps the current data. */
ab_err ab_db_chat_save(ab_db *db, int64_t chat_id, const char *state_name, const char *data_json);

#endif
