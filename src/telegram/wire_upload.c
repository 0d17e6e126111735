/* Private payload keys, upload lists and the URL fallback (see wire_upload.h). */
#include "telegram/wire_upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"

static void say(char *why, size_t why_len, const char *fmt, const char *arg)
{
    if (why && why_len)
        snprintf(why, why_len, fmt, arg);
}

static bool is_private(const char *key)
{
    return key[0] == '_';
}

bool ab_tg_has_private(const json_t *payload)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)payload, key, value) if (is_private(key)) return true;
    return false;
}

json_t *ab_tg_public_payload(const json_t *payload)
{
    json_t *out = json_object();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)payload, key,
                        value) if (out && !is_private(key) && json_object_set(out, key, value) != 0)
    {
        json_decref(out);
        return NULL;
    }
    return out;
}

char *ab_tg_form_value(const json_t *value)
{
    char num[64];
    switch (json_typeof(value)) {
    case JSON_STRING:
        return strndup(json_string_value(value), json_string_length(value));
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        return strdup(num);
    case JSON_TRUE:
        return strdup("true");
    case JSON_FALSE:
        return strdup("false");
    case JSON_NULL:
        return NULL;
    default: /* objects, arrays, reals: their JSON text */
        return ab_json_dump(value);
    }
}

/* "p0".."p9": the media item it stands for, else -1. */
static int media_index(const char *field)
{
    if (field[0] == 'p' && field[1] >= '0' && field[1] <= '9' && field[2] == '\0')
        return field[1] - '0';
    return -1;
}

size_t ab_tg_upload_limit(const json_t *payload, const char *field)
{
    if (strcmp(field, "photo") == 0)
        return AB_TG_UPLOAD_PHOTO_MAX;
    char attach[80];
    snprintf(attach, sizeof attach, "attach://%s", field);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(payload, "media"), i, item)
    {
        const char *media = ab_json_str(item, "media");
        const char *type = ab_json_str(item, "type");
        if (media && type && strcmp(media, attach) == 0 && strcmp(type, "photo") == 0)
            return AB_TG_UPLOAD_PHOTO_MAX;
    }
    return AB_TG_UPLOAD_FILE_MAX;
}

static const char *last_segment(const char *key)
{
    const char *slash = strrchr(key, '/');
    return slash ? slash + 1 : key;
}

int ab_tg_uploads(const json_t *payload, ab_tg_upload *out, char *why, size_t why_len)
{
    json_t *uploads = json_object_get(payload, "_upload");
    if (!uploads)
        return 0;
    if (!json_is_object(uploads)) {
        say(why, why_len, "%s is not an object", "_upload");
        return -1;
    }
    if (json_object_size(uploads) > AB_TG_UPLOADS_MAX) {
        say(why, why_len, "%s names more than 10 files", "_upload");
        return -1;
    }
    int n = 0;
    const char *field;
    json_t *source;
    json_object_foreach(uploads, field, source)
    {
        const char *key = ab_json_nonempty(source, "key");
        if (field[0] == '\0' || is_private(field) || strlen(field) > 64) {
            say(why, why_len, "_upload field \"%s\" is not a usable name", field);
            return -1;
        }
        if (!key) {
            say(why, why_len, "_upload field \"%s\" has no storage key", field);
            return -1;
        }
        const char *filename = ab_json_nonempty(source, "filename");
        const char *type = ab_json_nonempty(source, "content_type");
        out[n++] = (ab_tg_upload){.field = field,
                                  .key = key,
                                  .filename = filename ? filename : last_segment(key),
                                  .content_type = type ? type : "application/octet-stream",
                                  .limit = ab_tg_upload_limit(payload, field)};
    }
    return n;
}

/* Case-insensitive: Telegram has written these both ways ("Wrong file identifier/HTTP URL
 * specified", and inside an album's "failed to send message #1 with the error message ..."). */
static const char *const URL_REFUSALS[] = {
    "wrong file identifier/http url specified",
    "failed to get http url content",
    "wrong type of the web page content",
    "webpage_curl_failed",
    "webpage_media_empty",
};

bool ab_tg_url_refused(const char *description)
{
    if (!description)
        return false;
    for (size_t i = 0; i < sizeof URL_REFUSALS / sizeof URL_REFUSALS[0]; i++) {
        size_t n = strlen(URL_REFUSALS[i]);
        for (const char *p = description; *p; p++)
            if (strncasecmp(p, URL_REFUSALS[i], n) == 0)
                return true;
    }
    return false;
}

bool ab_tg_use_fallback_upload(json_t *payload, char *why, size_t why_len)
{
    json_t *fallback = json_object_get(payload, "_fallback_upload");
    if (!json_is_object(fallback) || json_object_size(fallback) == 0) {
        say(why, why_len, "%s", "no _fallback_upload to use");
        return false;
    }
    if (json_object_get(payload, "_upload")) {
        say(why, why_len, "%s", "the call already uploads its files");
        return false;
    }
    json_t *media = json_object_get(payload, "media");
    const char *field;
    json_t *source;
    json_object_foreach(fallback, field, source)
    { /* check all before changing anything */
        int i = media_index(field);
        if (i >= 0 && !json_is_object(json_array_get(media, (size_t)i))) {
            say(why, why_len, "_fallback_upload field \"%s\" names no media item", field);
            return false;
        }
    }
    json_object_foreach(fallback, field, source)
    {
        int i = media_index(field);
        if (i >= 0) {
            char attach[16];
            snprintf(attach, sizeof attach, "attach://%s", field);
            json_object_set_new(json_array_get(media, (size_t)i), "media", json_string(attach));
        } else {
            json_object_del(payload, field);
        }
    }
    json_object_set(payload, "_upload", fallback);
    json_object_del(payload, "_fallback_upload");
    return true;
}
