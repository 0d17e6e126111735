/* Avatar statements. Every statement that names an avatar also names its owner, so a forged
 * id can never reach another user's avatar even if a handler forgot to check. */
#ifndef AB_DB_AVATARS_H
#define AB_DB_AVATARS_H

#include <stdint.h>

#include "core/avatar.h"
#include "db/db.h"

/** The user's avatars, oldest first (at most max). */
ab_err ab_db_avatars_list(ab_db *db, int64_t user_id, ab_avatar *out, int max, int *n);
/** Creates a draft avatar; *id gets its id. avatar_type: what it depicts (character, style,
 *  product, general; NULL: character). AB_ERR_CONFLICT: name taken; AB_ERR_LIMIT: the user has
 *  10 already. */
ab_err ab_db_avatar_create(ab_db *db, int64_t user_id, const char *name, const char *gender,
                           const char *training_type, const char *avatar_type, int64_t *id);
/** Renames; AB_ERR_NOT_FOUND when the avatar is not the user's; AB_ERR_CONFLICT when taken. */
ab_err ab_db_avatar_rename(ab_db *db, int64_t user_id, int64_t avatar_id, const char *name);
/** Deletes (photos cascade); AB_ERR_NOT_FOUND when not the user's or while training. */
ab_err ab_db_avatar_delete(ab_db *db, int64_t user_id, int64_t avatar_id);
#endif
