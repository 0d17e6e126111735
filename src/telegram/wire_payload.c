/* Builders for keyboards and method payloads (see wire_payload.h). */
#include "telegram/wire_payload.h"

#include <assert.h>
#include <string.h>

json_t *ab_kb_new(void)
{
    return json_pack("{s:[]}", "inline_keyboard");
}

static json_t *button(const char *text, const char *data)
{
    assert(data && strlen(data) >= 1 && strlen(data) <= 64); /* Bot API limit */
    return json_pack("{s:s,s:s}", "text", text, "callback_data", data);
}

void ab_kb_add(json_t *kb, const char *text, const char *data)
{
    json_t *rows = json_object_get(kb, "inline_keyboard");
    json_array_append_new(rows, json_pack("[o]", button(text, data)));
}

void ab_kb_add_inline(json_t *kb, const char *text, const char *data)
{
    json_t *rows = json_object_get(kb, "inline_keyboard");
    size_t n = json_array_size(rows);
    if (n == 0) {
        ab_kb_add(kb, text, data);
        return;
    }
    json_array_append_new(json_array_get(rows, n - 1), button(text, data));
}

json_t *ab_tg_send_message(int64_t chat_id, const char *text, json_t *markup)
{
    json_t *p = json_pack("{s:I,s:s}", "chat_id", (json_int_t)chat_id, "text", text);
    if (markup)
        json_object_set_new(p, "reply_markup", markup);
    return p;
}

json_t *ab_tg_edit_message(int64_t chat_id, int64_t message_id, const char *text, json_t *markup)
{
    json_t *p = json_pack("{s:I}", "chat_id", (json_int_t)chat_id);
    if (message_id)
        json_object_set_new(p, "message_id", json_integer(message_id));
    json_object_set_new(p, "text", json_string(text));
    if (markup)
        json_object_set_new(p, "reply_markup", markup);
    return p;
}

json_t *ab_tg_answer_callback(const char *callback_id, const char *text, int show_alert)
{
    json_t *p = json_pack("{s:s}", "callback_query_id", callback_id);
    if (text) {
        json_object_set_new(p, "text", json_string(text));
        if (show_alert)
            json_object_set_new(p, "show_alert", json_true());
    }
    return p;
}

json_t *ab_tg_send_photo(int64_t chat_id, const char *file_id)
{
    return json_pack("{s:I,s:s}", "chat_id", (json_int_t)chat_id, "photo", file_id);
}

json_t *ab_tg_send_media_group(int64_t chat_id, const char *const *file_ids, size_t n)
{
    json_t *media = json_array();
    for (size_t i = 0; i < n && media; i++)
        json_array_append_new(media, json_pack("{s:s,s:s}", "type", "photo", "media", file_ids[i]));
    return json_pack("{s:I,s:o}", "chat_id", (json_int_t)chat_id, "media", media);
}

json_t *ab_tg_get_file(const char *file_id)
{
    return json_pack("{s:s}", "file_id", file_id);
}
