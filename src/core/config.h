/* Configuration from environment variables (12-factor). One table in config.c declares every
 * variable: name, type, default, bounds, which commands need it, whether it is a secret, and
 * its help text (printed by `avatarbot --help`). */
#ifndef AB_CORE_CONFIG_H
#define AB_CORE_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

/* Which subcommand is loading the configuration: each variable says which ones need it. */
enum {
    AB_CMD_SERVE = 1 << 0,
    AB_CMD_MIGRATE = 1 << 1,
    AB_CMD_SET_WEBHOOK = 1 << 2,
};

typedef struct ab_config {
    char *database_url;
    char *http_bind;
    int http_port;
    int http_max_connections;
    int http_threads;
    char *telegram_bot_token;
    char *telegram_webhook_secret;
    char *telegram_api_base;
    char *public_base_url;
    ab_log_level log_level;
    int worker_threads;
    int sender_threads;
    int job_threads;
    int job_lease_s;
    int jobs_per_user;
    int db_pool_size;
    int inbox_writers;
    double telegram_rate_global;
    double telegram_rate_per_chat;
    int telegram_timeout_s;
    int outbox_max_attempts;
    int inbox_retention_hours;
    bool migrate_on_start;
    char *face_model_path;
    char *vision_module_path;
    int photo_analysis_memory_mb;
    char *storage_url;
    char *s3_endpoint;
    char *s3_public_endpoint;
    char *s3_region;
    char *s3_access_key;
    char *s3_secret_key;
    bool s3_force_path_style;
    int storage_timeout_s;
    int presigned_url_ttl_s;
    char *fal_key;
    char *fal_mode; /* "live" | "simulate" (never NULL after a successful load) */
    char *fal_queue_base;
    char *fal_jwks_url;
    char *fal_user_id; /* NULL: webhooks of any FAL account that signs are taken */
    char *fal_style_trainer;
    char *fal_portrait_input; /* JSON object merged over the trainer's default inputs */
    char *fal_style_input;
    char *fal_portrait_minutes; /* "MIN-MAX" expected duration */
    char *fal_style_minutes;
    int fal_simulate_seconds;
    int fal_poll_seconds;
    int fal_progress_edit_seconds;
    int fal_submit_timeout_s;
    int fal_reconcile_s;
    bool fal_reconcile_listing;
    char *fal_platform_api_base;
    int photo_retention_days, records_retention_days; /* retention (db/retention.h) */
    int retention_interval_s, retention_clock_offset_days;
    char *fal_lora_generation_input; /* JSON objects merged over the generators' defaults */
    char *fal_finetune_generation_input;
    int fal_generation_poll_seconds;
    int fal_simulate_generation_seconds;
    int generation_prompt_max;   /* characters */
    int generation_daily_images; /* per user and UTC day; 0: no limit */
    /* credits and Telegram Stars */
    char *billing; /* "off" | "stars" */
    int billing_welcome_credits;
    int billing_price_training;
    int billing_price_image;
    char *billing_packs; /* "CREDITS:STARS,...", valid (checked at load) */
    char *billing_terms_text;
    char *billing_support_text;
    int fal_daily_trainings_max; /* 0: no ceiling */
    int fal_daily_images_max;
} ab_config;

/** BILLING=stars: users buy credits; off (or no configuration): everything is free. */
static inline bool ab_config_billing(const ab_config *cfg)
{
    return cfg && cfg->billing && strcmp(cfg->billing, "stars") == 0;
}

/** FAL_MODE=simulate: the same jobs and messages, no calls to FAL. */
static inline bool ab_config_fal_simulated(const ab_config *cfg)
{
    return !cfg->fal_mode || cfg->fal_mode[0] != 'l';
}

/** Expected duration of a training run of a type ("portrait" | "style") in minutes (min and
 *  max): FAL_PORTRAIT_MINUTES / FAL_STYLE_MINUTES, else the trainers' usual figures. cfg may be
 *  NULL (the defaults). */
void ab_config_training_minutes(const ab_config *cfg, const char *training_type, int *min,
                                int *max);

/** Reads a variable; lets tests supply their own environment. */
typedef const char *(*ab_getenv_fn)(const char *name, void *ctx);

/**
 * Fills cfg from the environment for the given command (AB_CMD_*). Every bad or missing value
 * gets one line on errs ("config: NAME: reason"). Returns the number of errors (0 = ok).
 * cfg owns its strings afterwards: release with ab_config_free().
 */
int ab_config_load(ab_config *cfg, unsigned command, ab_getenv_fn getenv_fn, void *ctx, FILE *errs);
void ab_config_free(ab_config *cfg);
/** Prints the table of variables (name, default, help) for --help. */
void ab_config_print_help(FILE *out);
/** Registers every secret value with the logger so it is redacted. */
void ab_config_register_secrets(const ab_config *cfg);

#endif
