/* `avatarbot admin …`: the operator's commands against the service's database, one row of the
 * table below each. Lists print aligned columns, or JSON with --json; changes print what they
 * changed and exit 1 when nothing matched. Exit codes: 0 done, 1 nothing matched or the
 * database failed, 2 bad usage or configuration. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "core/config.h"
#include "core/log.h"
#include "db/admin.h"
#include "core/billing.h"
#include "db/db.h"
#include "workers/erase_user.h"
#include "telegram/client.h"

typedef struct {
    const ab_config *cfg;
    ab_db *db;
    const char *arg; /* the command's argument (an id, a user, a day), or NULL */
    bool json;
    const char *more[3]; /* the arguments after it, for the commands that take several */
    int n_more;
} admin_ctx;

/* Characters (code points) of UTF-8 text, for aligning columns of names in any script. */
static int text_width(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Prints s and pads it to width characters (at most 60 of it shown). */
static void print_cell(const char *s, int width)
{
    int shown = 0;
    const char *p = s;
    while (*p && shown < 60) {
        const char *next = p + 1;
        while (((unsigned char)*next & 0xC0) == 0x80)
            next++;
        fwrite(p, 1, (size_t)(next - p), stdout);
        shown++;
        p = next;
    }
    printf("%*s", width > shown ? width - shown : 0, "");
}

/* Prints a result: aligned columns under their names, or a JSON array of objects (integer
 * columns as numbers). */
static void print_result(const PGresult *res, bool json, const char *title)
{
    int rows = PQntuples(res), cols = PQnfields(res);
    if (json) {
        json_t *arr = json_array();
        for (int r = 0; r < rows; r++) {
            json_t *o = json_object();
            for (int c = 0; c < cols; c++) {
                const char *v = PQgetvalue(res, r, c);
                Oid t = PQftype(res, c);
                bool integer = t == 20 || t == 21 || t == 23; /* int8, int2, int4 */
                json_object_set_new(o, PQfname(res, c),
                                    PQgetisnull(res, r, c) ? json_null()
                                    : integer              ? json_integer(strtoll(v, NULL, 10))
                                                           : json_string(v));
            }
            json_array_append_new(arr, o);
        }
        char *text = json_dumps(arr, JSON_INDENT(2));
        printf("%s\n", text ? text : "[]");
        free(text);
        json_decref(arr);
        return;
    }
    if (title)
        printf("%s (%d)\n", title, rows);
    if (rows == 0) {
        printf("  none\n");
        return;
    }
    int width[32] = {0};
    for (int c = 0; c < cols && c < 32; c++) {
        width[c] = text_width(PQfname(res, c));
        for (int r = 0; r < rows; r++) {
            int w = text_width(PQgetvalue(res, r, c));
            if (w > width[c])
                width[c] = w > 60 ? 60 : w;
        }
    }
    for (int c = 0; c < cols && c < 32; c++) {
        printf("  ");
        print_cell(PQfname(res, c), width[c]);
    }
    printf("\n");
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols && c < 32; c++) {
            printf("  ");
            print_cell(PQgetvalue(res, r, c), width[c]);
        }
        printf("\n");
    }
}

/* A list, printed whole. */
static int show(admin_ctx *a, ab_err (*query)(ab_db *, PGresult **), const char *title)
{
    PGresult *res = NULL;
    if (query(a->db, &res) != AB_OK)
        return 1;
    print_result(res, a->json, title);
    PQclear(res);
    return 0;
}

/* An id argument: a positive integer. */
static bool parse_id(const char *arg, int64_t *id)
{
    char *end;
    errno = 0;
    long long v = arg ? strtoll(arg, &end, 10) : 0;
    if (!arg || errno || *end || v <= 0)
        return false;
    *id = v;
    return true;
}

/* A change to the rows matching an id; wakes the service's workers when it changed any. */
static int change(admin_ctx *a, int64_t id, ab_err (*fn)(ab_db *, int64_t, PGresult **),
                  const char *what)
{
    PGresult *res = NULL;
    if (fn(a->db, id, &res) != AB_OK)
        return 1;
    int n = PQntuples(res);
    if (!a->json)
        printf("%s: %d\n", what, n);
    print_result(res, a->json, NULL);
    PQclear(res);
    if (n > 0)
        ab_db_admin_wake(a->db);
    return n > 0 ? 0 : 1;
}

static int cmd_jobs(admin_ctx *a)
{
    return show(a, ab_db_admin_jobs, "jobs dead, stuck (lease expired) or failing");
}

static int cmd_jobs_requeue(admin_ctx *a)
{
    int64_t id = 0;
    if (!(a->arg && strcmp(a->arg, "--dead") == 0) && !parse_id(a->arg, &id))
        return 2;
    return change(a, id, ab_db_admin_jobs_requeue, "jobs queued again");
}

static int cmd_jobs_cancel(admin_ctx *a)
{
    int64_t id;
    return parse_id(a->arg, &id) ? change(a, id, ab_db_admin_jobs_cancel, "jobs cancelled") : 2;
}

static int cmd_inbox(admin_ctx *a)
{
    return show(a, ab_db_admin_inbox, "updates set aside after failing");
}

static int cmd_inbox_requeue(admin_ctx *a)
{
    int64_t id;
    return parse_id(a->arg, &id) ? change(a, id, ab_db_admin_inbox_requeue, "updates queued again")
                                 : 2;
}

static int cmd_user(admin_ctx *a)
{
    if (!a->arg)
        return 2;
    PGresult *res[4];
    static const char *const PARTS[4] = {"user", "avatars", "fal_requests", "ledger"};
    static const char *const TITLES[4] = {"user", "avatars",
                                          "FAL requests (trainings and "
                                          "generations)",
                                          "credit ledger (oldest first)"};
    bool found = false;
    ab_err err = ab_db_admin_user(a->db, a->arg, res, &found);
    int rc = err != AB_OK ? 1 : found ? 0 : 1;
    if (err == AB_OK && !found)
        fprintf(stderr, "avatarbot admin: no user %s\n", a->arg);
    if (err == AB_OK && found) {
        for (int i = 0; i < 4; i++) {
            if (a->json)
                printf("%s\"%s\":\n", i ? "," : "{", PARTS[i]);
            print_result(res[i], a->json, TITLES[i]);
        }
        if (a->json)
            printf("}\n");
    }
    for (int i = 0; i < 4; i++)
        PQclear(res[i]);
    return rc;
}

/* Erases a user (workers/erase_user.h). */
static int cmd_erase_user(admin_ctx *a)
{
    char *end = NULL;
    long long id = a->arg ? strtoll(a->arg, &end, 10) : 0;
    if (!a->arg || *end || id <= 0) {
        fprintf(stderr, "avatarbot admin erase-user: expected a user id\n");
        return 2;
    }
    ab_http_client *http = ab_http_client_new();
    ab_erase_report r;
    ab_err err = ab_erase_user(a->db, NULL, http, a->cfg, id, &r);
    ab_http_client_free(http);
    int rc = 1;
    if (err != AB_OK)
        fprintf(stderr,
                "avatarbot admin: %s; nothing after it was erased, run the command "
                "again\n",
                r.error);
    else if (!r.found && r.objects == 0)
        fprintf(stderr, "avatarbot admin: no user %lld\n", id);
    else if (a->json) {
        printf("{\"user\": %lld, \"fal_requests_stopped\": %d, \"objects_deleted\": %zu,"
               " \"rows\":\n",
               id, r.fal_stopped, r.objects);
        print_result(r.rows, true, NULL);
        printf("}\n");
        rc = 0;
    } else {
        printf("user %lld erased\n  FAL requests told to stop: %d (not taken: %d)\n"
               "  stored objects deleted: %zu\n",
               id, r.fal_stopped, r.fal_refused, r.objects);
        print_result(r.rows, false, "rows deleted");
        rc = 0;
    }
    PQclear(r.rows);
    return rc;
}

static int cmd_stats(admin_ctx *a)
{
    if (a->arg && (strlen(a->arg) != 10 || a->arg[4] != '-' || a->arg[7] != '-'))
        return 2;
    PGresult *res = NULL;
    if (ab_db_admin_stats(a->db, a->arg, &res) != AB_OK)
        return 1;
    if (a->json) {
        json_t *o = json_object();
        for (int r = 0; r < PQntuples(res); r++) {
            const char *v = PQgetvalue(res, r, 1);
            char *end;
            long long n = strtoll(v, &end, 10);
            json_object_set_new(o, PQgetvalue(res, r, 0),
                                *v && !*end ? json_integer(n) : json_string(v));
        }
        char *text = json_dumps(o, JSON_INDENT(2));
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(o);
    } else {
        for (int r = 0; r < PQntuples(res); r++)
            printf("  %-42s %s\n", PQgetvalue(res, r, 0), PQgetvalue(res, r, 1));
    }
    PQclear(res);
    return 0;
}

/* A whole number argument in [lo, hi]. */
static bool parse_int(const char *arg, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = arg ? strtol(arg, &end, 10) : 0;
    if (!arg || errno || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

typedef struct {
    admin_ctx *a;
    ab_tg_client *tg;
    ab_admin_payment pay;
    int64_t taken_back;
    bool already; /* Telegram had refunded it before (a run of ours that did not commit) */
    char error[512];
} refund_ctx;

/* Locks the payment, asks Telegram to return the Stars, and commits the refund with the credits
 * taken back only when Telegram did (or had done it before): run again after any failure. */
static ab_err refund_tx(ab_db *db, void *arg)
{
    refund_ctx *r = arg;
    ab_err err = ab_db_admin_payment_lock(db, r->a->arg, &r->pay);
    if (err != AB_OK || !r->pay.found || r->pay.refunded)
        return err;
    json_t *body = json_pack("{s:I,s:s}", "user_id", (json_int_t)r->pay.user_id,
                             "telegram_payment_charge_id", r->a->arg);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    ab_tg_response resp;
    memset(&resp, 0, sizeof resp);
    err = text ? ab_tg_call(r->tg, "refundStarPayment", text, &resp) : AB_ERR_NOMEM;
    free(text);
    r->already = err == AB_OK && !resp.ok && strstr(resp.description, "CHARGE_ALREADY_REFUNDED");
    if (err == AB_OK && !resp.ok && !r->already) {
        snprintf(r->error, sizeof r->error, "Telegram refused the refund: %s", resp.description);
        err = AB_ERR_REMOTE;
    } else if (err != AB_OK) {
        snprintf(r->error, sizeof r->error, "refundStarPayment failed: %s", ab_err_name(err));
    }
    ab_tg_response_free(&resp);
    if (err == AB_OK)
        err = ab_db_admin_payment_refunded(db, r->a->arg, &r->taken_back);
    return err;
}

/* Refunds a Telegram Stars payment: the Stars go back to the user (refundStarPayment), the
 * credits bought with them come off the balance as far as it still holds them. */
static int cmd_refund(admin_ctx *a)
{
    refund_ctx r = {.a = a};
    r.tg = ab_tg_client_new(a->cfg->telegram_api_base, a->cfg->telegram_bot_token,
                            a->cfg->telegram_timeout_s);
    if (!r.tg)
        return 1;
    ab_err err = ab_db_tx(a->db, refund_tx, &r);
    ab_tg_client_free(r.tg);
    if (err != AB_OK) {
        fprintf(stderr, "avatarbot admin: %s; nothing was changed\n",
                r.error[0] ? r.error : ab_err_name(err));
        return 1;
    }
    if (!r.pay.found || r.pay.refunded) {
        fprintf(stderr, "avatarbot admin: %s %s\n",
                r.pay.found ? "already refunded:" : "no payment with charge id", a->arg);
        return 1;
    }
    if (a->json)
        printf("{\"charge_id\": \"%s\", \"user_id\": %lld, \"credits_bought\": %lld,"
               " \"credits_taken_back\": %lld}\n",
               a->arg, (long long)r.pay.user_id, (long long)r.pay.credits, (long long)r.taken_back);
    else
        printf("payment %s refunded%s\n  user %lld\n  credits bought: %lld, taken back: %lld"
               "%s\n",
               a->arg, r.already ? " (Telegram had returned the Stars already)" : "",
               (long long)r.pay.user_id, (long long)r.pay.credits, (long long)r.taken_back,
               r.taken_back < r.pay.credits ? " (the rest was spent)" : "");
    return 0;
}

/* An operator's correction: `credit USER_ID DELTA [NOTE]`. */
static int cmd_credit(admin_ctx *a)
{
    int64_t user_id;
    char *end;
    errno = 0;
    long long delta = a->n_more >= 1 ? strtoll(a->more[0], &end, 10) : 0;
    if (!parse_id(a->arg, &user_id) || a->n_more < 1 || errno || *end || delta == 0 ||
        delta < -1000000000LL || delta > 1000000000LL) {
        fprintf(stderr, "avatarbot admin credit: USER_ID DELTA (+N or -N) [NOTE]\n");
        return 2;
    }
    PGresult *res = NULL;
    ab_err err = ab_db_admin_credit_adjust(a->db, user_id, delta,
                                           a->n_more >= 2 ? a->more[1] : "operator", &res);
    if (err == AB_ERR_LIMIT) {
        fprintf(stderr, "avatarbot admin: the balance cannot go below zero; nothing changed\n");
        return 1;
    }
    if (err != AB_OK)
        return 1;
    print_result(res, a->json, a->json ? NULL : "ledger entry added");
    PQclear(res);
    return 0;
}

static int cmd_promo(admin_ctx *a)
{
    return show(a, ab_db_admin_promo_list, "promo codes");
}

static int cmd_promo_create(admin_ctx *a)
{
    char code[AB_PROMO_CODE_MAX + 1];
    int credits, uses, days = 0;
    if (!ab_promo_code_parse(a->arg, code) || a->n_more < 2 ||
        !parse_int(a->more[0], 1, 1000000, &credits) ||
        !parse_int(a->more[1], 1, 100000000, &uses) ||
        (a->n_more > 2 && !parse_int(a->more[2], 1, 3650, &days))) {
        fprintf(stderr, "avatarbot admin promo create: CODE (3-32 of A-Z 0-9 _ -) CREDITS USES "
                        "[DAYS]\n");
        return 2;
    }
    PGresult *res = NULL;
    if (ab_db_admin_promo_create(a->db, code, credits, uses, days, &res) != AB_OK)
        return 1;
    int n = PQntuples(res);
    if (n == 0)
        fprintf(stderr, "avatarbot admin: promo code %s exists already\n", code);
    else
        print_result(res, a->json, a->json ? NULL : "promo code created");
    PQclear(res);
    return n > 0 ? 0 : 1;
}

/* One WebhookInfo field as words: absent fields are left out. */
static void info_line(const json_t *info, const char *field, const char *label)
{
    const json_t *v = json_object_get(info, field);
    if (json_is_string(v) && *json_string_value(v))
        printf("  %-28s %s\n", label, json_string_value(v));
    else if (json_is_integer(v))
        printf("  %-28s %lld\n", label, (long long)json_integer_value(v));
}

/* A WebhookInfo date (Unix time) as UTC text, with what Telegram said went wrong. */
static void info_error(const json_t *info, const char *date_field, const char *msg_field,
                       const char *label)
{
    json_int_t when = json_integer_value(json_object_get(info, date_field));
    const char *msg = json_string_value(json_object_get(info, msg_field));
    char at[32] = "";
    time_t t = (time_t)when;
    struct tm tm;
    if (when > 0 && gmtime_r(&t, &tm))
        strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S UTC", &tm);
    if (when > 0 || msg)
        printf("  %-28s %s%s%s\n", label, at, msg ? ": " : "", msg ? msg : "");
    else
        printf("  %-28s none\n", label);
}

/* What Telegram knows of our webhook (getWebhookInfo): where it delivers, how many updates
 * wait, and the last error it met delivering them. */
static int cmd_webhook_info(admin_ctx *a)
{
    ab_tg_client *tg = ab_tg_client_new(a->cfg->telegram_api_base, a->cfg->telegram_bot_token,
                                        a->cfg->telegram_timeout_s);
    if (!tg)
        return 1;
    ab_tg_response resp;
    ab_err err = ab_tg_call(tg, "getWebhookInfo", "{}", &resp);
    int rc = 0;
    if (err != AB_OK || !resp.ok) {
        fprintf(stderr, "avatarbot admin: getWebhookInfo failed: %s\n", resp.description);
        rc = 1;
    } else if (a->json) {
        char *text = json_dumps(resp.result, JSON_INDENT(2) | JSON_SORT_KEYS);
        printf("%s\n", text ? text : "{}");
        free(text);
    } else {
        const char *url = json_string_value(json_object_get(resp.result, "url"));
        printf("webhook\n  %-28s %s\n", "url",
               url && *url ? url : "none: Telegram delivers no updates (run set-webhook)");
        info_line(resp.result, "pending_update_count", "updates waiting at Telegram");
        info_error(resp.result, "last_error_date", "last_error_message", "last delivery error");
        info_error(resp.result, "last_synchronization_error_date", NULL,
                   "last synchronization error");
        info_line(resp.result, "max_connections", "max connections");
        info_line(resp.result, "ip_address", "IP address it resolves to");
        const json_t *allowed = json_object_get(resp.result, "allowed_updates");
        if (json_is_array(allowed)) {
            char *text = json_dumps(allowed, JSON_COMPACT);
            printf("  %-28s %s\n", "allowed updates", text ? text : "");
            free(text);
        }
    }
    ab_tg_response_free(&resp);
    ab_tg_client_free(tg);
    return rc;
}

enum { USES_DB = 1, USES_BOT = 2 }; /* what a command talks to */

typedef struct {
    const char *name, *sub; /* "jobs" and NULL, or "jobs" and "requeue" */
    const char *args;       /* what the argument is, NULL for none */
    bool arg_optional;
    const char *help;
    int (*run)(admin_ctx *a);
    int uses;     /* USES_DB (0 too), USES_BOT (the bot's token), or both */
    int more_max; /* arguments it takes after the first */
} admin_command;

static const admin_command COMMANDS[] = {
    {"jobs", NULL, NULL, false, "jobs that are dead, stuck (lease expired) or failing", cmd_jobs,
     USES_DB, 0},
    {"jobs", "requeue", "ID|--dead", false, "queue a dead or pending job (or every dead one) again",
     cmd_jobs_requeue, USES_DB, 0},
    {"jobs", "cancel", "ID", false, "give up a job that has not finished", cmd_jobs_cancel, USES_DB,
     0},
    {"inbox", NULL, NULL, false, "updates set aside after failing every attempt", cmd_inbox,
     USES_DB, 0},
    {"inbox", "requeue", "UPDATE_ID", false, "handle a failed update again", cmd_inbox_requeue,
     USES_DB, 0},
    {"user", NULL, "ID|@username", false, "a user's avatars, photos, trainings and generations",
     cmd_user, USES_DB, 0},
    {"erase-user", NULL, "ID", false,
     "delete everything of a user: rows, stored photos, datasets and pictures; running FAL "
     "requests cancelled",
     cmd_erase_user, USES_DB, 0},
    {"stats", NULL, "YYYY-MM-DD", true, "the day's figures (default: today, UTC)", cmd_stats,
     USES_DB, 0},
    {"webhook-info", NULL, NULL, false,
     "Telegram's view of the webhook: URL, updates waiting, last delivery error", cmd_webhook_info,
     USES_BOT, 0},
    {"refund", NULL, "CHARGE_ID", false,
     "refund a Telegram Stars payment (telegram_payment_charge_id): the Stars go back, the "
     "credits bought come off the balance as far as it holds them",
     cmd_refund, USES_DB | USES_BOT, 0},
    {"credit", NULL, "USER_ID DELTA [NOTE]", false,
     "add (or with -N take) credits: an 'adjustment' ledger entry with the note", cmd_credit,
     USES_DB, 2},
    {"promo", NULL, NULL, false, "promo codes with their uses", cmd_promo, USES_DB, 0},
    {"promo", "create", "CODE CREDITS USES [DAYS]", false,
     "a promo code worth CREDITS, for USES users, valid DAYS days (default: no expiry)",
     cmd_promo_create, USES_DB, 3},
};
#define NCOMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: avatarbot admin <command> [argument] [--json]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char words[64];
        snprintf(words, sizeof words, "%s%s%s %s", COMMANDS[i].name, COMMANDS[i].sub ? " " : "",
                 COMMANDS[i].sub ? COMMANDS[i].sub : "", COMMANDS[i].args ? COMMANDS[i].args : "");
        fprintf(out, "  %-28s %s\n", words, COMMANDS[i].help);
    }
    fprintf(out, "\nIt reads the configuration like `serve` (DATABASE_URL; webhook-info and refund "
                 "the bot's "
                 "token). Exit status: 0 done, 1 nothing matched or a call failed, 2 bad usage.\n");
}

int ab_cmd_admin(int argc, char **argv)
{
    ab_log_set_fd(STDERR_FILENO); /* stdout is the command's answer (JSON with --json) */
    /* argv[0] is "admin"; the rest: words, an argument, --json, --help in any order */
    const char *words[6] = {0};
    int nwords = 0;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (nwords < 6)
            words[nwords++] = argv[i];
        else {
            usage(stderr);
            return 2;
        }
    }
    size_t found = NCOMMANDS;
    const char *arg = NULL;
    int more = 0, first_more = 0;
    for (size_t i = 0; nwords > 0 && i < NCOMMANDS && found == NCOMMANDS; i++) {
        const admin_command *c = &COMMANDS[i];
        if (strcmp(c->name, words[0]) != 0)
            continue;
        int used = 1;
        if (c->sub) {
            if (nwords < 2 || strcmp(c->sub, words[1]) != 0)
                continue;
            used = 2;
        } else if (nwords >= 2 && !c->args) {
            continue; /* "jobs requeue …" is not "jobs" */
        }
        arg =
            nwords > used ? words[used] : NULL; /* "--dead" too: only --json, --help are options */
        if (nwords > used + 1 + c->more_max)
            continue;
        more = nwords - used - 1 > 0 ? nwords - used - 1 : 0;
        first_more = used + 1;
        found = i;
    }
    if (found == NCOMMANDS || (COMMANDS[found].args && !arg && !COMMANDS[found].arg_optional)) {
        usage(stderr);
        return 2;
    }
    ab_config cfg;
    int rc = ab_cmd_load_config(&cfg, COMMANDS[found].uses & USES_BOT ? AB_CMD_SET_WEBHOOK
                                                                      : AB_CMD_MIGRATE);
    if (rc)
        return rc;
    admin_ctx a = {&cfg, NULL, arg, json, {0}, more};
    for (int i = 0; i < more && i < 3; i++)
        a.more[i] = words[first_more + i];
    if (COMMANDS[found].uses == USES_BOT) {
        rc = COMMANDS[found].run(&a);
        ab_config_free(&cfg);
        return rc;
    }
    if (ab_db_connect(cfg.database_url, &a.db) != AB_OK) {
        fprintf(stderr, "avatarbot admin: cannot reach the database\n");
        ab_config_free(&cfg);
        return 1;
    }
    rc = COMMANDS[found].run(&a);
    if (rc == 2)
        usage(stderr);
    else if (rc == 1 && ab_db_last_message(a.db)[0])
        fprintf(stderr, "avatarbot admin: %s\n", ab_db_last_message(a.db));
    ab_db_close(a.db);
    ab_config_free(&cfg);
    return rc;
}
