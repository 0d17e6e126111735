/* The configuration table and its validation. Adding a variable is adding a row. */
#include "core/config.h"
#include "core/billing.h"
#include "core/storage_url.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <strings.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_STRING, T_INT, T_DOUBLE, T_BOOL, T_LOGLEVEL } value_type;
typedef enum {
    V_NONE,
    V_URL,
    V_PG_URL,
    V_BOT_TOKEN,
    V_WEBHOOK_SECRET,
    V_STORAGE_URL,
    V_FAL_MODE,
    V_JSON_OBJECT,
    V_MINUTES,
    V_APP_ID,
    V_BILLING,
    V_PACKS
} validator;

typedef struct {
    const char *name;
    value_type type;
    size_t offset;
    const char *def; /* NULL: no default */
    double min, max; /* numbers only */
    unsigned required_by;
    bool secret;
    validator check;
    const char *help;
} config_var;

#define OFF(field) offsetof(ab_config, field)
#define ALL (AB_CMD_SERVE | AB_CMD_MIGRATE | AB_CMD_SET_WEBHOOK)

static const config_var VARS[] = {
    {"DATABASE_URL", T_STRING, OFF(database_url), NULL, 0, 0, AB_CMD_SERVE | AB_CMD_MIGRATE, true,
     V_PG_URL, "PostgreSQL connection URL (postgresql://user:pass@host:port/db) or conninfo"},
    {"HTTP_BIND", T_STRING, OFF(http_bind), "0.0.0.0", 0, 0, 0, false, V_NONE,
     "address the HTTP server listens on"},
    {"HTTP_PORT", T_INT, OFF(http_port), "8080", 1, 65535, 0, false, V_NONE,
     "port the HTTP server listens on"},
    {"HTTP_MAX_CONNECTIONS", T_INT, OFF(http_max_connections), "256", 4, 10000, 0, false, V_NONE,
     "most simultaneous HTTP connections"},
    {"HTTP_THREADS", T_INT, OFF(http_threads), "2", 1, 64, 0, false, V_NONE,
     "HTTP event-loop threads, each serving many connections"},
    {"TELEGRAM_BOT_TOKEN", T_STRING, OFF(telegram_bot_token), NULL, 0, 0,
     AB_CMD_SERVE | AB_CMD_SET_WEBHOOK, true, V_BOT_TOKEN, "bot token from @BotFather (secret)"},
    {"TELEGRAM_WEBHOOK_SECRET", T_STRING, OFF(telegram_webhook_secret), NULL, 0, 0,
     AB_CMD_SERVE | AB_CMD_SET_WEBHOOK, true, V_WEBHOOK_SECRET,
     "secret_token given to setWebhook; 1-256 of A-Z a-z 0-9 _ - (secret)"},
    {"TELEGRAM_API_BASE", T_STRING, OFF(telegram_api_base), "https://api.telegram.org", 0, 0, 0,
     false, V_URL, "Bot API base URL; calls go to $TELEGRAM_API_BASE/bot<token>/<method>"},
    {"PUBLIC_BASE_URL", T_STRING, OFF(public_base_url), NULL, 0, 0, AB_CMD_SET_WEBHOOK, false,
     V_URL, "public https URL of this service (webhooks are registered under it)"},
    {"LOG_LEVEL", T_LOGLEVEL, OFF(log_level), "info", 0, 0, 0, false, V_NONE,
     "debug, info, warn or error"},
    {"WORKER_THREADS", T_INT, OFF(worker_threads), "2", 1, 64, 0, false, V_NONE,
     "threads running FSM steps from the inbox"},
    {"SENDER_THREADS", T_INT, OFF(sender_threads), "4", 1, 64, 0, false, V_NONE,
     "threads delivering outbox rows to the Bot API"},
    {"JOB_THREADS", T_INT, OFF(job_threads), "2", 1, 64, 0, false, V_NONE,
     "threads running background jobs (photo checks, training, clean-up)"},
    {"JOBS_PER_USER", T_INT, OFF(jobs_per_user), "1", 1, 64, 0, false, V_NONE,
     "most background jobs of one user running at once, so one user's flood of photos does not "
     "hold up everyone else's"},
    {"JOB_LEASE_SECONDS", T_INT, OFF(job_lease_s), "60", 3, 3600, 0, false, V_NONE,
     "a running job's lease, renewed every third of it while the job runs; a replica that dies "
     "mid-job leaves it to others after this long"},
    {"DB_POOL_SIZE", T_INT, OFF(db_pool_size), "8", 1, 128, 0, false, V_NONE,
     "database connections shared by the HTTP threads"},
    {"INBOX_WRITERS", T_INT, OFF(inbox_writers), "1", 1, 16, 0, false, V_NONE,
     "pool connections that commit webhook updates to the inbox, in batches"},
    {"TELEGRAM_RATE_GLOBAL", T_DOUBLE, OFF(telegram_rate_global), "30", 0.1, 100000, 0, false,
     V_NONE,
     "most Bot API messages per second for the bot, shared by the replicas alive "
     "(Telegram allows about 30)"},
    {"TELEGRAM_RATE_PER_CHAT", T_DOUBLE, OFF(telegram_rate_per_chat), "1", 0.01, 100000, 0, false,
     V_NONE,
     "messages per second to one chat, bursts of 3, whichever replicas send them "
     "(Telegram: about 1)"},
    {"TELEGRAM_TIMEOUT_SECONDS", T_INT, OFF(telegram_timeout_s), "30", 1, 300, 0, false, V_NONE,
     "timeout of one Bot API call"},
    {"OUTBOX_MAX_ATTEMPTS", T_INT, OFF(outbox_max_attempts), "10", 1, 100, 0, false, V_NONE,
     "attempts before an outgoing message is given up"},
    {"INBOX_RETENTION_HOURS", T_INT, OFF(inbox_retention_hours), "48", 25, 24 * 365, 0, false,
     V_NONE, "handled updates are kept this long to deduplicate re-deliveries (> 24 h)"},
    {"MIGRATE_ON_START", T_BOOL, OFF(migrate_on_start), "true", 0, 0, 0, false, V_NONE,
     "apply pending migrations when serve starts"},
    {"FACE_MODEL_PATH", T_STRING, OFF(face_model_path),
     "/usr/share/avatarbot/blazeface_short_128.onnx", 0, 0, 0, false, V_NONE,
     "BlazeFace short-range ONNX model used to find faces in uploaded photos; when it cannot "
     "be read, the same file in models/ next to the binary (a build tree)"},
    {"VISION_MODULE_PATH", T_STRING, OFF(vision_module_path), NULL, 0, 0, 0, false, V_NONE,
     "the photo analysis module; default: avatarbot-vision.so next to the binary, then in "
     "/usr/lib/avatarbot"},
    {"PHOTO_ANALYSIS_MEMORY_MB", T_INT, OFF(photo_analysis_memory_mb), "64", 8, 4096, 0, false,
     V_NONE,
     "most memory the check of one photo may take to decode it; a photo that would need "
     "more (known from its header, before decoding) is refused as too large to check"},
    {"STORAGE_URL", T_STRING, OFF(storage_url), NULL, 0, 0, AB_CMD_SERVE, false, V_STORAGE_URL,
     "object storage for photos and datasets: s3://BUCKET or file:///ABSOLUTE/DIR"},
    {"S3_ENDPOINT", T_STRING, OFF(s3_endpoint), NULL, 0, 0, 0, false, V_URL,
     "S3 API endpoint, e.g. http://minio:9000; unset = AWS (https://s3.REGION.amazonaws.com)"},
    {"S3_PUBLIC_ENDPOINT", T_STRING, OFF(s3_public_endpoint), NULL, 0, 0, 0, false, V_URL,
     "the bucket's public https endpoint, for the presigned dataset URLs FAL downloads; unset = "
     "S3_ENDPOINT (then it must be public itself in live mode)"},
    {"S3_REGION", T_STRING, OFF(s3_region), "us-east-1", 0, 0, 0, false, V_NONE,
     "region S3 requests and presigned URLs are signed for"},
    {"S3_ACCESS_KEY", T_STRING, OFF(s3_access_key), NULL, 0, 0, 0, false, V_NONE,
     "S3 access key id (needed with s3://)"},
    {"S3_SECRET_KEY", T_STRING, OFF(s3_secret_key), NULL, 0, 0, 0, true, V_NONE,
     "S3 secret access key (needed with s3://; secret)"},
    {"S3_FORCE_PATH_STYLE", T_BOOL, OFF(s3_force_path_style), "false", 0, 0, 0, false, V_NONE,
     "address objects as ENDPOINT/BUCKET/KEY, not BUCKET.ENDPOINT/KEY (true for MinIO)"},
    {"STORAGE_TIMEOUT_SECONDS", T_INT, OFF(storage_timeout_s), "60", 1, 3600, 0, false, V_NONE,
     "timeout of one object storage request"},
    {"PRESIGNED_URL_TTL_SECONDS", T_INT, OFF(presigned_url_ttl_s), "86400", 3600, 604800, 0, false,
     V_NONE, "validity of presigned download URLs (datasets handed to FAL); SigV4 allows 7 days"},
    {"FAL_KEY", T_STRING, OFF(fal_key), NULL, 0, 0, 0, true, V_NONE,
     "FAL AI API key (secret); without it training is simulated"},
    {"FAL_MODE", T_STRING, OFF(fal_mode), NULL, 0, 0, 0, false, V_FAL_MODE,
     "live (train on FAL, needs FAL_KEY and PUBLIC_BASE_URL) or simulate (no FAL calls); "
     "default: live when FAL_KEY is set, else simulate"},
    {"FAL_QUEUE_BASE", T_STRING, OFF(fal_queue_base), "https://queue.fal.run", 0, 0, 0, false,
     V_URL, "FAL queue API base URL"},
    {"FAL_JWKS_URL", T_STRING, OFF(fal_jwks_url), "https://rest.alpha.fal.ai/.well-known/jwks.json",
     0, 0, 0, false, V_URL, "FAL's public keys (JWKS) that sign its webhook calls"},
    {"FAL_USER_ID", T_STRING, OFF(fal_user_id), NULL, 0, 0, 0, false, V_NONE,
     "FAL account whose webhooks are taken (X-Fal-Webhook-User-Id); unset: any"},
    {"FAL_STYLE_TRAINER", T_STRING, OFF(fal_style_trainer), "fal-ai/flux-pro-trainer", 0, 0, 0,
     false, V_APP_ID,
     "trainer of Style avatars: fal-ai/flux-pro-trainer or "
     "fal-ai/flux-lora-fast-training"},
    {"FAL_PORTRAIT_INPUT", T_STRING, OFF(fal_portrait_input), NULL, 0, 0, 0, false, V_JSON_OBJECT,
     "JSON object merged over the Portrait trainer's default inputs, e.g. "
     "{\"steps\": 1500}"},
    {"FAL_STYLE_INPUT", T_STRING, OFF(fal_style_input), NULL, 0, 0, 0, false, V_JSON_OBJECT,
     "JSON object merged over the Style trainer's default inputs"},
    {"FAL_PORTRAIT_MINUTES", T_STRING, OFF(fal_portrait_minutes), "3-15", 0, 0, 0, false, V_MINUTES,
     "expected duration of a Portrait training, MIN-MAX minutes (shown to users, "
     "and the pace of progress when FAL logs no step counts)"},
    {"FAL_STYLE_MINUTES", T_STRING, OFF(fal_style_minutes), "5-30", 0, 0, 0, false, V_MINUTES,
     "expected duration of a Style training, MIN-MAX minutes"},
    {"FAL_SIMULATE_SECONDS", T_INT, OFF(fal_simulate_seconds), "120", 1, 86400, 0, false, V_NONE,
     "how long a simulated training takes"},
    {"FAL_POLL_SECONDS", T_INT, OFF(fal_poll_seconds), "20", 1, 600, 0, false, V_NONE,
     "pause between two status polls of a running training"},
    {"FAL_PROGRESS_EDIT_SECONDS", T_INT, OFF(fal_progress_edit_seconds), "10", 0, 3600, 0, false,
     V_NONE, "least pause between two edits of a training's progress message"},
    {"FAL_SUBMIT_TIMEOUT_SECONDS", T_INT, OFF(fal_submit_timeout_s), "30", 1, 300, 0, false, V_NONE,
     "how long a submit to FAL's queue waits for its answer; without one the submit is "
     "reconciled, not sent again"},
    {"FAL_RECONCILE_SECONDS", T_INT, OFF(fal_reconcile_s), "3600", 1, 86400, 0, false, V_NONE,
     "how long a submit whose outcome is unknown waits for a sign that FAL has it (its webhook, "
     "FAL's request listing) before it is sent again"},
    {"FAL_RECONCILE_LISTING", T_BOOL, OFF(fal_reconcile_listing), "false", 0, 0, 0, false, V_NONE,
     "also look for such a request in FAL's request listing (platform API, requests by "
     "endpoint with their inputs)"},
    {"FAL_PLATFORM_API_BASE", T_STRING, OFF(fal_platform_api_base), "https://api.fal.ai/v1", 0, 0,
     0, false, V_URL, "FAL platform API base URL (the request listing)"},
    {"PHOTO_RETENTION_DAYS", T_INT, OFF(photo_retention_days), "30", 1, 3650, 0, false, V_NONE,
     "uploaded photos and training datasets are deleted this many days after the avatar's last "
     "successful training (the model stays usable; training again asks for photos again)"},
    {"RECORDS_RETENTION_DAYS", T_INT, OFF(records_retention_days), "14", 1, 3650, 0, false, V_NONE,
     "delivered messages, finished jobs, photo batches and FAL webhook bodies are "
     "deleted after this many days"},
    {"RETENTION_INTERVAL_SECONDS", T_INT, OFF(retention_interval_s), "3600", 1, 86400, 0, false,
     V_NONE, "how often the janitor applies the retention"},
    {"RETENTION_CLOCK_OFFSET_DAYS", T_INT, OFF(retention_clock_offset_days), "0", 0, 3650, 0, false,
     V_NONE,
     "the retention acts as if it were this many days later (tests and drills; "
     "0 in production)"},
    {"FAL_LORA_GENERATION_INPUT", T_STRING, OFF(fal_lora_generation_input), NULL, 0, 0, 0, false,
     V_JSON_OBJECT,
     "JSON object merged over the default inputs of pictures from a LoRA avatar "
     "(fal-ai/flux-lora), e.g. {\"num_inference_steps\": 35}"},
    {"FAL_FINETUNE_GENERATION_INPUT", T_STRING, OFF(fal_finetune_generation_input), NULL, 0, 0, 0,
     false, V_JSON_OBJECT,
     "JSON object merged over the default inputs of pictures from a finetuned avatar "
     "(fal-ai/flux-pro/v1.1-ultra-finetuned)"},
    {"FAL_GENERATION_POLL_SECONDS", T_INT, OFF(fal_generation_poll_seconds), "5", 1, 600, 0, false,
     V_NONE,
     "pause between two status polls of a running generation (its webhook usually "
     "comes first)"},
    {"FAL_SIMULATE_GENERATION_SECONDS", T_INT, OFF(fal_simulate_generation_seconds), "3", 0, 600, 0,
     false, V_NONE, "how long a simulated generation takes"},
    {"GENERATION_PROMPT_MAX", T_INT, OFF(generation_prompt_max), "500", 10, 2000, 0, false, V_NONE,
     "longest description a user may type for pictures, in characters"},
    {"GENERATION_DAILY_IMAGES", T_INT, OFF(generation_daily_images), "40", 0, 100000, 0, false,
     V_NONE, "pictures one user may have made per UTC day (0: no limit)"},
    /* credits and Telegram Stars (issue 18) */
    {"BILLING", T_STRING, OFF(billing), "off", 0, 0, 0, false, V_BILLING,
     "off (everything free) or stars (users buy credits with Telegram Stars)"},
    {"BILLING_WELCOME_CREDITS", T_INT, OFF(billing_welcome_credits), "0", 0, 1000000, 0, false,
     V_NONE,
     "credits a user is given once, when their balance is first looked at (with BILLING=stars)"},
    {"BILLING_PRICE_TRAINING", T_INT, OFF(billing_price_training), "100", 0, 1000000, 0, false,
     V_NONE, "credits one training costs (with BILLING=stars)"},
    {"BILLING_PRICE_IMAGE", T_INT, OFF(billing_price_image), "5", 0, 1000000, 0, false, V_NONE,
     "credits one picture costs (with BILLING=stars)"},
    {"BILLING_PACKS", T_STRING, OFF(billing_packs), "100:50,500:200,1500:500", 0, 0, 0, false,
     V_PACKS,
     "the credit packages offered, CREDITS:STARS separated by commas, e.g. "
     "100:50,500:200,1500:500"},
    {"FAL_DAILY_TRAININGS_MAX", T_INT, OFF(fal_daily_trainings_max), "0", 0, 1000000, 0, false,
     V_NONE,
     "trainings all users together may start per UTC day, a ceiling on the FAL bill (0: no "
     "limit); past it users are told the studio is full today and nothing is charged"},
    {"FAL_DAILY_IMAGES_MAX", T_INT, OFF(fal_daily_images_max), "0", 0, 10000000, 0, false, V_NONE,
     "pictures all users together may have made per UTC day (0: no limit)"},
    {"BILLING_TERMS_TEXT", T_STRING, OFF(billing_terms_text), NULL, 0, 0, 0, false, V_NONE,
     "the answer to /terms, the operator's terms of sale; unset: a built-in text in the user's "
     "language (credits are for pictures and trainings, not refundable once spent)"},
    {"BILLING_SUPPORT_TEXT", T_STRING, OFF(billing_support_text), NULL, 0, 0, 0, false, V_NONE,
     "the answer to /paysupport, how to reach the operator about a payment; unset: a built-in "
     "text in the user's language (write here, with the payment's date)"},
};
#define NVARS (sizeof VARS / sizeof VARS[0])

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Returns NULL when value passes the check, else the reason. */
static const char *check_value(validator v, const char *value)
{
    switch (v) {
    case V_NONE:
        return NULL;
    case V_URL: {
        const char *rest = starts_with(value, "https://")  ? value + 8
                           : starts_with(value, "http://") ? value + 7
                                                           : NULL;
        if (!rest || !*rest || *rest == '/')
            return "must be an http:// or https:// URL with a host";
        for (const char *p = value; *p; p++)
            if (*p <= ' ' || *p == 0x7f)
                return "must not contain spaces or control characters";
        return NULL;
    }
    case V_PG_URL: {
        char *err = NULL;
        PQconninfoOption *opts = PQconninfoParse(value, &err);
        if (!opts) {
            PQfreemem(err);
            return "is not a valid PostgreSQL connection string";
        }
        PQconninfoFree(opts);
        return NULL;
    }
    case V_BOT_TOKEN: {
        /* <digits>:<35 or so chars of A-Z a-z 0-9 _ -> as issued by @BotFather */
        const char *p = value;
        if (!(*p >= '0' && *p <= '9'))
            return "must look like 123456789:AA... (digits, colon, token)";
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p++ != ':' || !*p)
            return "must look like 123456789:AA... (digits, colon, token)";
        for (; *p; p++)
            if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                  (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
                return "has a character a bot token cannot contain";
        return NULL;
    }
    case V_STORAGE_URL:
        return ab_storage_url_problem(value);
    case V_FAL_MODE:
        return strcmp(value, "live") == 0 || strcmp(value, "simulate") == 0
                   ? NULL
                   : "must be live or simulate";
    case V_JSON_OBJECT: {
        json_t *j = json_loads(value, 0, NULL);
        const char *why = !j                   ? "is not valid JSON"
                          : !json_is_object(j) ? "must be a JSON object"
                                               : NULL;
        json_decref(j);
        return why;
    }
    case V_MINUTES: {
        int a, b, end = 0;
        if (sscanf(value, "%d-%d%n", &a, &b, &end) != 2 || value[end] || a < 1 || b < a ||
            b > 24 * 60)
            return "must be MIN-MAX minutes, e.g. 3-15";
        return NULL;
    }
    case V_APP_ID: {
        const char *slash = strchr(value, '/');
        if (!slash || slash == value || !slash[1])
            return "must be a FAL app id like owner/name";
        for (const char *p = value; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '/' || *p == '.'))
                return "must be a FAL app id like owner/name";
        return NULL;
    }
    case V_BILLING:
        return strcmp(value, "off") == 0 || strcmp(value, "stars") == 0 ? NULL
                                                                        : "must be off or stars";
    case V_PACKS: {
        static _Thread_local char why[160];
        ab_billing_pack packs[AB_BILLING_PACKS_MAX];
        int n = 0;
        return ab_billing_packs_parse(value, packs, &n, why, sizeof why) ? NULL : why;
    }
    case V_WEBHOOK_SECRET: {
        size_t n = strlen(value);
        if (n < 1 || n > 256)
            return "must be 1-256 characters long";
        for (const char *p = value; *p; p++)
            if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                  (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
                return "may only contain A-Z, a-z, 0-9, _ and -";
        return NULL;
    }
    }
    return NULL;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *YES[] = {"1", "true", "yes", "on"};
    static const char *NO[] = {"0", "false", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, YES[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(s, NO[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Stores one value into cfg; returns NULL or the reason it was refused. */
static const char *store(ab_config *cfg, const config_var *var, const char *value)
{
    char *field = (char *)cfg + var->offset;
    switch (var->type) {
    case T_STRING: {
        const char *reason = check_value(var->check, value);
        if (reason)
            return reason;
        char *copy = strdup(value);
        if (!copy)
            return "out of memory";
        free(*(char **)field);
        *(char **)field = copy;
        return NULL;
    }
    case T_INT: {
        char *end;
        errno = 0;
        long n = strtol(value, &end, 10);
        if (errno || end == value || *end || n < (long)var->min || n > (long)var->max)
            return "must be a whole number in range";
        int i = (int)n;
        memcpy(field, &i, sizeof i); /* field is that int member, at its offset */
        return NULL;
    }
    case T_DOUBLE: {
        char *end;
        errno = 0;
        double d = strtod(value, &end);
        if (errno || end == value || *end || !(d >= var->min && d <= var->max))
            return "must be a number in range";
        memcpy(field, &d, sizeof d); /* field is that double member, at its offset */
        return NULL;
    }
    case T_BOOL:
        return parse_bool(value, (bool *)field) ? NULL : "must be true or false";
    case T_LOGLEVEL:
        return ab_log_level_parse(value, (ab_log_level *)field)
                   ? NULL
                   : "must be one of debug, info, warn, error";
    }
    return "unknown type";
}

int ab_config_load(ab_config *cfg, unsigned command, ab_getenv_fn getenv_fn, void *ctx, FILE *errs)
{
    memset(cfg, 0, sizeof *cfg);
    int errors = 0;
    for (size_t i = 0; i < NVARS; i++) {
        const config_var *var = &VARS[i];
        const char *value = getenv_fn(var->name, ctx);
        bool from_env = value && *value;
        if (!from_env)
            value = var->def;
        if (!value) {
            if (var->required_by & command) {
                if (errs)
                    fprintf(errs, "config: %s: is required but not set (%s)\n", var->name,
                            var->help);
                errors++;
            }
            continue;
        }
        const char *reason = store(cfg, var, value);
        if (reason) {
            if (errs) {
                if (var->secret || var->type == T_STRING)
                    fprintf(errs, "config: %s: %s\n", var->name, reason);
                else
                    fprintf(errs, "config: %s: %s (got \"%s\", allowed %g..%g)\n", var->name,
                            reason, value, var->min, var->max);
            }
            errors++;
        }
    }
    /* Training: live needs a key, and FAL must be able to call us back. */
    if (!cfg->fal_mode)
        cfg->fal_mode = strdup(cfg->fal_key ? "live" : "simulate");
    if (!cfg->fal_mode) {
        errors++;
    } else if (strcmp(cfg->fal_mode, "live") == 0 && (command & AB_CMD_SERVE)) {
        if (!cfg->fal_key) {
            if (errs)
                fprintf(errs, "config: FAL_KEY: is required with FAL_MODE=live\n");
            errors++;
        }
        if (!cfg->public_base_url) {
            if (errs)
                fprintf(errs, "config: PUBLIC_BASE_URL: is required with FAL_MODE=live "
                              "(FAL calls $PUBLIC_BASE_URL/fal/webhook)\n");
            errors++;
        }
    }
    return errors;
}

void ab_config_free(ab_config *cfg)
{
    for (size_t i = 0; i < NVARS; i++) {
        if (VARS[i].type == T_STRING) {
            char **field = (char **)((char *)cfg + VARS[i].offset);
            free(*field);
            *field = NULL;
        }
    }
}

void ab_config_print_help(FILE *out)
{
    fprintf(out, "Environment variables:\n");
    for (size_t i = 0; i < NVARS; i++) {
        fprintf(out, "  %-26s %s%s%s\n", VARS[i].name, VARS[i].help,
                VARS[i].def ? "; default " : "", VARS[i].def ? VARS[i].def : "");
    }
}

void ab_config_register_secrets(const ab_config *cfg)
{
    for (size_t i = 0; i < NVARS; i++) {
        if (VARS[i].secret && VARS[i].type == T_STRING) {
            const char *value = *(char *const *)((const char *)cfg + VARS[i].offset);
            if (!value)
                continue;
            if (VARS[i].check == V_PG_URL) {
                /* only the password part of a database URL is secret */
                char *err = NULL;
                PQconninfoOption *opts = PQconninfoParse(value, &err);
                for (PQconninfoOption *o = opts; o && o->keyword; o++)
                    if (strcmp(o->keyword, "password") == 0 && o->val)
                        ab_log_add_secret(o->val);
                if (opts)
                    PQconninfoFree(opts);
                PQfreemem(err);
            } else {
                ab_log_add_secret(value);
            }
        }
    }
}

void ab_config_training_minutes(const ab_config *cfg, const char *training_type, int *min, int *max)
{
    bool style = training_type && strcmp(training_type, "style") == 0;
    *min = style ? 5 : 3;
    *max = style ? 30 : 15;
    const char *over = cfg ? (style ? cfg->fal_style_minutes : cfg->fal_portrait_minutes) : NULL;
    int a, b;
    if (over && sscanf(over, "%d-%d", &a, &b) == 2 && a >= 1 && b >= a) {
        *min = a;
        *max = b;
    }
}
