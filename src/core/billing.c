/* Packages, invoice payloads and the pre-checkout check (see billing.h). */
#include "core/billing.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A positive decimal number at *p, at most max; advances *p past it. */
static bool read_number(const char **p, long max, long *out)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    long v = strtol(s, &end, 10);
    if (v <= 0 || v > max)
        return false;
    *out = v;
    *p = end;
    return true;
}

bool ab_billing_packs_parse(const char *spec, ab_billing_pack *out, int *n, char *why,
                            size_t why_len)
{
    *n = 0;
    const char *p = spec ? spec : "";
    for (;;) {
        while (*p == ' ')
            p++;
        long credits, stars;
        if (!read_number(&p, AB_BILLING_PACK_MAX_CREDITS, &credits) || *p++ != ':' ||
            !read_number(&p, AB_BILLING_PACK_MAX_STARS, &stars)) {
            snprintf(why, why_len,
                     "package %d must be CREDITS:STARS with CREDITS 1-%d and STARS 1-%d, "
                     "e.g. 100:50,500:200",
                     *n + 1, AB_BILLING_PACK_MAX_CREDITS, AB_BILLING_PACK_MAX_STARS);
            return false;
        }
        if (*n == AB_BILLING_PACKS_MAX) {
            snprintf(why, why_len, "at most %d packages", AB_BILLING_PACKS_MAX);
            return false;
        }
        for (int i = 0; i < *n; i++)
            if (out[i].credits == credits && out[i].stars == stars) {
                snprintf(why, why_len, "package %ld:%ld is offered twice", credits, stars);
                return false;
            }
        out[(*n)++] = (ab_billing_pack){(int)credits, (int)stars};
        while (*p == ' ')
            p++;
        if (!*p)
            return true;
        if (*p++ != ',') {
            snprintf(why, why_len, "packages must be separated by commas, e.g. 100:50,500:200");
            return false;
        }
    }
}

void ab_billing_payload(ab_billing_pack pack, int64_t user_id, char *out, size_t len)
{
    snprintf(out, len, "pack:%d:%d:%" PRId64, pack.credits, pack.stars, user_id);
}

bool ab_billing_payload_parse(const char *payload, ab_billing_pack *pack, int64_t *user_id)
{
    if (!payload || strlen(payload) > AB_BILLING_PAYLOAD_MAX)
        return false;
    int credits, stars, end = 0;
    int64_t user;
    if (sscanf(payload, "pack:%d:%d:%" SCNd64 "%n", &credits, &stars, &user, &end) != 3 ||
        payload[end] || credits <= 0 || stars <= 0 || user <= 0)
        return false;
    *pack = (ab_billing_pack){credits, stars};
    *user_id = user;
    return true;
}

ab_precheckout_verdict ab_billing_precheckout(bool billing_on, const char *packs_spec,
                                              const char *payload, const char *currency,
                                              int64_t total_amount, int64_t from_user_id)
{
    if (!billing_on)
        return AB_PRECHECKOUT_OFF;
    ab_billing_pack pack, packs[AB_BILLING_PACKS_MAX];
    int64_t user;
    int n = 0;
    char why[160];
    if (!ab_billing_payload_parse(payload, &pack, &user) ||
        !ab_billing_packs_parse(packs_spec, packs, &n, why, sizeof why))
        return AB_PRECHECKOUT_UNKNOWN_PAYLOAD;
    bool offered = false;
    for (int i = 0; i < n; i++)
        offered |= packs[i].credits == pack.credits && packs[i].stars == pack.stars;
    if (!offered)
        return AB_PRECHECKOUT_UNKNOWN_PAYLOAD;
    if (user != from_user_id)
        return AB_PRECHECKOUT_WRONG_USER;
    if (!currency || strcmp(currency, AB_BILLING_CURRENCY) != 0)
        return AB_PRECHECKOUT_WRONG_CURRENCY;
    if (total_amount != pack.stars)
        return AB_PRECHECKOUT_WRONG_AMOUNT;
    return AB_PRECHECKOUT_OK;
}

bool ab_promo_code_parse(const char *text, char out[AB_PROMO_CODE_MAX + 1])
{
    out[0] = '\0';
    if (!text)
        return false;
    while (isspace((unsigned char)*text))
        text++;
    if (*text == '/') { /* the command itself: the code is the next word */
        while (*text && !isspace((unsigned char)*text))
            text++;
        while (isspace((unsigned char)*text))
            text++;
    }
    size_t n = 0;
    for (; *text && !isspace((unsigned char)*text); text++) {
        char c = (char)toupper((unsigned char)*text);
        if (n == AB_PROMO_CODE_MAX || !(isalnum((unsigned char)c) || c == '_' || c == '-'))
            return false;
        out[n++] = c;
    }
    while (isspace((unsigned char)*text))
        text++;
    out[n] = '\0';
    return n >= 3 && *text == '\0';
}
