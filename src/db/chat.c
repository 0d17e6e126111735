/* User and chat-state statements. */
#include "db/chat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ab_db_stmt USER_UPSERT = {
    "user_upsert",
    "WITH up AS ("
    " INSERT INTO users AS u (id, first_name, username, language_code)"
    " VALUES ($1::bigint, coalesce($2, ''), $3, $4)"
    " ON CONFLICT (id) DO UPDATE SET"
    "  first_name = coalesce(nullif(EXCLUDED.first_name, ''), u.first_name),"
    "  username = coalesce(EXCLUDED.username, u.username),"
    "  language_code = coalesce(EXCLUDED.language_code, u.language_code),"
    "  updated_at = now()"
    " WHERE (u.first_name, u.username, u.language_code) IS DISTINCT FROM"
    "  (coalesce(nullif(EXCLUDED.first_name, ''), u.first_name),"
    "   coalesce(EXCLUDED.username, u.username),"
    "   coalesce(EXCLUDED.language_code, u.language_code))"
    " RETURNING language_code, avatars_count, language, privacy_accepted_at IS NOT NULL AS pa)"
    " SELECT language_code, avatars_count, language, pa FROM up"
    " UNION ALL SELECT language_code, avatars_count, language,"
    " privacy_accepted_at IS NOT NULL FROM users"
    " WHERE id = $1::bigint AND NOT EXISTS (SELECT 1 FROM up)",
    4};

ab_err ab_db_user_upsert(ab_db *db, int64_t user_id, const char *first_name, const char *username,
                         const char *language_code, ab_user_info *info)
{
    char id[24];
    const char *params[] = {ab_db_i64(id, user_id), first_name, username, language_code};
    PGresult *res = NULL;
    memset(info, 0, sizeof *info);
    ab_err err = ab_db_exec(db, &USER_UPSERT, params, &res);
    if (err != AB_OK)
        return err;
    if (PQntuples(res) >= 1) {
        snprintf(info->language_code, sizeof info->language_code, "%s", PQgetvalue(res, 0, 0));
        info->avatars_count = (int)ab_db_get_i64(res, 0, 1);
        snprintf(info->language, sizeof info->language, "%s", PQgetvalue(res, 0, 2));
        info->privacy_accepted = PQgetvalue(res, 0, 3)[0] == 't';
    }
    PQclear(res);
    return AB_OK;
}

static const ab_db_stmt USER_PRIVACY = {
    "user_accept_privacy",
    "UPDATE users SET privacy_accepted_at = now() WHERE id = $1::bigint"
    " AND privacy_accepted_at IS NULL",
    1};

ab_err ab_db_user_accept_privacy(ab_db *db, int64_t user_id)
{
    char id[24];
    const char *params[] = {ab_db_i64(id, user_id)};
    return ab_db_exec(db, &USER_PRIVACY, params, NULL);
}

static const ab_db_stmt USER_LANGUAGE = {
    "user_set_language", "UPDATE users SET language = $2, updated_at = now() WHERE id = $1::bigint",
    2};

ab_err ab_db_user_set_language(ab_db *db, int64_t user_id, const char *language)
{
    char id[24];
    const char *params[] = {ab_db_i64(id, user_id), language};
    return ab_db_exec(db, &USER_LANGUAGE, params, NULL);
}

static const ab_db_stmt USER_BLOCKED = {
    "user_set_blocked",
    "UPDATE users SET blocked_at = CASE WHEN $2::bool THEN coalesce(blocked_at, now()) END,"
    " updated_at = now() WHERE id = $1::bigint",
    2};

ab_err ab_db_user_set_blocked(ab_db *db, int64_t user_id, bool blocked)
{
    char id[24];
    const char *params[] = {ab_db_i64(id, user_id), blocked ? "true" : "false"};
    return ab_db_exec(db, &USER_BLOCKED, params, NULL);
}

/* The no-op DO UPDATE makes RETURNING give the existing row and locks it. */
static const ab_db_stmt CHAT_LOAD = {
    "chat_load",
    "INSERT INTO chat_state AS c (chat_id, user_id) VALUES ($1::bigint, $2::bigint)"
    " ON CONFLICT (chat_id) DO UPDATE SET user_id = coalesce(c.user_id, EXCLUDED.user_id)"
    " RETURNING state, data::text",
    2};

ab_err ab_db_chat_load(ab_db *db, int64_t chat_id, int64_t user_id, char **state_name,
                       char **data_json)
{
    char cid[24], uid[24];
    const char *params[] = {ab_db_i64(cid, chat_id), user_id ? ab_db_i64(uid, user_id) : NULL};
    PGresult *res = NULL;
    *state_name = *data_json = NULL;
    ab_err err = ab_db_exec(db, &CHAT_LOAD, params, &res);
    if (err != AB_OK)
        return err;
    *state_name = strdup(PQgetvalue(res, 0, 0));
    *data_json = strdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    if (!*state_name || !*data_json) {
        free(*state_name);
        free(*data_json);
        *state_name = *data_json = NULL;
        return AB_ERR_NOMEM;
    }
    return AB_OK;
}

static const ab_db_stmt CHAT_SAVE = {
    "chat_save",
    "UPDATE chat_state SET state = $2, data = coalesce($3::jsonb, data),"
    " version = version + 1, updated_at = now() WHERE chat_id = $1::bigint",
    3};

ab_err ab_db_chat_save(ab_db *db, int64_t chat_id, const char *state_name, const char *data_json)
{
    char cid[24];
    const char *params[] = {ab_db_i64(cid, chat_id), state_name, data_json};
    return ab_db_exec(db, &CHAT_SAVE, params, NULL);
}
