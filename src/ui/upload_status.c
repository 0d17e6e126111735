/* A photo batch's status message (see upload_status.h). */
#include "ui/upload_status.h"

#include <stdio.h>
#include <string.h>

#include "ui/internal.h"

ab_msg_id ab_ui_reject_reason(const char *verdict)
{
    static const struct {
        const char *name;
        ab_msg_id msg;
    } REASONS[] = {
        {"unsupported_format", AB_MSG_REASON_UNSUPPORTED_FORMAT},
        {"damaged", AB_MSG_REASON_DAMAGED},
        {"too_small", AB_MSG_REASON_TOO_SMALL},
        {"too_large", AB_MSG_REASON_TOO_LARGE},
        {"too_large_to_check", AB_MSG_REASON_TOO_LARGE_TO_CHECK},
        {"no_face", AB_MSG_REASON_NO_FACE},
        {"many_faces", AB_MSG_REASON_MANY_FACES},
        {"too_blurry", AB_MSG_REASON_TOO_BLURRY},
        {"too_dark", AB_MSG_REASON_TOO_DARK},
        {"duplicate", AB_MSG_REASON_DUPLICATE},
        {"limit", AB_MSG_REASON_LIMIT},
        {"download_failed", AB_MSG_REASON_DOWNLOAD_FAILED},
        {"check_failed", AB_MSG_REASON_CHECK_FAILED},
    };
    for (size_t i = 0; i < sizeof REASONS / sizeof REASONS[0]; i++)
        if (strcmp(REASONS[i].name, verdict) == 0)
            return REASONS[i].msg;
    return AB_MSG_REASON_DAMAGED;
}

void ab_ui_upload_status(ab_lang lang, const ab_ui_batch *b, ab_ui_msg *out)
{
    char *text = out->text;
    size_t size = sizeof out->text;
    out->kb = NULL;
    size_t n =
        (size_t)snprintf(text, size, ab_msgn(lang, AB_MSG_BATCH_PROGRESS, (unsigned long)b->total),
                         b->checked, b->total, b->accepted);
    int rejected = b->checked - b->accepted;
    if (rejected > 0 && n < size) {
        char verdicts[512], reasons[512] = "";
        snprintf(verdicts, sizeof verdicts, "%s", b->reasons ? b->reasons : "");
        size_t r = 0;
        char *save = NULL;
        for (char *tok = strtok_r(verdicts, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            r += (size_t)snprintf(reasons + r, r < sizeof reasons ? sizeof reasons - r : 0, "%s%s",
                                  r ? ", " : "", ab_msg(lang, ab_ui_reject_reason(tok)));
        n += (size_t)snprintf(text + n, size - n, ab_msg(lang, AB_MSG_BATCH_REJECTED), rejected,
                              reasons);
    }
    if (b->checked == b->total && n < size) {
        const char *done = b->avatar_valid < 10 ? ab_msg(lang, AB_MSG_BATCH_DONE)
                                                : ab_msgn(lang, AB_MSG_BATCH_DONE_ENOUGH,
                                                          (unsigned long)b->avatar_valid);
        n += (size_t)snprintf(text + n, size - n, done, b->avatar_valid);
        if (b->avatar_valid >= 10 && n < size) {
            snprintf(text + n, size - n, "%s", ab_msg(lang, AB_MSG_BATCH_ENOUGH));
            /* the way on: start training from right here */
            out->kb = ab_kb_new();
            ab_ui_button(out->kb, lang, AB_MSG_BTN_TRAIN_START, AB_BTN_TRAIN_START, b->avatar_id,
                         0);
        }
    }
}
