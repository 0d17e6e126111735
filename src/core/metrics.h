/* Prometheus metrics registry. Every metric is declared once in the table in metrics.c;
 * code records into it by id with a label string, and /metrics renders the text format. */
#ifndef AB_CORE_METRICS_H
#define AB_CORE_METRICS_H

#include <stddef.h>

typedef enum {
    AB_M_HTTP_REQUESTS,         /* counter  {endpoint, code} */
    AB_M_WEBHOOK_SECONDS,       /* histogram  time to acknowledge a Telegram update */
    AB_M_UPDATES_RECEIVED,      /* counter  {result: stored|duplicate} */
    AB_M_UPDATES_HANDLED,       /* counter  {result: ok|error|failed|deferred} */
    AB_M_INBOX_PENDING,         /* gauge */
    AB_M_INBOX_LAG_SECONDS,     /* gauge  age of the oldest pending update */
    AB_M_OUTBOX_SENT,           /* counter  {method} */
    AB_M_OUTBOX_FAILED,         /* counter  {code} */
    AB_M_OUTBOX_PENDING,        /* gauge */
    AB_M_TELEGRAM_API_ERRORS,   /* counter  {code} */
    AB_M_TELEGRAM_API_SECONDS,  /* histogram */
    AB_M_OUTBOX_OLDEST_SECONDS, /* gauge  age of the oldest undelivered call */
    AB_M_JOBS_PENDING,          /* gauge */
    AB_M_JOBS_OLDEST_SECONDS,   /* gauge  age of the oldest due job */
    AB_M_JOBS_FINISHED,         /* counter {kind, result: done|retry|again|dead|lease_lost} */
    AB_M_DB_POOL_IN_USE,        /* gauge  connections of the HTTP pool in use */
    AB_M_AVATARS_CREATED,       /* counter {training_type} */
    AB_M_AVATARS_DELETED,       /* counter */
    AB_M_PHOTOS_VALIDATED,      /* counter {verdict} */
    AB_M_TRAININGS_STARTED,     /* counter {training_type, mode} */
    AB_M_TRAININGS_FINISHED,    /* counter {training_type, result: completed|error|cancelled|
                                 * refused} */
    AB_M_TRAINING_SECONDS,      /* histogram {training_type} start to completion */
    AB_M_GENERATIONS_STARTED,   /* counter {kind: lora|finetune, mode} */
    AB_M_GENERATIONS_FINISHED,  /* counter {kind, result: delivered|withheld|failed} */
    AB_M_GENERATION_SECONDS,    /* histogram  press to pictures handed to the senders */
    AB_M_GENERATION_IMAGES,     /* counter {result: delivered|withheld} */
    AB_M_RETENTION_DELETED,     /* counter {kind: photos|datasets|messages|jobs|batches|
                                 * webhook_bodies} */
    AB_M_FAL_ERRORS,            /* counter {kind: unavailable|refused|failed|webhook_rejected|
                                 * unknown|extra} */
    AB_M_FAL_WEBHOOKS,          /* counter {result: accepted|adopted|duplicate|extra|unknown|
                                 * rejected} */
    AB_M_REPLICAS_ALIVE,        /* gauge  replicas sharing the bot's message rate */
    AB_M_BUILD_INFO,            /* gauge {version, commit} = 1 */
    AB_M_PROCESS_CPU_SECONDS,   /* counter  read from /proc at scrape time */
    AB_M_PROCESS_RSS_BYTES,     /* gauge */
    AB_M_PROCESS_OPEN_FDS,      /* gauge */
    AB_M_PROCESS_START_SECONDS, /* gauge  Unix time the process started */
    AB_M_PRECHECKOUT_ANSWERS,   /* counter {result: ok|refused} */
    AB_M_PAYMENTS,              /* counter {result: credited|duplicate|unmatched} */
    AB_M_STARS_RECEIVED,        /* counter  Stars of payments credited */
    AB_M_CREDITS_SPENT,         /* counter {kind: training|images} */
    AB_M_CREDITS_REFUNDED,      /* counter {kind: training|images} */
    AB_M_PAID_REFUSED,          /* counter {reason: balance|daily_cap, kind: training|images} */
    AB_M__COUNT
} ab_metric_id;

/** Adds v to a counter (or sets nothing for other kinds). labels: `a="x",b="y"` or "". */
void ab_metrics_add(ab_metric_id id, const char *labels, double v);
/** Removes every series of a metric: a gauge whose source is gone (the database) is absent
 *  rather than frozen at its last value. */
void ab_metrics_clear(ab_metric_id id);
/** Sets a gauge. */
void ab_metrics_set(ab_metric_id id, const char *labels, double v);
/** Records one observation into a histogram. */
void ab_metrics_observe(ab_metric_id id, const char *labels, double v);
/** Current value of a counter or gauge series (0 when absent); for tests. */
double ab_metrics_value(ab_metric_id id, const char *labels);
/** Renders every metric in the text exposition format 0.0.4. Caller frees. */
char *ab_metrics_render(void);
/** Drops all series (tests). */
void ab_metrics_reset(void);

#endif
