/* Where things live in object storage: every key the service writes is made here, so the
 * layout is one table a newcomer (or an operator reading a bucket) can read:
 *
 *   avatars/<user>/<avatar>/                 everything of one avatar (deleted with it)
 *   avatars/<user>/<avatar>/<photo>.<ext>    an accepted photo, ext "jpg" or "png"
 *   avatars/<user>/<avatar>/dataset-<run>.zip  the training dataset of a run (its batch)
 *   avatars/<user>/<avatar>/pictures/<generation>-<n>.jpg  a picture made with the avatar
 *
 * Pure functions: no storage handle, no I/O. Each returns false when out is too small. */
#ifndef AB_STORAGE_KEYS_H
#define AB_STORAGE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A key or prefix fits in this many bytes (with its terminator). */
#define AB_KEY_MAX 128

/** The prefix of one avatar's objects, ending in '/'. */
bool ab_key_avatar_prefix(char *out, size_t n, int64_t user_id, int64_t avatar_id);
/** An accepted photo; png picks the extension ("png", else "jpg"). */
bool ab_key_photo(char *out, size_t n, int64_t user_id, int64_t avatar_id, int64_t photo_id,
                  bool png);
/** The dataset ZIP of a training run. */
bool ab_key_dataset(char *out, size_t n, int64_t user_id, int64_t avatar_id, int64_t run_id);
/** The stored copy of picture index (0-based) of a generation. */
bool ab_key_generation_image(char *out, size_t n, int64_t user_id, int64_t avatar_id,
                             int64_t generation_id, int index);
/** True for an avatar prefix as ab_key_avatar_prefix makes it: a clean-up job deletes only
 *  these, never the bucket or a user's whole tree. */
bool ab_key_is_avatar_prefix(const char *prefix);
/** True for a key inside some avatar's prefix. */
bool ab_key_is_avatar_object(const char *key);

#endif
