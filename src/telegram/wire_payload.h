/* Wire format, outbound (pure, no network): generic inline keyboards and the payloads of the
 * Bot API methods we call, as jansson objects. Which buttons a screen has is the ui layer's
 * business (src/ui); this file only knows Telegram's shapes. */
#ifndef AB_TELEGRAM_WIRE_PAYLOAD_H
#define AB_TELEGRAM_WIRE_PAYLOAD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/** New empty inline keyboard {"inline_keyboard":[]}. Caller owns. */
json_t *ab_kb_new(void);
/** Appends a row holding one callback button. data must be 1-64 bytes (asserted). */
void ab_kb_add(json_t *kb, const char *text, const char *data);
/** Appends a button to the last row (a new row if none). */
void ab_kb_add_inline(json_t *kb, const char *text, const char *data);

/** sendMessage payload; markup (may be NULL) is stolen. */
json_t *ab_tg_send_message(int64_t chat_id, const char *text, json_t *markup);
/** editMessageText payload; markup (may be NULL) is stolen. message_id 0 leaves it out: the
 *  edit of a photo batch's status message, whose id the sender fills in when it is known. */
json_t *ab_tg_edit_message(int64_t chat_id, int64_t message_id, const char *text, json_t *markup);
/** answerCallbackQuery payload; text may be NULL. */
json_t *ab_tg_answer_callback(const char *callback_id, const char *text, int show_alert);
/** sendPhoto payload of a photo Telegram already has (its file_id). */
json_t *ab_tg_send_photo(int64_t chat_id, const char *file_id);
/** sendMediaGroup payload of n (2-10) photos Telegram already has. */
json_t *ab_tg_send_media_group(int64_t chat_id, const char *const *file_ids, size_t n);
/** getFile payload. */
json_t *ab_tg_get_file(const char *file_id);

#endif
