/* The compiled translation catalogues: every language translates every message with the same
 * format arguments as its English source, plural forms follow each language's rule (Russian's
 * three forms checked on real texts), and Telegram language codes map to catalogues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ui/catalog.h"
#include "ui/messages.h"

static ab_lang lang(const char *code)
{
    ab_lang l = -1;
    if (!ab_lang_find(code, &l))
        fail_msg("no catalogue for %s", code);
    return l;
}

/* The conversions of a printf format by argument position ("d s" for "%d %s" or "%2$s"
 * after "%1$d"), so a translation may reorder arguments but not change them. */
static void specs(const char *fmt, char *out, size_t len)
{
    char by_pos[16] = {0};
    int next = 0, max = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        if (*++p == '%')
            continue;
        int pos = ++next;
        const char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q > p && *q == '$') {
            pos = atoi(p);
            p = q + 1;
        }
        while (*p && strchr("0123456789.-+ #'hlzjt", *p))
            p++;
        if (pos < 1 || pos > 15 || !*p)
            fail_msg("bad format: %s", fmt);
        by_pos[pos] = *p;
        max = pos > max ? pos : max;
    }
    size_t n = 0;
    for (int i = 1; i <= max && n + 2 < len; i++) {
        out[n++] = by_pos[i] ? by_pos[i] : '?';
        out[n++] = ' ';
    }
    out[n] = '\0';
}

static void test_specs_reads_positions(void **state)
{
    (void)state;
    char a[32], b[32];
    specs("%d of %s: %d%%", a, sizeof a);
    specs("%2$s: %1$d of %3$d", b, sizeof b);
    assert_string_equal(a, "d s d ");
    assert_string_equal(b, "d s d ");
    char out[64];
    snprintf(out, sizeof out, "%2$s, %1$d", 7, "seven"); /* positions work in our printf */
    assert_string_equal(out, "seven, 7");
}

static void test_every_language_translates_every_message_alike(void **state)
{
    (void)state;
    assert_true(ab_lang_count() >= 2);
    for (ab_lang l = 0; l < ab_lang_count(); l++) {
        const ab_catalog *c = &ab_catalogs[l];
        for (int id = 0; id < AB_MSG__COUNT; id++) {
            const ab_msg_source *src = &ab_msg_sources[id];
            if (!src->msgid)
                fail_msg("message %s has no source text", ab_msg_name(id));
            if (!ab_msg_translated(l, id))
                fail_msg("%s: %s is not translated", c->code, ab_msg_name(id));
            unsigned forms = src->plural ? c->nplurals : 1;
            for (unsigned f = 0; f < forms; f++) {
                /* the count that picks form f (forms are tried from small counts up) */
                unsigned long n = 0;
                while (n < 1000 && c->plural(n) != f)
                    n++;
                const char *text = ab_msgn(l, id, n);
                char want[32], got[32];
                specs(src->plural && n != 1 ? src->plural : src->msgid, want, sizeof want);
                specs(text, got, sizeof got);
                if (strcmp(want, got) != 0)
                    fail_msg("%s: %s form %u takes %s, the source %s", c->code, ab_msg_name(id), f,
                             got, want);
                assert_true(text[0] != '\0');
                assert_true(strlen(text) <= 4096); /* a Telegram message */
            }
        }
    }
}

/* gettext's Russian rule: 1, 21 → one; 2–4, 22 → few; 0, 5–20, 25, 111 → many. */
static void test_russian_plural_rule(void **state)
{
    (void)state;
    const ab_catalog *ru = &ab_catalogs[lang("ru")];
    assert_int_equal(ru->nplurals, 3);
    static const struct {
        unsigned long n, form;
    } CASES[] = {{1, 0}, {2, 1}, {5, 2},  {11, 2}, {21, 0},  {22, 1},  {25, 2},
                 {0, 2}, {4, 1}, {12, 2}, {14, 2}, {101, 0}, {111, 2}, {1000001, 0}};
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
        if (ru->plural(CASES[i].n) != CASES[i].form)
            fail_msg("ru: %lu takes form %lu, not %lu", CASES[i].n, ru->plural(CASES[i].n),
                     CASES[i].form);
    const ab_catalog *en = &ab_catalogs[lang("en")];
    assert_int_equal(en->nplurals, 2);
    assert_int_equal(en->plural(1), 0);
    assert_int_equal(en->plural(0), 1);
    assert_int_equal(en->plural(21), 1);
}

/* The training screen counts the minutes left with the right word: 1 минута, 2 минуты,
 * 5 минут. */
static void test_ab_msgn_on_real_texts(void **state)
{
    (void)state;
    static const struct {
        int n;
        const char *ru, *en;
    } CASES[] = {{1, "Осталось примерно 1 минута", "About 1 minute left"},
                 {2, "Осталось примерно 2 минуты", "About 2 minutes left"},
                 {5, "Осталось примерно 5 минут", "About 5 minutes left"},
                 {11, "Осталось примерно 11 минут", "About 11 minutes left"},
                 {21, "Осталось примерно 21 минута", "About 21 minutes left"},
                 {22, "Осталось примерно 22 минуты", "About 22 minutes left"},
                 {25, "Осталось примерно 25 минут", "About 25 minutes left"}};
    char text[1024];
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        int n = CASES[i].n;
        snprintf(text, sizeof text, ab_msgn(lang("ru"), AB_MSG_TRAINING_PROGRESS, (unsigned long)n),
                 "A", 50, n);
        const char *tail = strstr(text, "⏱️ ");
        if (!tail || strcmp(tail + strlen("⏱️ "), CASES[i].ru) != 0)
            fail_msg("ru, %d minutes: %s", n, text);
        snprintf(text, sizeof text, ab_msgn(lang("en"), AB_MSG_TRAINING_PROGRESS, (unsigned long)n),
                 "A", 50, n);
        tail = strstr(text, "⏱️ ");
        if (!tail || strcmp(tail + strlen("⏱️ "), CASES[i].en) != 0)
            fail_msg("en, %d minutes: %s", n, text);
    }
    /* English photos: one photo, many photos; Russian "фото" does not change */
    snprintf(text, sizeof text, ab_msgn(lang("en"), AB_MSG_BATCH_PROGRESS, 1), 1, 1, 1);
    assert_string_equal(text, "📸 1 of 1 photo checked: 1 accepted");
    snprintf(text, sizeof text, ab_msgn(lang("en"), AB_MSG_BATCH_PROGRESS, 3), 2, 3, 2);
    assert_string_equal(text, "📸 2 of 3 photos checked: 2 accepted");
    snprintf(text, sizeof text, ab_msgn(lang("ru"), AB_MSG_BATCH_PROGRESS, 22), 2, 22, 2);
    assert_string_equal(text, "📸 Проверено 2 из 22: принято 2");
    /* a text without plural forms is the same for every count */
    assert_string_equal(ab_msgn(lang("ru"), AB_MSG_BTN_HELP, 5), "ℹ️ Помощь");
}

/* Where name (lower case) occurs in text as a word of its own, ignoring ASCII case; NULL if
 * nowhere ("fal" is in "false" and "Fallen" but is no word there). */
static const char *find_word(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && (p[i] | 0x20) == name[i])
            i++;
        if (i < n)
            continue;
        int before = p > text && ((p[-1] | 0x20) >= 'a' && (p[-1] | 0x20) <= 'z');
        int after = (p[n] | 0x20) >= 'a' && (p[n] | 0x20) <= 'z';
        if (!before && !after)
            return p;
    }
    return NULL;
}

/* "A professional UX without technical details": no text a user sees, in any language or
 * plural form, names the model or the service behind it. */
static void test_no_model_or_trainer_names(void **state)
{
    (void)state;
    static const char *const NAMES[] = {"flux", "lora",   "loras",    "trainer",   "trainers",
                                        "fal",  "fal.ai", "finetune", "fine-tune", "bfl"};
    assert_non_null(find_word("Flux LoRA Portrait Trainer", "lora"));
    assert_null(find_word("false fallen Falcon", "fal"));
    for (ab_lang l = 0; l < ab_lang_count(); l++) {
        const ab_catalog *c = &ab_catalogs[l];
        for (int id = 0; id < AB_MSG__COUNT; id++) {
            unsigned forms = ab_msg_sources[id].plural ? c->nplurals : 1;
            for (unsigned f = 0; f < forms; f++) {
                unsigned long n = 0;
                while (n < 1000 && c->plural(n) != f)
                    n++;
                const char *text = ab_msgn(l, id, n);
                for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++)
                    if (find_word(text, NAMES[k]))
                        fail_msg("%s: %s names \"%s\": %s", c->code, ab_msg_name(id), NAMES[k],
                                 text);
            }
        }
    }
}

static void test_language_codes(void **state)
{
    (void)state;
    ab_lang ru = lang("ru"), en = lang("en");
    assert_int_equal(ru, 0); /* the default comes first */
    assert_int_equal(ab_lang_from_code("en"), en);
    assert_int_equal(ab_lang_from_code("en-GB"), en);
    assert_int_equal(ab_lang_from_code("EN"), en);
    assert_int_equal(ab_lang_from_code("ru_RU"), ru);
    assert_int_equal(ab_lang_from_code("uk"), ru); /* no catalogue: the default */
    assert_int_equal(ab_lang_from_code("e"), ru);
    assert_int_equal(ab_lang_from_code(""), ru);
    assert_int_equal(ab_lang_from_code(NULL), ru);
    ab_lang l;
    assert_false(ab_lang_find("xx", &l));
    assert_string_equal(ab_lang_code(en), "en");
    assert_string_equal(ab_lang_name(ru), "Русский");
    assert_string_equal(ab_lang_name(en), "English");
    assert_string_equal(ab_lang_code(ab_lang_count()), "");
    /* out of range: the English source */
    assert_string_equal(ab_msg(-1, AB_MSG_BTN_HELP), "ℹ️ Help");
    assert_string_equal(ab_msg(en, AB_MSG__COUNT), "");
    assert_string_equal(ab_msg_name(AB_MSG_BTN_HELP), "BTN_HELP");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_specs_reads_positions),
        cmocka_unit_test(test_every_language_translates_every_message_alike),
        cmocka_unit_test(test_russian_plural_rule),
        cmocka_unit_test(test_ab_msgn_on_real_texts),
        cmocka_unit_test(test_no_model_or_trainer_names),
        cmocka_unit_test(test_language_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
