/* The metrics table and its in-memory series. One mutex guards everything: recording is a
 * few hundred nanoseconds and scrapes are rare, so finer locking would buy nothing. */
#include "core/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } metric_kind;

#define MAX_BUCKETS 12

typedef struct {
    const char *name;
    metric_kind kind;
    const char *help;
    double buckets[MAX_BUCKETS]; /* ascending, 0-terminated */
} metric_def;

static const metric_def DEFS[AB_M__COUNT] = {
    [AB_M_HTTP_REQUESTS] = {"avatarbot_http_requests_total",
                            KIND_COUNTER,
                            "HTTP requests served, by endpoint and status code",
                            {0}},
    [AB_M_WEBHOOK_SECONDS] = {"avatarbot_webhook_ack_seconds",
                              KIND_HISTOGRAM,
                              "Time from receiving a Telegram update to acknowledging it",
                              {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 0}},
    [AB_M_UPDATES_RECEIVED] = {"avatarbot_updates_received_total",
                               KIND_COUNTER,
                               "Telegram updates received, by result (stored or duplicate)",
                               {0}},
    [AB_M_UPDATES_HANDLED] = {"avatarbot_updates_handled_total",
                              KIND_COUNTER,
                              "Updates run through the FSM, by result",
                              {0}},
    [AB_M_INBOX_PENDING] = {"avatarbot_inbox_pending",
                            KIND_GAUGE,
                            "Updates stored but not yet handled",
                            {0}},
    [AB_M_INBOX_LAG_SECONDS] = {"avatarbot_inbox_lag_seconds",
                                KIND_GAUGE,
                                "Age of the oldest update not yet handled",
                                {0}},
    [AB_M_OUTBOX_SENT] = {"avatarbot_outbox_sent_total",
                          KIND_COUNTER,
                          "Bot API calls delivered, by method",
                          {0}},
    [AB_M_OUTBOX_FAILED] = {"avatarbot_outbox_failed_total",
                            KIND_COUNTER,
                            "Bot API calls given up, by error code",
                            {0}},
    [AB_M_OUTBOX_PENDING] = {"avatarbot_outbox_pending",
                             KIND_GAUGE,
                             "Bot API calls waiting to be delivered",
                             {0}},
    [AB_M_TELEGRAM_API_ERRORS] = {"avatarbot_telegram_api_errors_total",
                                  KIND_COUNTER,
                                  "Bot API answers that were not ok, by error code",
                                  {0}},
    [AB_M_TELEGRAM_API_SECONDS] = {"avatarbot_telegram_api_seconds",
                                   KIND_HISTOGRAM,
                                   "Duration of Bot API calls",
                                   {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 0}},
    [AB_M_OUTBOX_OLDEST_SECONDS] = {"avatarbot_outbox_oldest_seconds",
                                    KIND_GAUGE,
                                    "Age of the oldest Bot API call not yet delivered",
                                    {0}},
    [AB_M_JOBS_PENDING] = {"avatarbot_jobs_pending",
                           KIND_GAUGE,
                           "Background jobs waiting or running",
                           {0}},
    [AB_M_JOBS_OLDEST_SECONDS] = {"avatarbot_jobs_oldest_seconds",
                                  KIND_GAUGE,
                                  "How long the oldest due job has been waiting",
                                  {0}},
    [AB_M_JOBS_FINISHED] = {"avatarbot_jobs_finished_total",
                            KIND_COUNTER,
                            "Runs of background jobs by kind and how they ended (dead: given up)",
                            {0}},
    [AB_M_BUILD_INFO] = {"avatarbot_build_info",
                         KIND_GAUGE,
                         "Always 1; the version and the commit of the running binary",
                         {0}},
    [AB_M_PROCESS_CPU_SECONDS] = {"process_cpu_seconds_total",
                                  KIND_COUNTER,
                                  "CPU time the process used, user and system, in seconds",
                                  {0}},
    [AB_M_PROCESS_RSS_BYTES] = {"process_resident_memory_bytes",
                                KIND_GAUGE,
                                "Resident memory of the process",
                                {0}},
    [AB_M_PROCESS_OPEN_FDS] = {"process_open_fds", KIND_GAUGE, "Open file descriptors", {0}},
    [AB_M_PROCESS_START_SECONDS] = {"process_start_time_seconds",
                                    KIND_GAUGE,
                                    "When the process started, in seconds since the epoch",
                                    {0}},
    [AB_M_REPLICAS_ALIVE] =
        {"avatarbot_replicas_alive",
         KIND_GAUGE,
         "Replicas alive, sharing the bot's message rate (TELEGRAM_RATE_GLOBAL)",
         {0}},
    [AB_M_DB_POOL_IN_USE] = {"avatarbot_db_pool_in_use",
                             KIND_GAUGE,
                             "Connections of the HTTP threads' pool in use",
                             {0}},
    [AB_M_AVATARS_CREATED] = {"avatarbot_avatars_created_total",
                              KIND_COUNTER,
                              "Avatars created, by training type",
                              {0}},
    [AB_M_AVATARS_DELETED] = {"avatarbot_avatars_deleted_total",
                              KIND_COUNTER,
                              "Avatars deleted by their owners",
                              {0}},
    [AB_M_PHOTOS_VALIDATED] = {"avatarbot_photos_validated_total",
                               KIND_COUNTER,
                               "Photos checked, by verdict (ok or the rejection reason)",
                               {0}},
    [AB_M_TRAININGS_STARTED] = {"avatarbot_trainings_started_total",
                                KIND_COUNTER,
                                "Trainings started, by training type and FAL mode",
                                {0}},
    [AB_M_TRAININGS_FINISHED] = {"avatarbot_trainings_finished_total",
                                 KIND_COUNTER,
                                 "Trainings ended, by training type and result",
                                 {0}},
    [AB_M_TRAINING_SECONDS] = {"avatarbot_training_duration_seconds",
                               KIND_HISTOGRAM,
                               "Time from the start of a training to its completion",
                               {60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 7200, 0}},
    [AB_M_GENERATIONS_STARTED] = {"avatarbot_generations_started_total",
                                  KIND_COUNTER,
                                  "Generations started, by kind of model and FAL mode",
                                  {0}},
    [AB_M_GENERATIONS_FINISHED] = {"avatarbot_generations_finished_total",
                                   KIND_COUNTER,
                                   "Generations ended, by kind of model and result",
                                   {0}},
    [AB_M_GENERATION_SECONDS] = {"avatarbot_generation_duration_seconds",
                                 KIND_HISTOGRAM,
                                 "Time from the press to the pictures handed to the senders",
                                 {2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300, 0}},
    [AB_M_GENERATION_IMAGES] = {"avatarbot_generation_images_total",
                                KIND_COUNTER,
                                "Pictures made, by what became of them (delivered, or withheld "
                                "as flagged by the safety checker)",
                                {0}},
    [AB_M_RETENTION_DELETED] = {"avatarbot_retention_deleted_total",
                                KIND_COUNTER,
                                "What the retention deleted, by kind (photos and datasets: "
                                "rows whose stored objects were queued for deletion)",
                                {0}},
    [AB_M_FAL_ERRORS] = {"avatarbot_fal_errors_total",
                         KIND_COUNTER,
                         "Failures talking to FAL, by kind",
                         {0}},
    [AB_M_FAL_WEBHOOKS] = {"avatarbot_fal_webhooks_total",
                           KIND_COUNTER,
                           "FAL webhook calls received, by result",
                           {0}},
    [AB_M_PRECHECKOUT_ANSWERS] = {"avatarbot_precheckout_answers_total",
                                  KIND_COUNTER,
                                  "Telegram pre-checkout queries answered, by result",
                                  {0}},
    [AB_M_PAYMENTS] = {"avatarbot_payments_total",
                       KIND_COUNTER,
                       "Telegram Stars payments received, by result (a duplicate delivery "
                       "credits nothing)",
                       {0}},
    [AB_M_STARS_RECEIVED] = {"avatarbot_stars_received_total",
                             KIND_COUNTER,
                             "Telegram Stars of the payments credited",
                             {0}},
    [AB_M_CREDITS_SPENT] = {"avatarbot_credits_spent_total",
                            KIND_COUNTER,
                            "Credits spent on trainings and pictures started",
                            {0}},
    [AB_M_CREDITS_REFUNDED] = {"avatarbot_credits_refunded_total",
                               KIND_COUNTER,
                               "Credits given back for trainings and pictures that failed, were "
                               "cancelled before FAL worked on them, or were withheld",
                               {0}},
    [AB_M_PAID_REFUSED] = {"avatarbot_paid_refused_total",
                           KIND_COUNTER,
                           "Paid actions refused, by reason: the balance did not cover the "
                           "price, or today's FAL ceiling (FAL_DAILY_*_MAX) was reached",
                           {0}},
};

typedef struct series {
    struct series *next;
    char *labels;
    double value; /* counter, gauge; histogram sum */
    unsigned long long count;
    unsigned long long bucket_counts[MAX_BUCKETS];
} series;

static series *heads[AB_M__COUNT];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Finds or creates the series; lock held. */
static series *find(ab_metric_id id, const char *labels, int create)
{
    if (!labels)
        labels = "";
    for (series *s = heads[id]; s; s = s->next)
        if (strcmp(s->labels, labels) == 0)
            return s;
    if (!create)
        return NULL;
    series *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->labels = strdup(labels);
    if (!s->labels) {
        free(s);
        return NULL;
    }
    s->next = heads[id];
    heads[id] = s;
    return s;
}

void ab_metrics_add(ab_metric_id id, const char *labels, double v)
{
    if ((unsigned)id >= AB_M__COUNT)
        return;
    pthread_mutex_lock(&lock);
    series *s = find(id, labels, 1);
    if (s)
        s->value += v;
    pthread_mutex_unlock(&lock);
}

static void free_series(series *s)
{
    while (s) {
        series *next = s->next;
        free(s->labels);
        free(s);
        s = next;
    }
}

void ab_metrics_clear(ab_metric_id id)
{
    if ((unsigned)id >= AB_M__COUNT)
        return;
    pthread_mutex_lock(&lock);
    series *s = heads[id];
    heads[id] = NULL;
    pthread_mutex_unlock(&lock);
    free_series(s);
}

void ab_metrics_set(ab_metric_id id, const char *labels, double v)
{
    if ((unsigned)id >= AB_M__COUNT)
        return;
    pthread_mutex_lock(&lock);
    series *s = find(id, labels, 1);
    if (s)
        s->value = v;
    pthread_mutex_unlock(&lock);
}

void ab_metrics_observe(ab_metric_id id, const char *labels, double v)
{
    if ((unsigned)id >= AB_M__COUNT || DEFS[id].kind != KIND_HISTOGRAM)
        return;
    pthread_mutex_lock(&lock);
    series *s = find(id, labels, 1);
    if (s) {
        s->value += v;
        s->count++;
        for (int b = 0; b < MAX_BUCKETS && DEFS[id].buckets[b] > 0; b++)
            if (v <= DEFS[id].buckets[b])
                s->bucket_counts[b]++;
    }
    pthread_mutex_unlock(&lock);
}

double ab_metrics_value(ab_metric_id id, const char *labels)
{
    if ((unsigned)id >= AB_M__COUNT)
        return 0;
    pthread_mutex_lock(&lock);
    series *s = find(id, labels, 0);
    double v = s ? (DEFS[id].kind == KIND_HISTOGRAM ? (double)s->count : s->value) : 0;
    pthread_mutex_unlock(&lock);
    return v;
}

/* A growable string for rendering. */
typedef struct {
    char *data;
    size_t len, cap;
    int failed;
} strbuf;

static void sb_printf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void sb_printf(strbuf *sb, const char *fmt, ...)
{
    if (sb->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(sb->data + sb->len, sb->cap - sb->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            sb->failed = 1;
            return;
        }
        if ((size_t)n < sb->cap - sb->len) {
            sb->len += (size_t)n;
            return;
        }
        size_t cap = (sb->cap + (size_t)n + 1) * 2;
        char *grown = realloc(sb->data, cap);
        if (!grown) {
            sb->failed = 1;
            return;
        }
        sb->data = grown;
        sb->cap = cap;
    }
}

/* Prometheus renders integers without exponent; %.17g keeps doubles exact. */
static void sb_value(strbuf *sb, double v)
{
    sb_printf(sb, "%.17g", v);
}

char *ab_metrics_render(void)
{
    strbuf sb = {malloc(4096), 0, 4096, 0};
    if (!sb.data)
        return NULL;
    sb.data[0] = '\0';
    static const char *KIND_NAMES[] = {"counter", "gauge", "histogram"};
    pthread_mutex_lock(&lock);
    for (int id = 0; id < AB_M__COUNT; id++) {
        const metric_def *d = &DEFS[id];
        sb_printf(&sb, "# HELP %s %s\n# TYPE %s %s\n", d->name, d->help, d->name,
                  KIND_NAMES[d->kind]);
        /* a gauge nobody set (a database figure while the database is away) is absent:
         * unknown, not 0 */
        for (series *s = heads[id]; s; s = s->next) {
            const char *sep = s->labels[0] ? "," : "";
            if (d->kind == KIND_HISTOGRAM) {
                for (int b = 0; b < MAX_BUCKETS && d->buckets[b] > 0; b++) {
                    sb_printf(&sb, "%s_bucket{%s%sle=\"%g\"} %llu\n", d->name, s->labels, sep,
                              d->buckets[b], s->bucket_counts[b]);
                }
                sb_printf(&sb, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", d->name, s->labels, sep,
                          s->count);
                sb_printf(&sb, "%s_sum%s%s%s ", d->name, s->labels[0] ? "{" : "", s->labels,
                          s->labels[0] ? "}" : "");
                sb_value(&sb, s->value);
                sb_printf(&sb, "\n%s_count%s%s%s %llu\n", d->name, s->labels[0] ? "{" : "",
                          s->labels, s->labels[0] ? "}" : "", s->count);
            } else {
                sb_printf(&sb, "%s%s%s%s ", d->name, s->labels[0] ? "{" : "", s->labels,
                          s->labels[0] ? "}" : "");
                sb_value(&sb, s->value);
                sb_printf(&sb, "\n");
            }
        }
    }
    pthread_mutex_unlock(&lock);
    if (sb.failed) {
        free(sb.data);
        return NULL;
    }
    return sb.data;
}

void ab_metrics_reset(void)
{
    pthread_mutex_lock(&lock);
    for (int id = 0; id < AB_M__COUNT; id++) {
        free_series(heads[id]);
        heads[id] = NULL;
    }
    pthread_mutex_unlock(&lock);
}
