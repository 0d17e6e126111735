/* Avatar photos and their batches (albums or single photos). */
#ifndef AB_DB_PHOTOS_H
#define AB_DB_PHOTOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/avatar.h"
#include "db/db.h"

typedef struct {
    int64_t avatar_id;
    const char *file_id, *file_unique_id, *mime_type, *media_group_id;
    int64_t file_size;
    int width, height;
} ab_photo_intake;

/** Records a received photo as pending in its batch (created on first sight: *batch_new), and
 *  moves a draft avatar to "uploading". The avatar must be the user's (else NOT_FOUND). */
ab_err ab_db_photo_create(ab_db *db, int64_t user_id, int64_t chat_id, const ab_photo_intake *in,
                          int64_t *photo_id, int64_t *batch_id, bool *batch_new);

/** The avatar's accepted photos, oldest first, if the avatar is the user's (at most max). */
ab_err ab_db_photos_valid(ab_db *db, int64_t user_id, int64_t avatar_id, ab_photo *out, int max,
                          int *n);
/** Deletes one of the user's photos; *key gets its storage key ("" when none was stored).
 *  An avatar that falls under 10 photos goes back from "ready" to "uploading".
 *  AB_ERR_NOT_FOUND when the photo is not the user's. */
ab_err ab_db_photo_delete(ab_db *db, int64_t user_id, int64_t photo_id, char key[256]);

/* What the ingest job needs to know about a photo. */
typedef struct {
    int64_t id, avatar_id, user_id, batch_id, chat_id;
    char file_id[256];
    char status[12];        /* validation_status */
    char training_type[12]; /* the avatar's */
    char language_code[16]; /* the user's: picked in the bot, else Telegram's */
} ab_photo_job_info;

/** Loads a photo for checking; AB_ERR_NOT_FOUND when it (or its avatar) is gone. */
ab_err ab_db_photo_for_job(ab_db *db, int64_t photo_id, ab_photo_job_info *out);
/** Another photo of the avatar with this SHA-256 or (hamming_max >= 0) a dHash within
 *  hamming_max bits: *dup true. Only photos already accepted count. */
ab_err ab_db_photo_find_duplicate(ab_db *db, int64_t avatar_id, int64_t photo_id,
                                  const char *sha256, uint64_t dhash, int hamming_max, bool *dup);

typedef struct {
    const char *status; /* valid | invalid | duplicate */
    const char *error;  /* verdict name when not valid, else NULL */
    const char *sha256;
    uint64_t dhash;
    bool has_dhash, has_face;
    const char *face_box_json, *metadata_json;
    double quality; /* < 0: unknown */
    int width, height;
    int64_t file_size;
    const char *storage_key; /* NULL when not stored */
    const char *mime_type;
} ab_photo_verdict;

/** Records the check of a pending photo, and moves the avatar to "ready" once it has 10 valid
 *  photos. AB_ERR_LIMIT when accepting it would pass 50 valid photos. *already: it was not
 *  pending any more (another runner got there first): nothing changed. */
ab_err ab_db_photo_record(ab_db *db, int64_t photo_id, const ab_photo_verdict *v, bool *already);

/** The photo's storage key ("" when it has none); AB_ERR_NOT_FOUND when the row is gone. */
ab_err ab_db_photo_storage_key(ab_db *db, int64_t photo_id, char *out, size_t size);

/* A batch's progress, for its status message. */
typedef struct {
    int total, checked, accepted;
    char reasons[256]; /* distinct rejection reasons (verdict names), comma-separated */
    int avatar_valid;  /* the avatar's valid photos now */
} ab_batch_progress;

/** In a transaction: locks the batch's row (until the transaction ends) and counts it, so
 *  checks of one album that end at the same moment count each other. */
ab_err ab_db_batch_progress(ab_db *db, int64_t batch_id, ab_batch_progress *out);
/** Queues (or, when one is still waiting, replaces) the edit of a batch's status message:
 *  payload_json is the editMessageText payload without its message_id (the sender adds it). */
ab_err ab_db_batch_status_edit(ab_db *db, int64_t batch_id, int64_t chat_id,
                               const char *payload_json);

#endif
