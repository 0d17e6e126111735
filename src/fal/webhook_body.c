/* FAL's webhook body (see webhook_body.h). */
#include "fal/webhook_body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

ab_err ab_fal_webhook_parse(const char *data, size_t len, const char *signed_request_id,
                            ab_fal_webhook_body *out)
{
    memset(out, 0, sizeof *out);
    json_t *body = data ? json_loadb(data, len, 0, NULL) : NULL;
    const char *rid = ab_json_nonempty(body, "request_id");
    const char *status = ab_json_str(body, "status");
    if (!json_is_object(body) || !rid || !status || !signed_request_id ||
        (strcmp(status, "OK") != 0 && strcmp(status, "ERROR") != 0) ||
        strcmp(rid, signed_request_id) != 0) {
        json_decref(body);
        return AB_ERR_INVALID;
    }
    out->body = body;
    out->request_id = rid;
    out->status = status;
    json_t *finish =
        json_pack("{s:s,s:s,s:O?,s:O?}", "request_id", rid, "status", status, "payload",
                  json_object_get(body, "payload"), "error", json_object_get(body, "error"));
    out->finish = finish ? ab_json_dump(finish) : NULL;
    json_decref(finish);
    /* jsonb keeps the event whole, but not NUL bytes (jansson refuses them) */
    out->event = ab_json_dump(body);
    if (!out->finish || !out->event) {
        ab_fal_webhook_body_free(out);
        return AB_ERR_NOMEM;
    }
    return AB_OK;
}

void ab_fal_webhook_body_free(ab_fal_webhook_body *b)
{
    free(b->finish);
    free(b->event);
    json_decref(b->body);
    memset(b, 0, sizeof *b);
}

void ab_fal_finish_detail(const json_t *finish, char *out, size_t n)
{
    const char *error = json_string_value(json_object_get(finish, "error"));
    json_t *d = json_object_get(json_object_get(finish, "payload"), "detail");
    char *dtext = d ? json_dumps(d, JSON_COMPACT) : NULL;
    snprintf(out, n, "%s%s%.800s", error ? error : "ERROR", dtext ? ": " : "", dtext ? dtext : "");
    free(dtext);
}
