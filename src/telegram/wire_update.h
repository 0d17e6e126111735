/* Wire format, inbound (pure, no network): parsing of Telegram Update JSON into the few facts
 * the service acts on. Tolerant of real payloads: 64-bit ids, update_id anywhere in the object
 * (or 0), optional fields absent, null, {} or "", and kinds of update this code has never heard
 * of (parsed as AB_UPD_OTHER). */
#ifndef AB_TELEGRAM_WIRE_UPDATE_H
#define AB_TELEGRAM_WIRE_UPDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef enum {
    AB_UPD_MESSAGE,
    AB_UPD_EDITED_MESSAGE,
    AB_UPD_CALLBACK_QUERY,
    AB_UPD_MY_CHAT_MEMBER,
    AB_UPD_PRE_CHECKOUT_QUERY,
    AB_UPD_OTHER,
} ab_update_kind;

typedef struct {
    int64_t update_id;
    ab_update_kind kind;
    char kind_name[32]; /* the update's field name, e.g. "message", "poll_answer" */
    int64_t chat_id;    /* 0 when the update has no chat */
    int64_t user_id;    /* 0 when the update has no sender */
    int64_t lane;       /* serialization key: chat, else user, else 0 */
    const char *first_name, *username, *language_code; /* borrowed from root; may be NULL */
    int64_t message_id;                                /* the message, or the button's message */
    const char *text;                                  /* message text or caption; may be NULL */
    char command[33];          /* "/start" lower-cased without "@bot", or "" */
    const char *command_args;  /* text after the command, or "" */
    const char *callback_id;   /* callback_query.id */
    const char *callback_data; /* callback_query.data, may be NULL */
    bool has_photo, has_document;
    const char *media_group_id;
    const char *member_status; /* my_chat_member.new_chat_member.status */
    /* a payment in Telegram Stars: the pre_checkout_query (id set) or the message's
     * successful_payment (charge_id set); the strings may be NULL when absent */
    struct {
        const char *precheckout_id;
        const char *charge_id, *provider_charge_id; /* successful_payment */
        const char *currency, *payload;
        int64_t total_amount;
    } payment;
    json_t *root; /* owned */
} ab_update;

/**
 * Parses a webhook body. AB_ERR_INVALID when it is not a JSON object with an integer
 * update_id (errbuf says why). On success out->root must be released with ab_update_free().
 */
ab_err ab_update_parse(const char *body, size_t len, ab_update *out, char *errbuf, size_t errlen);
/** Same, from an already parsed object (takes a new reference). */
ab_err ab_update_from_json(json_t *root, ab_update *out, char *errbuf, size_t errlen);
void ab_update_free(ab_update *upd);

#endif
