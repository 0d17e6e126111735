/* The ui layer: every text and keyboard a user sees, as pure functions of plain data (no
 * database, no network). The FSM and the jobs ask it for a message and decide where it goes
 * (a new message, an edit of the pressed one, a queued payload); what it says and which
 * buttons it has are decided here only.
 *
 *   messages*.c      the catalogue of texts (ab_msg)      buttons.c        buttons' callback_data
 *   menus.c          main menu, avatar menu, help         create.c         creating an avatar
 *   avatars.c        gallery, details, rename, delete     upload.c         the upload screen
 *   upload_status.c  a photo batch's status message       training.c       training messages */
#ifndef AB_UI_UI_H
#define AB_UI_UI_H

#include <jansson.h>
#include <stddef.h>

#include "ui/messages.h"

/* Telegram takes 4096 characters; our screens stay far below that in bytes */
#define AB_UI_TEXT_MAX 4096

/** A message to show: its text and its inline keyboard (owned; NULL when it has none). */
typedef struct {
    char text[AB_UI_TEXT_MAX];
    json_t *kb;
} ab_ui_msg;

/** Releases the keyboard (when the message was not handed on). */
void ab_ui_msg_free(ab_ui_msg *m);
/** A message whose one value is an avatar's name (AB_MSG_DELETED, the training lines
 *  AB_MSG_TRAINING_PREPARING, _WAITING, _STOPPING, _TOO_LONG, _DONE_LINE, _STOPPED_LINE). */
void ab_ui_named(ab_lang lang, ab_msg_id id, const char *name, char *out, size_t n);

#endif
