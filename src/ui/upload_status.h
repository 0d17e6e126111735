/* The status message of a batch of photos (an album, or a single photo): edited as the photos
 * are checked, "📸 3 of 5 checked: 2 accepted, 1 rejected (no face found)", then the avatar's
 * count and, once it has enough, the way on to training. */
#ifndef AB_UI_UPLOAD_STATUS_H
#define AB_UI_UPLOAD_STATUS_H

#include <stdint.h>

#include "ui/ui.h"

typedef struct {
    int total, checked, accepted;
    const char *reasons; /* distinct rejection verdicts, comma-separated ("no_face,duplicate") */
    int avatar_valid;    /* the avatar's accepted photos now */
    int64_t avatar_id;
} ab_ui_batch;

void ab_ui_upload_status(ab_lang lang, const ab_ui_batch *b, ab_ui_msg *out);
/** Why a photo was rejected, in the user's words, for a verdict name ("no_face"…). */
ab_msg_id ab_ui_reject_reason(const char *verdict);

#endif
