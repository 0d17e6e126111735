/* FAL's webhook body: {"request_id", "gateway_request_id", "status": "OK" | "ERROR",
 * "payload": the model's output or {"detail": ...}, "error": text or null, ...}, read once its
 * signature has verified. Pure (no I/O), so it can be fuzzed (tests/fuzz/fuzz_fal_webhook.c). */
#ifndef AB_FAL_WEBHOOK_BODY_H
#define AB_FAL_WEBHOOK_BODY_H

#include <jansson.h>
#include <stddef.h>

#include "core/error.h"

typedef struct {
    json_t *body;           /* the whole body (owned) */
    const char *request_id; /* borrowed from body: non-empty, the signed request id */
    const char *status;     /* borrowed from body: "OK" or "ERROR" */
    char *finish;           /* the finish job's payload (a training's or a generation's):
                             * {request_id, status, payload, error} as JSON text */
    char *event;            /* the body as a run's event: re-serialized, so jsonb takes it */
} ab_fal_webhook_body;

/**
 * Parses a webhook body of len bytes (not NUL-terminated) whose signature named
 * signed_request_id (X-Fal-Webhook-Request-Id).
 * @return AB_OK with *out filled (free with ab_fal_webhook_body_free); AB_ERR_INVALID when it is
 *         not a JSON object with a non-empty "request_id" equal to signed_request_id and a
 *         "status" of "OK" or "ERROR" (*out zeroed); AB_ERR_NOMEM.
 */
ab_err ab_fal_webhook_parse(const char *data, size_t len, const char *signed_request_id,
                            ab_fal_webhook_body *out);
/** Why a request failed, from a finish job's payload: FAL's "error" (or "ERROR") and the
 *  payload's "detail" as JSON, for the operator's logs and records (never shown to users). */
void ab_fal_finish_detail(const json_t *finish, char *out, size_t n);
/** Frees what ab_fal_webhook_parse filled; a zeroed body is fine. */
void ab_fal_webhook_body_free(ab_fal_webhook_body *b);

#endif
