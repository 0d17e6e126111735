/* Training message texts and keyboards (see training_text.h). */
#include "fsm/training_text.h"

#include <math.h>
#include <stdio.h>

#include "fsm/event.h"
#include "telegram/keyboard.h"

void ab_training_progress_text(ab_lang lang, const char *name, int percent, int minutes_left,
                               char *out, size_t n)
{
    snprintf(out, n, ab_msg(lang, AB_MSG_TRAINING_PROGRESS), name, percent,
             minutes_left < 1 ? 1 : minutes_left);
}

void ab_training_line(ab_lang lang, ab_msg_id msg, const char *name, char *out, size_t n)
{
    snprintf(out, n, ab_msg(lang, msg), name);
}

void ab_training_queue_text(ab_lang lang, const char *name, int position, char *out, size_t n)
{
    snprintf(out, n, ab_msg(lang, AB_MSG_TRAINING_QUEUED), name, position < 1 ? 1 : position);
}

static void add(json_t *kb, ab_lang lang, ab_msg_id label, ab_event ev, int64_t arg)
{
    char data[65];
    ab_kb_add(kb, ab_msg(lang, label), ab_event_callback_data(ev, arg, data));
}

json_t *ab_training_kb_running(ab_lang lang, int64_t avatar_id)
{
    json_t *kb = ab_kb_new();
    add(kb, lang, AB_MSG_BTN_TRAIN_CANCEL, AB_EV_BTN_TRAIN_CANCEL, avatar_id);
    return kb;
}

json_t *ab_training_kb_finished(ab_lang lang, int64_t avatar_id, int retry)
{
    json_t *kb = ab_kb_new();
    if (retry)
        add(kb, lang, AB_MSG_BTN_TRAIN_RETRY, AB_EV_BTN_TRAIN_START, avatar_id);
    add(kb, lang, AB_MSG_BTN_OPEN_AVATAR, AB_EV_BTN_AVATAR_SHOW, avatar_id);
    return kb;
}

int ab_training_minutes_left(const ab_config *cfg, const char *training_type, int percent,
                             double running_s)
{
    int lo, hi;
    ab_config_training_minutes(cfg, training_type, &lo, &hi);
    double expected_s = (lo + hi) / 2.0 * 60.0;
    double left_s;
    if (percent >= 5 && running_s > 0)
        left_s = running_s * (100 - percent) / percent; /* the pace it has actually had */
    else
        left_s = expected_s * (100 - percent) / 100.0;
    int minutes = (int)ceil(left_s / 60.0);
    return minutes < 1 ? 1 : minutes;
}
