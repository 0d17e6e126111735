/* `avatarbot set-webhook`: registers this service's webhook with Telegram (setWebhook) and the
 * bot's command menu in every language it speaks (setMyCommands). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "core/config.h"
#include "core/json.h"
#include "core/log.h"
#include "telegram/client.h"
#include "ui/messages.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: avatarbot set-webhook [--url URL] [--secret-token TOKEN]\n"
            "         [--allowed-updates a,b,c] [--max-connections N] [--drop-pending-updates]\n"
            "  --url                  default $PUBLIC_BASE_URL/telegram/webhook\n"
            "  --secret-token         default $TELEGRAM_WEBHOOK_SECRET\n"
            "  --allowed-updates      default "
            "message,callback_query,my_chat_member,pre_checkout_query\n"
            "  --max-connections      1-100, default 40\n"
            "  --drop-pending-updates drop updates Telegram queued while no webhook was set\n");
}

/* Sends one Bot API call; prints why it failed. */
static int call(ab_tg_client *tg, const char *method, json_t *body)
{
    char *text = ab_json_dump(body);
    json_decref(body);
    ab_tg_response resp;
    ab_err err = tg && text ? ab_tg_call(tg, method, text, &resp) : AB_ERR_NOMEM;
    free(text);
    if (err != AB_OK) {
        fprintf(stderr, "set-webhook: Telegram could not be reached: %s\n", ab_err_name(err));
        return 0;
    }
    int ok = resp.ok;
    if (!ok)
        fprintf(stderr, "set-webhook: Telegram refused %s: %d %s\n", method, resp.error_code,
                resp.description);
    ab_tg_response_free(&resp);
    return ok;
}

/* The command menu, described in each language: first the default language's for everyone
 * whose language has no list of its own, then one list per catalogue, under its two-letter
 * code (Telegram takes ISO 639-1 codes only; a catalogue without one uses the default list). */
static int set_commands(ab_tg_client *tg, bool billing)
{
    static const struct {
        const char *command;
        ab_msg_id description;
        bool billing; /* listed with BILLING=stars only */
    } COMMANDS[] = {
        {"start", AB_MSG_CMD_START, false},         {"help", AB_MSG_CMD_HELP, false},
        {"balance", AB_MSG_CMD_BALANCE, true},      {"promo", AB_MSG_CMD_PROMO, true},
        {"cancel", AB_MSG_CMD_CANCEL, false},       {"language", AB_MSG_CMD_LANGUAGE, false},
        {"privacy", AB_MSG_CMD_PRIVACY, false},     {"terms", AB_MSG_CMD_TERMS, true},
        {"paysupport", AB_MSG_CMD_PAYSUPPORT, true}};
    char done[256] = "";
    size_t n = 0;
    for (ab_lang l = -1; l < ab_lang_count(); l++) {
        ab_lang lang = l < 0 ? 0 : l;
        const char *code = ab_lang_code(lang);
        if (l >= 0 && (strlen(code) < 2 || (code[2] && code[2] != '-')))
            continue;
        json_t *list = json_array();
        for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
            if (billing || !COMMANDS[i].billing)
                json_array_append_new(list, json_pack("{s:s,s:s}", "command", COMMANDS[i].command,
                                                      "description",
                                                      ab_msg(lang, COMMANDS[i].description)));
        json_t *body = json_pack("{s:o}", "commands", list);
        if (l >= 0)
            json_object_set_new(body, "language_code", json_stringn(code, 2));
        if (!call(tg, "setMyCommands", body))
            return 0;
        if (n < sizeof done)
            n += (size_t)snprintf(done + n, sizeof done - n, " %.2s%s", code,
                                  l < 0 ? " (default)" : "");
    }
    printf("commands set:%s\n", done);
    return 1;
}

int ab_cmd_set_webhook(int argc, char **argv)
{
    static const struct option OPTIONS[] = {
        {"url", required_argument, NULL, 'u'},
        {"secret-token", required_argument, NULL, 's'},
        {"allowed-updates", required_argument, NULL, 'a'},
        {"max-connections", required_argument, NULL, 'm'},
        {"drop-pending-updates", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *secret = NULL,
               *allowed = "message,callback_query,my_chat_member,pre_checkout_query";
    long max_conn = 40;
    int drop = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", OPTIONS, NULL)) != -1) {
        switch (opt) {
        case 'u':
            url = optarg;
            break;
        case 's':
            secret = optarg;
            break;
        case 'a':
            allowed = optarg;
            break;
        case 'm': {
            char *end;
            max_conn = strtol(optarg, &end, 10);
            if (*end || max_conn < 1 || max_conn > 100) {
                fprintf(stderr, "set-webhook: --max-connections must be 1-100\n");
                return 2;
            }
            break;
        }
        case 'd':
            drop = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    ab_config cfg;
    int rc = ab_cmd_load_config(&cfg, AB_CMD_SET_WEBHOOK);
    if (rc)
        return rc;
    char default_url[1024];
    if (!url) {
        snprintf(default_url, sizeof default_url, "%s/telegram/webhook", cfg.public_base_url);
        url = default_url;
    }
    if (!secret)
        secret = cfg.telegram_webhook_secret;

    json_t *updates = json_array();
    char *list = strdup(allowed);
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save))
        if (*tok)
            json_array_append_new(updates, json_string(tok));
    free(list);
    json_t *body =
        json_pack("{s:s,s:s,s:o,s:i,s:b}", "url", url, "secret_token", secret, "allowed_updates",
                  updates, "max_connections", (int)max_conn, "drop_pending_updates", drop);
    ab_tg_client *tg =
        ab_tg_client_new(cfg.telegram_api_base, cfg.telegram_bot_token, cfg.telegram_timeout_s);
    rc = 1;
    if (call(tg, "setWebhook", body)) {
        printf("webhook set: %s (max_connections %ld, allowed_updates %s%s)\n", url, max_conn,
               allowed, drop ? ", pending updates dropped" : "");
        rc = set_commands(tg, ab_config_billing(&cfg)) ? 0 : 1;
    }
    ab_tg_client_free(tg);
    ab_config_free(&cfg);
    return rc;
}
