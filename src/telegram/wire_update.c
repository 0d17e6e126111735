/* Update parsing (see wire_update.h). The kind is the first object-valued field other than
 * update_id, so a kind added to the Bot API tomorrow still yields its chat and sender for
 * serialization. */
#include "telegram/wire_update.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/json.h"

static ab_update_kind kind_of(const char *name)
{
    if (strcmp(name, "message") == 0)
        return AB_UPD_MESSAGE;
    if (strcmp(name, "edited_message") == 0)
        return AB_UPD_EDITED_MESSAGE;
    if (strcmp(name, "callback_query") == 0)
        return AB_UPD_CALLBACK_QUERY;
    if (strcmp(name, "my_chat_member") == 0)
        return AB_UPD_MY_CHAT_MEMBER;
    if (strcmp(name, "pre_checkout_query") == 0)
        return AB_UPD_PRE_CHECKOUT_QUERY;
    return AB_UPD_OTHER;
}

/* "/Start@MyBot args" → command "/start", args "args". */
static void parse_command(ab_update *u)
{
    u->command[0] = '\0';
    u->command_args = "";
    if (!u->text || u->text[0] != '/')
        return;
    size_t i = 0;
    const char *p = u->text;
    while (*p && *p != ' ' && *p != '\n' && *p != '@' && i < sizeof u->command - 1)
        u->command[i++] = (char)tolower((unsigned char)*p++);
    u->command[i] = '\0';
    while (*p && *p != ' ' && *p != '\n')
        p++; /* skip "@botname" or an over-long command tail */
    while (*p == ' ' || *p == '\n')
        p++;
    u->command_args = p;
}

ab_err ab_update_from_json(json_t *root, ab_update *u, char *errbuf, size_t errlen)
{
    memset(u, 0, sizeof *u);
    if (!json_is_object(root)) {
        snprintf(errbuf, errlen, "update is not a JSON object");
        return AB_ERR_INVALID;
    }
    json_t *id = json_object_get(root, "update_id");
    if (!json_is_integer(id) || json_integer_value(id) < 0) {
        snprintf(errbuf, errlen, "update has no non-negative integer update_id");
        return AB_ERR_INVALID;
    }
    u->root = json_incref(root);
    u->update_id = json_integer_value(id);
    u->kind = AB_UPD_OTHER;
    snprintf(u->kind_name, sizeof u->kind_name, "unknown");

    const char *key;
    json_t *value;
    json_t *body = NULL;
    json_object_foreach(root, key, value)
    {
        if (strcmp(key, "update_id") != 0 && json_is_object(value)) {
            body = value;
            snprintf(u->kind_name, sizeof u->kind_name, "%s", key);
            u->kind = kind_of(key);
            break;
        }
    }
    if (!body)
        return AB_OK;

    json_t *message = body;
    if (u->kind == AB_UPD_CALLBACK_QUERY) {
        message = json_object_get(body, "message"); /* absent for inline-mode buttons */
        u->callback_id = ab_json_str(body, "id");
        u->callback_data = ab_json_str(body, "data");
    }
    /* sender: "from" for messages and queries, "user" for some newer kinds */
    json_t *from = json_object_get(body, "from");
    if (!json_is_object(from))
        from = json_object_get(body, "user");
    if (json_is_object(from)) {
        ab_json_i64(from, "id", &u->user_id);
        u->first_name = ab_json_str(from, "first_name");
        u->username = ab_json_str(from, "username");
        u->language_code = ab_json_nonempty(from, "language_code");
    }
    if (json_is_object(message)) {
        ab_json_i64(message, "chat.id", &u->chat_id);
        ab_json_i64(message, "message_id", &u->message_id);
        u->text = ab_json_str(message, "text");
        if (!u->text)
            u->text = ab_json_str(message, "caption");
        json_t *photo = json_object_get(message, "photo");
        u->has_photo = json_is_array(photo) && json_array_size(photo) > 0;
        u->has_document = json_is_object(json_object_get(message, "document"));
        u->media_group_id = ab_json_nonempty(message, "media_group_id");
        json_t *paid = json_object_get(message, "successful_payment");
        if (json_is_object(paid)) {
            u->payment.charge_id = ab_json_nonempty(paid, "telegram_payment_charge_id");
            u->payment.provider_charge_id = ab_json_nonempty(paid, "provider_payment_charge_id");
            u->payment.currency = ab_json_str(paid, "currency");
            u->payment.payload = ab_json_str(paid, "invoice_payload");
            ab_json_i64(paid, "total_amount", &u->payment.total_amount);
        }
    }
    if (u->kind == AB_UPD_PRE_CHECKOUT_QUERY) {
        u->payment.precheckout_id = ab_json_nonempty(body, "id");
        u->payment.currency = ab_json_str(body, "currency");
        u->payment.payload = ab_json_str(body, "invoice_payload");
        ab_json_i64(body, "total_amount", &u->payment.total_amount);
    }
    if (u->kind == AB_UPD_MY_CHAT_MEMBER)
        u->member_status = ab_json_str(body, "new_chat_member.status");
    if (u->kind == AB_UPD_MESSAGE)
        parse_command(u);
    else
        u->command_args = "";
    u->lane = u->chat_id ? u->chat_id : u->user_id;
    return AB_OK;
}

ab_err ab_update_parse(const char *body, size_t len, ab_update *out, char *errbuf, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!root) {
        snprintf(errbuf, errlen, "body is not valid JSON: %s (at byte %d)", jerr.text,
                 jerr.position);
        return AB_ERR_INVALID;
    }
    ab_err err = ab_update_from_json(root, out, errbuf, errlen);
    json_decref(root);
    return err;
}

void ab_update_free(ab_update *upd)
{
    if (upd && upd->root) {
        json_decref(upd->root);
        upd->root = NULL;
    }
}
