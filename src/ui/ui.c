/* The message type and the helpers every ui file uses (see ui.h, internal.h). */
#include "ui/ui.h"

#include <stdio.h>
#include <string.h>

#include "telegram/wire_payload.h"
#include "ui/internal.h"

void ab_ui_msg_free(ab_ui_msg *m)
{
    json_decref(m->kb);
    m->kb = NULL;
}

void ab_ui_named(ab_lang lang, ab_msg_id id, const char *name, char *out, size_t n)
{
    snprintf(out, n, ab_msg(lang, id), name);
}

void ab_ui_begin(ab_ui_msg *out, const char *prefix, const char *sep, const char *body)
{
    snprintf(out->text, sizeof out->text, "%s%s%s", prefix ? prefix : "", prefix ? sep : "", body);
    out->kb = ab_kb_new();
}

void ab_ui_button_label(json_t *kb, const char *label, ab_button b, int64_t arg, int same_row)
{
    char data[65];
    if (same_row)
        ab_kb_add_inline(kb, label, ab_button_data(b, arg, data));
    else
        ab_kb_add(kb, label, ab_button_data(b, arg, data));
}

void ab_ui_button(json_t *kb, ab_lang lang, ab_msg_id label, ab_button b, int64_t arg, int same_row)
{
    ab_ui_button_label(kb, ab_msg(lang, label), b, arg, same_row);
}

ab_msg_id ab_ui_type_name(const char *t)
{
    return strcmp(t, "style") == 0 ? AB_MSG_TYPE_STYLE : AB_MSG_TYPE_PORTRAIT;
}

ab_msg_id ab_ui_gender_name(const char *g)
{
    return strcmp(g, "female") == 0  ? AB_MSG_GENDER_FEMALE
           : strcmp(g, "other") == 0 ? AB_MSG_GENDER_OTHER
                                     : AB_MSG_GENDER_MALE;
}

ab_msg_id ab_ui_status_name(const char *s)
{
    static const struct {
        const char *status;
        ab_msg_id msg;
    } NAMES[] = {{"draft", AB_MSG_STATUS_DRAFT},         {"uploading", AB_MSG_STATUS_UPLOADING},
                 {"ready", AB_MSG_STATUS_READY},         {"training", AB_MSG_STATUS_TRAINING},
                 {"completed", AB_MSG_STATUS_COMPLETED}, {"error", AB_MSG_STATUS_ERROR},
                 {"cancelled", AB_MSG_STATUS_CANCELLED}};
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (strcmp(NAMES[i].status, s) == 0)
            return NAMES[i].msg;
    return AB_MSG_STATUS_DRAFT;
}
