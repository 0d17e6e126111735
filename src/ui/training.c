/* Training messages (see training.h). */
#include "ui/training.h"

#include <stdio.h>

#include "ui/internal.h"

void ab_ui_training_confirm(ab_lang lang, const ab_avatar *a, int lo, int hi, ab_ui_msg *out)
{
    char text[1024];
    snprintf(text, sizeof text, ab_msg(lang, AB_MSG_CONFIRM_TRAINING), a->name,
             ab_msg(lang, ab_ui_type_name(a->training_type)), a->photos_count, lo, hi);
    ab_ui_begin(out, NULL, NULL, text);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_TRAIN_GO, AB_BTN_TRAIN_GO, a->id, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_AVATAR_SHOW, a->id, 0);
}

void ab_ui_training_refusal(ab_lang lang, ab_msg_id why, const char *name, int photos, char *out,
                            size_t n)
{
    if (why == AB_MSG_TRAINING_NEED_PHOTOS)
        snprintf(out, n, ab_msg(lang, why), name, photos);
    else if (why == AB_MSG_TRAINING_BUSY)
        snprintf(out, n, ab_msg(lang, why), name);
    else
        snprintf(out, n, "%s", ab_msg(lang, why));
}

void ab_ui_training_progress(ab_lang lang, const char *name, int percent, int minutes_left,
                             char *out, size_t n)
{
    int minutes = minutes_left < 1 ? 1 : minutes_left;
    snprintf(out, n, ab_msgn(lang, AB_MSG_TRAINING_PROGRESS, (unsigned long)minutes), name, percent,
             minutes);
}

void ab_ui_training_queued(ab_lang lang, const char *name, int position, char *out, size_t n)
{
    snprintf(out, n, ab_msg(lang, AB_MSG_TRAINING_QUEUED), name, position < 1 ? 1 : position);
}

json_t *ab_ui_training_kb_running(ab_lang lang, int64_t avatar_id)
{
    json_t *kb = ab_kb_new();
    ab_ui_button(kb, lang, AB_MSG_BTN_TRAIN_STOP, AB_BTN_TRAIN_CANCEL, avatar_id, 0);
    return kb;
}

void ab_ui_training_end(ab_lang lang, ab_run_end how, const char *name, ab_msg_id reason,
                        int64_t avatar_id, ab_ui_msg *out)
{
    char text[1024];
    switch (how) {
    case AB_RUN_COMPLETED:
        snprintf(text, sizeof text, ab_msg(lang, AB_MSG_TRAINING_COMPLETED), name);
        break;
    case AB_RUN_FAILED:
        snprintf(text, sizeof text, ab_msg(lang, AB_MSG_TRAINING_FAILED), name,
                 ab_msg(lang, reason));
        break;
    case AB_RUN_CANCELLED:
        snprintf(text, sizeof text, ab_msg(lang, AB_MSG_TRAINING_CANCELLED), name);
        break;
    case AB_RUN_REFUSED:
    default:
        snprintf(text, sizeof text, ab_msg(lang, AB_MSG_TRAINING_NOT_STARTED), name,
                 ab_msg(lang, reason));
        break;
    }
    ab_ui_begin(out, NULL, NULL, text);
    if (how == AB_RUN_COMPLETED)
        ab_ui_button(out->kb, lang, AB_MSG_BTN_GENERATE, AB_BTN_GEN_START, avatar_id, 0);
    else
        ab_ui_button(out->kb, lang, AB_MSG_BTN_TRAIN_RETRY, AB_BTN_TRAIN_START, avatar_id, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_OPEN_AVATAR, AB_BTN_AVATAR_SHOW, avatar_id, 0);
}
