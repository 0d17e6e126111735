/* Inline keyboards and Bot API call payloads (sendMessage, editMessageText,
 * answerCallbackQuery) as jansson objects. */
#ifndef AB_TELEGRAM_KEYBOARD_H
#define AB_TELEGRAM_KEYBOARD_H

#include <jansson.h>
#include <stdint.h>

/** New empty inline keyboard {"inline_keyboard":[]}. Caller owns. */
json_t *ab_kb_new(void);
/** Appends a row holding one callback button. data must be 1-64 bytes (asserted). */
void ab_kb_add(json_t *kb, const char *text, const char *data);
/** Appends a button to the last row (a new row if none). */
void ab_kb_add_inline(json_t *kb, const char *text, const char *data);

/** sendMessage payload; markup (may be NULL) is stolen. */
json_t *ab_tg_send_message(int64_t chat_id, const char *text, json_t *markup);
/** editMessageText payload; markup (may be NULL) is stolen. */
json_t *ab_tg_edit_message(int64_t chat_id, int64_t message_id, const char *text, json_t *markup);
/** answerCallbackQuery payload; text may be NULL. */
json_t *ab_tg_answer_callback(const char *callback_id, const char *text, int show_alert);

#endif
