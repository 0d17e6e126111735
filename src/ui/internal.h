/* Helpers shared by the ui files (not for use outside src/ui). */
#ifndef AB_UI_INTERNAL_H
#define AB_UI_INTERNAL_H

#include <stdint.h>

#include "telegram/wire_payload.h"
#include "ui/buttons.h"
#include "ui/ui.h"

/** out->text = prefix + sep + body (just body when prefix is NULL); out->kb a new keyboard. */
void ab_ui_begin(ab_ui_msg *out, const char *prefix, const char *sep, const char *body);
/** Adds a button with a catalogue label: on a new row, or on the last row when same_row. */
void ab_ui_button(json_t *kb, ab_lang lang, ab_msg_id label, ab_button b, int64_t arg,
                  int same_row);
/** Adds a button with a ready label. */
void ab_ui_button_label(json_t *kb, const char *label, ab_button b, int64_t arg, int same_row);

/* How an avatar's fields read ("style" → "style"/"стиль"). */
ab_msg_id ab_ui_type_name(const char *training_type);
ab_msg_id ab_ui_gender_name(const char *gender);
ab_msg_id ab_ui_status_name(const char *status);

#endif
