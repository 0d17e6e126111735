/* Configuration: defaults, required variables per command, and one clear line per bad value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"

/* The test environment: a NULL-terminated list of NAME=value strings. */
static const char *fake_getenv(const char *name, void *ctx)
{
    const char *const *env = ctx;
    size_t n = strlen(name);
    for (; *env; env++)
        if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
            return *env + n + 1;
    return NULL;
}

static int load(const char *const *env, unsigned cmd, ab_config *cfg, char *errs, size_t len)
{
    FILE *f = fmemopen(errs, len, "w");
    int n = ab_config_load(cfg, cmd, fake_getenv, (void *)env, f);
    fclose(f);
    return n;
}

static const char *const GOOD[] = {
    "DATABASE_URL=postgresql://u:pw@127.0.0.1:5432/db",
    "TELEGRAM_BOT_TOKEN=123456789:AAF-abc_DEF",
    "TELEGRAM_WEBHOOK_SECRET=s3cr3t_-X",
    "STORAGE_URL=file:///tmp/avatarbot-test-storage",
    NULL,
};

static void test_defaults(void **state)
{
    (void)state;
    ab_config cfg;
    char errs[1024] = "";
    assert_int_equal(load(GOOD, AB_CMD_SERVE, &cfg, errs, sizeof errs), 0);
    assert_int_equal(cfg.http_port, 8080);
    assert_string_equal(cfg.telegram_api_base, "https://api.telegram.org");
    assert_int_equal(cfg.worker_threads, 2);
    assert_int_equal(cfg.http_threads, 2);
    assert_int_equal(cfg.log_level, AB_LOG_INFO);
    assert_true(cfg.migrate_on_start);
    assert_null(cfg.public_base_url);
    ab_config_free(&cfg);
}

static void test_missing_required(void **state)
{
    (void)state;
    const char *const env[] = {NULL};
    ab_config cfg;
    char errs[2048] = "";
    assert_int_equal(load(env, AB_CMD_SERVE, &cfg, errs, sizeof errs), 4);
    assert_non_null(strstr(errs, "config: STORAGE_URL: is required"));
    assert_non_null(strstr(errs, "config: DATABASE_URL: is required"));
    assert_non_null(strstr(errs, "config: TELEGRAM_BOT_TOKEN: is required"));
    assert_non_null(strstr(errs, "config: TELEGRAM_WEBHOOK_SECRET: is required"));
    ab_config_free(&cfg);
    /* migrate needs only the database */
    assert_int_equal(load(env, AB_CMD_MIGRATE, &cfg, errs, sizeof errs), 1);
    ab_config_free(&cfg);
}

static void test_bad_values_one_line_each(void **state)
{
    (void)state;
    const char *const env[] = {
        "DATABASE_URL=postgresql://u:pw@127.0.0.1:5432/db",
        "TELEGRAM_BOT_TOKEN=not a token",
        "TELEGRAM_WEBHOOK_SECRET=has space",
        "HTTP_PORT=70000",
        "WORKER_THREADS=abc",
        "LOG_LEVEL=loud",
        "TELEGRAM_API_BASE=ftp://x",
        "MIGRATE_ON_START=maybe",
        "STORAGE_URL=file:///tmp/x",
        NULL,
    };
    ab_config cfg;
    char errs[4096] = "";
    assert_int_equal(load(env, AB_CMD_SERVE, &cfg, errs, sizeof errs), 7);
    const char *names[] = {
        "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "HTTP_PORT",       "WORKER_THREADS",
        "LOG_LEVEL",          "TELEGRAM_API_BASE",       "MIGRATE_ON_START"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "config: %s: ", names[i]);
        assert_non_null(strstr(errs, needle));
    }
    /* a secret's value is never echoed back */
    assert_null(strstr(errs, "not a token"));
    assert_null(strstr(errs, "has space"));
    int lines = 0;
    for (const char *p = errs; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 7);
    ab_config_free(&cfg);
}

static void test_secret_charset_and_length(void **state)
{
    (void)state;
    char long_secret[300] = "TELEGRAM_WEBHOOK_SECRET=";
    memset(long_secret + strlen(long_secret), 'a', 257);
    const char *const env[] = {"DATABASE_URL=postgresql://x@h/db", "TELEGRAM_BOT_TOKEN=1:a",
                               long_secret, "STORAGE_URL=file:///tmp/x", NULL};
    ab_config cfg;
    char errs[1024] = "";
    assert_int_equal(load(env, AB_CMD_SERVE, &cfg, errs, sizeof errs), 1);
    assert_non_null(strstr(errs, "1-256"));
    ab_config_free(&cfg);
}

static void test_bad_database_url(void **state)
{
    (void)state;
    const char *const env[] = {"DATABASE_URL=postgresql://h:notaport/db", NULL};
    ab_config cfg;
    char errs[1024] = "";
    /* libpq accepts many forms; a malformed conninfo must be refused */
    const char *const env2[] = {"DATABASE_URL=host='unterminated", NULL};
    (void)env;
    assert_int_equal(load(env2, AB_CMD_MIGRATE, &cfg, errs, sizeof errs), 1);
    assert_non_null(strstr(errs, "config: DATABASE_URL: is not a valid"));
    ab_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_bad_values_one_line_each),
        cmocka_unit_test(test_secret_charset_and_length),
        cmocka_unit_test(test_bad_database_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
