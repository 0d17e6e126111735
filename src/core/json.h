/* The project's JSON helpers over jansson: typed getters that tolerate the shapes real Bot API
 * and FAL payloads take (absent, null, {}, "" for optional fields) and a dotted-path lookup. */
#ifndef AB_CORE_JSON_H
#define AB_CORE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/** Follows a dotted path ("message.chat.id") through objects; NULL when any step is missing
 *  or not an object. Borrowed reference. */
json_t *ab_json_path(const json_t *root, const char *path);
/** Integer at path into *out; false when absent or not an integer. */
bool ab_json_i64(const json_t *root, const char *path, int64_t *out);
/** String at path, or NULL when absent, null, or not a string. Borrowed. */
const char *ab_json_str(const json_t *root, const char *path);
/** Non-empty string at path, or NULL. Borrowed. */
const char *ab_json_nonempty(const json_t *root, const char *path);
/** Boolean at path; def when absent or not a boolean. */
bool ab_json_bool(const json_t *root, const char *path, bool def);
/** Compact serialization; caller frees with free(). NULL on allocation failure. */
char *ab_json_dump(const json_t *value);

#endif
