/* libFuzzer target: the reader of FAL's webhook bodies (src/fal/webhook_body.c), which parses
 * whatever a correctly signed delivery carries: a model's output, an error with its detail, or
 * anything else FAL may send one day. Any input must give a parsed body or a refusal, never a
 * crash, a leak or undefined behaviour; run by tests/fuzz/run.sh (ctest: fuzz). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fal/webhook_body.h"

/* A parsed body holds what the handler relies on: the signed id, a known status, and texts
 * that parse back as JSON objects naming the same request. */
static void check(const ab_fal_webhook_body *b, const char *signed_id)
{
    if (strcmp(b->request_id, signed_id) != 0 ||
        (strcmp(b->status, "OK") != 0 && strcmp(b->status, "ERROR") != 0))
        __builtin_trap();
    json_t *finish = json_loads(b->finish, 0, NULL);
    json_t *event = json_loads(b->event, 0, NULL);
    json_t *rid = json_object_get(finish, "request_id");
    if (!json_is_object(finish) || !json_is_object(event) || !json_is_string(rid) ||
        strcmp(json_string_value(rid), signed_id) != 0)
        __builtin_trap();
    json_decref(finish);
    json_decref(event);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    ab_fal_webhook_body b;
    /* as signed for the request the corpus uses, and for whatever id the body itself names */
    if (ab_fal_webhook_parse(text, size, "req-1", &b) == AB_OK)
        check(&b, "req-1");
    ab_fal_webhook_body_free(&b);
    json_t *doc = json_loadb(text, size, 0, NULL);
    const char *own = json_string_value(json_object_get(doc, "request_id"));
    char *id = own ? strdup(own) : NULL;
    json_decref(doc);
    if (id && ab_fal_webhook_parse(text, size, id, &b) == AB_OK)
        check(&b, id);
    ab_fal_webhook_body_free(&b);
    free(id);
    return 0;
}
