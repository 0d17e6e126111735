/* Wire format of file uploads (pure, no network, no storage). An outbox payload may carry
 * private keys, which start with '_' and never reach Telegram:
 *
 *   "_upload":          {"<field>": {"key": "<storage key>", "filename": "picture_1.jpg",
 *                                    "content_type": "image/jpeg"}, ...}
 *       the call goes as multipart/form-data: every public field becomes a form field (strings
 *       as they are, numbers and booleans as their text, objects and arrays as compact JSON)
 *       and each upload a file part under <field>, with its bytes read from object storage.
 *       sendPhoto names its file "photo", sendDocument "document"; sendMediaGroup names each
 *       one in its media item as "attach://<field>".
 *   "_fallback_upload": the same shape, for a call that names pictures by URL: it goes as JSON
 *       first, and when Telegram cannot fetch a URL the row is rewritten once to upload them
 *       instead (ab_tg_use_fallback_upload says how the names map to the URL fields).
 *
 * Telegram's limits for multipart uploads (Bot API, "Sending files"): 10 MB for a photo, 50 MB
 * for any other file; an album holds 2-10 items. The documentation does not say whether a MB is
 * 10^6 or 2^20 bytes: 10^6 is the side on which Telegram never refuses what we send. */
#ifndef AB_TELEGRAM_WIRE_UPLOAD_H
#define AB_TELEGRAM_WIRE_UPLOAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define AB_TG_UPLOAD_PHOTO_MAX ((size_t)10 * 1000 * 1000)
#define AB_TG_UPLOAD_FILE_MAX ((size_t)50 * 1000 * 1000)
/* What one call may upload in all: one sender thread holds it in memory while it is sent, so
 * an album of ten documents is refused rather than held as 500 MB. */
#define AB_TG_UPLOAD_CALL_MAX AB_TG_UPLOAD_FILE_MAX
#define AB_TG_UPLOADS_MAX 10

/* One file to upload; the strings are borrowed from the payload it was read from. */
typedef struct {
    const char *field;        /* the multipart field */
    const char *key;          /* the object storage key */
    const char *filename;     /* given, else the key's last segment */
    const char *content_type; /* given, else application/octet-stream */
    size_t limit;             /* Telegram's size limit for this file (photo or other) */
} ab_tg_upload;

/** True when a top-level key of payload is private (starts with '_'). */
bool ab_tg_has_private(const json_t *payload);
/** A copy of payload without its private keys (the JSON body of a call). Caller owns. */
json_t *ab_tg_public_payload(const json_t *payload);
/** A public field's multipart value: strings as they are, numbers and booleans as their text,
 *  objects and arrays as compact JSON; NULL for null (left out). Caller frees. */
char *ab_tg_form_value(const json_t *value);
/**
 * The files of payload's "_upload", in its order, into out (room for AB_TG_UPLOADS_MAX).
 * Returns how many (0 when there is no "_upload"), or -1 when it is malformed (why says how):
 * not an object, more than AB_TG_UPLOADS_MAX, an empty or private field name, an entry without
 * a string "key".
 */
int ab_tg_uploads(const json_t *payload, ab_tg_upload *out, char *why, size_t why_len);
/** Telegram's size limit for the file uploaded under field: a photo's (sendPhoto's "photo", or
 *  an album item of type "photo" whose media is "attach://<field>") or any other file's. */
size_t ab_tg_upload_limit(const json_t *payload, const char *field);
/** Whether a 400's description says Telegram could not fetch or use a URL it was given. */
bool ab_tg_url_refused(const char *description);
/**
 * Turns a payload that names files by URL into one that uploads them: "_fallback_upload"
 * becomes "_upload", and each of its fields replaces what it stands for. A field "p<i>"
 * (p0..p9) stands for media[i] of sendMediaGroup, whose "media" becomes "attach://p<i>"; any
 * other field stands for the top-level field of that name ("photo", "document"), which is
 * removed (the file part takes its place). Returns false, payload unchanged, when there is no
 * fallback, there already is an "_upload", or a field names no media item (why says which).
 */
bool ab_tg_use_fallback_upload(json_t *payload, char *why, size_t why_len);

#endif
