/* User and chat-state statements. */
#include "db/chat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* A round's senders in one statement (issue 19): each created or refreshed, written only when
 * something changed, and what the FSM needs to know returned for every one. A user who is as
 * stored (nearly every update) is only read: not even locked, which would write. The writes
 * go in id order, so that two dispatchers refreshing the same users lock their rows in the
 * same order. */
static const ab_db_stmt USERS_UPSERT = {
    "users_upsert",
    "WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb)"
    "           AS r(id bigint, first_name text, username text, language_code text)),"
    " cur AS (SELECT * FROM users WHERE id = ANY (ARRAY(SELECT id FROM r))),"
    " up AS ("
    " INSERT INTO users AS u (id, first_name, username, language_code)"
    " SELECT id, coalesce(first_name, ''), username, language_code FROM r"
    " WHERE NOT EXISTS (SELECT 1 FROM cur WHERE cur.id = r.id"
    "  AND (cur.first_name, cur.username, cur.language_code) IS NOT DISTINCT FROM"
    "  (coalesce(nullif(r.first_name, ''), cur.first_name), coalesce(r.username, cur.username),"
    "   coalesce(r.language_code, cur.language_code)))"
    " ORDER BY id"
    " ON CONFLICT (id) DO UPDATE SET"
    "  first_name = coalesce(nullif(EXCLUDED.first_name, ''), u.first_name),"
    "  username = coalesce(EXCLUDED.username, u.username),"
    "  language_code = coalesce(EXCLUDED.language_code, u.language_code),"
    "  updated_at = now()"
    " WHERE (u.first_name, u.username, u.language_code) IS DISTINCT FROM"
    "  (coalesce(nullif(EXCLUDED.first_name, ''), u.first_name),"
    "   coalesce(EXCLUDED.username, u.username),"
    "   coalesce(EXCLUDED.language_code, u.language_code))"
    " RETURNING id, language_code, avatars_count, language, privacy_accepted_at IS NOT NULL AS pa)"
    " SELECT id, language_code, avatars_count, language, pa FROM up"
    /* the rows left as they were: read from the statement's snapshot, which has them */
    " UNION ALL SELECT id, language_code, avatars_count, language,"
    " privacy_accepted_at IS NOT NULL FROM cur WHERE id NOT IN (SELECT id FROM up)",
    1};

ab_err ab_db_users_upsert(ab_db *db, ab_user_row *rows, int n)
{
    if (n <= 0)
        return AB_OK;
    json_t *list = json_array();
    for (int i = 0; list && i < n; i++) {
        memset(&rows[i].info, 0, sizeof rows[i].info);
        if (json_array_append_new(list, json_pack("{s:I,s:s?,s:s?,s:s?}", "id",
                                                  (json_int_t)rows[i].id, "first_name",
                                                  rows[i].first_name, "username", rows[i].username,
                                                  "language_code", rows[i].language_code)) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    PGresult *res = NULL;
    ab_err err = ab_db_exec_json(db, &USERS_UPSERT, list, &res);
    if (err != AB_OK)
        return err;
    for (int r = 0; r < PQntuples(res); r++) {
        int64_t id = ab_db_get_i64(res, r, 0);
        for (int i = 0; i < n; i++) {
            if (rows[i].id != id)
                continue;
            ab_user_info *info = &rows[i].info;
            snprintf(info->language_code, sizeof info->language_code, "%s", PQgetvalue(res, r, 1));
            info->avatars_count = (int)ab_db_get_i64(res, r, 2);
            snprintf(info->language, sizeof info->language, "%s", PQgetvalue(res, r, 3));
            info->privacy_accepted = PQgetvalue(res, r, 4)[0] == 't';
        }
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

/* A round's chats in one statement (issue 19): each chat's state, its row created on first
 * contact. No row lock and no new row version: the chat's lane lock, held by the dispatcher
 * through the step, is what keeps a chat's steps apart, and only steps write a chat's state. A
 * chat first seen without a user (a channel) gets its user when one writes. The rows are
 * found by key (`= ANY (ARRAY(…))`): the planner takes the list for 100 rows and would rather
 * read a small table whole. */
static const ab_db_stmt CHATS_LOAD = {
    "chats_load",
    "WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(chat_id bigint, user_id bigint)),"
    " created AS (INSERT INTO chat_state (chat_id, user_id)"
    "   SELECT chat_id, user_id FROM r ORDER BY chat_id ON CONFLICT (chat_id) DO NOTHING"
    "   RETURNING chat_id, state, data),"
    " adopted AS (UPDATE chat_state c SET user_id = r.user_id FROM r"
    "   WHERE c.chat_id = ANY (ARRAY(SELECT chat_id FROM r WHERE user_id IS NOT NULL))"
    "   AND c.chat_id = r.chat_id AND c.user_id IS NULL)"
    " SELECT chat_id, state, data::text FROM created"
    " UNION ALL SELECT c.chat_id, c.state, c.data::text FROM chat_state c"
    " WHERE c.chat_id = ANY (ARRAY(SELECT chat_id FROM r))"
    " AND c.chat_id NOT IN (SELECT chat_id FROM created)",
    1};

ab_err ab_db_chats_load(ab_db *db, ab_chat_row *rows, int n)
{
    if (n <= 0)
        return AB_OK;
    json_t *list = json_array();
    for (int i = 0; list && i < n; i++) {
        rows[i].state_name = rows[i].data_json = NULL;
        json_t *row = json_pack("{s:I}", "chat_id", (json_int_t)rows[i].chat_id);
        if (row && rows[i].user_id)
            json_object_set_new(row, "user_id", json_integer(rows[i].user_id));
        if (json_array_append_new(list, row) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    PGresult *res = NULL;
    ab_err err = ab_db_exec_json(db, &CHATS_LOAD, list, &res);
    if (err != AB_OK)
        return err;
    for (int r = 0; r < PQntuples(res) && err == AB_OK; r++) {
        int64_t id = ab_db_get_i64(res, r, 0);
        for (int i = 0; i < n && err == AB_OK; i++) {
            if (rows[i].chat_id != id || rows[i].state_name)
                continue;
            rows[i].state_name = strdup(PQgetvalue(res, r, 1));
            rows[i].data_json = strdup(PQgetvalue(res, r, 2));
            if (!rows[i].state_name || !rows[i].data_json)
                err = AB_ERR_NOMEM;
        }
    }
    PQclear(res);
    for (int i = 0; i < n && err == AB_OK; i++)
        if (!rows[i].state_name)
            err = AB_ERR_NOT_FOUND; /* erased meanwhile */
    if (err != AB_OK)
        ab_chat_rows_free(rows, n);
    return err;
}

void ab_chat_rows_free(ab_chat_row *rows, int n)
{
    for (int i = 0; i < n; i++) {
        free(rows[i].state_name);
        free(rows[i].data_json);
        rows[i].state_name = rows[i].data_json = NULL;
    }
}
