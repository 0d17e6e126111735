/* Generation screens (see generate.h). */
#include "ui/generate.h"

#include "core/avatar.h"

#include <stdio.h>
#include <string.h>

#include "ui/internal.h"

static const struct {
    const char *aspect;
    ab_msg_id label;
} ASPECTS[AB_UI_ASPECTS] = {
    {"1:1", AB_MSG_ASPECT_1_1},   {"3:4", AB_MSG_ASPECT_3_4},   {"4:3", AB_MSG_ASPECT_4_3},
    {"9:16", AB_MSG_ASPECT_9_16}, {"16:9", AB_MSG_ASPECT_16_9},
};

static const ab_msg_id PRESET_TITLES[AB_PRESET__COUNT] = {
#define AB_PRESET_TITLE(id, name, male, female, other) [AB_PRESET_##id] = AB_MSG_PRESET_##id,
    AB_PRESETS(AB_PRESET_TITLE)
#undef AB_PRESET_TITLE
};

const char *ab_ui_aspect_at(int i)
{
    return i >= 0 && i < AB_UI_ASPECTS ? ASPECTS[i].aspect : NULL;
}

const char *ab_ui_preset_title(ab_lang lang, ab_preset p)
{
    return (unsigned)p < AB_PRESET__COUNT ? ab_msg(lang, PRESET_TITLES[p]) : "";
}

void ab_ui_gen_what(ab_lang lang, const char *preset, const char *prompt, char *out, size_t n)
{
    ab_preset p = ab_preset_parse(preset);
    if (p != AB_PRESET__COUNT) {
        snprintf(out, n, "%s", ab_ui_preset_title(lang, p));
        return;
    }
    /* the first 60 code points of the description, with "…" when cut */
    size_t i = 0, cps = 0;
    const char *s = prompt ? prompt : "";
    while (s[i] && cps < 60) {
        i++;
        while ((s[i] & 0xC0) == 0x80)
            i++;
        cps++;
    }
    snprintf(out, n, "“%.*s%s”", (int)i, s, s[i] ? "…" : "");
}

void ab_ui_gen_prompt(ab_lang lang, const char *avatar_name, int64_t avatar_id, int max_chars,
                      ab_msg_id problem, int typed, ab_ui_msg *out)
{
    char body[1024], why[512];
    snprintf(body, sizeof body, ab_msg(lang, AB_MSG_GEN_PROMPT), avatar_name, max_chars);
    int refused = problem != AB_MSG__COUNT;
    if (refused)
        snprintf(why, sizeof why, ab_msg(lang, problem), typed, max_chars);
    ab_ui_begin(out, refused ? why : NULL, "\n\n", body);
    for (int p = 0; p < AB_PRESET__COUNT; p++) /* two to a row */
        ab_ui_button_label(out->kb, ab_ui_preset_title(lang, (ab_preset)p), AB_BTN_GEN_PRESET, p,
                           p % 2);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_GEN_BACK, AB_BTN_AVATAR_SHOW, avatar_id, 0);
}

void ab_ui_gen_aspect(ab_lang lang, const char *what, ab_ui_msg *out)
{
    char body[1024];
    snprintf(body, sizeof body, ab_msg(lang, AB_MSG_GEN_ASPECT), what);
    ab_ui_begin(out, NULL, NULL, body);
    for (int i = 0; i < AB_UI_ASPECTS; i++) /* the square alone, then two to a row */
        ab_ui_button(out->kb, lang, ASPECTS[i].label, AB_BTN_GEN_ASPECT, i, i > 0 && i % 2 == 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_BACK, 0, 0);
}

void ab_ui_gen_count(ab_lang lang, const char *what, const char *aspect, int max, ab_ui_msg *out)
{
    char body[1024];
    snprintf(body, sizeof body, ab_msg(lang, AB_MSG_GEN_COUNT), what, aspect);
    ab_ui_begin(out, NULL, NULL, body);
    for (int n = 1; n <= max && n <= 4; n++) {
        char label[8];
        snprintf(label, sizeof label, "%d", n);
        ab_ui_button_label(out->kb, label, AB_BTN_GEN_COUNT, n, n > 1);
    }
    ab_ui_button(out->kb, lang, AB_MSG_BTN_BACK, AB_BTN_BACK, 0, 0);
}

void ab_ui_gen_status(ab_lang lang, ab_msg_id id, int count, const char *avatar_name, int position,
                      char *out, size_t n)
{
    snprintf(out, n, ab_msgn(lang, id, (unsigned long)count), count, avatar_name, position);
}

void ab_ui_gen_status_end(ab_lang lang, int done, int count, const char *avatar_name, char *out,
                          size_t n)
{
    if (done)
        snprintf(out, n, ab_msgn(lang, AB_MSG_GEN_DONE_LINE, (unsigned long)count), count,
                 avatar_name);
    else
        snprintf(out, n, ab_msg(lang, AB_MSG_GEN_FAILED_LINE), avatar_name);
}

void ab_ui_gen_ready(ab_lang lang, int64_t generation_id, int64_t avatar_id, int shown,
                     int withheld, ab_ui_msg *out)
{
    char flagged[512];
    if (withheld)
        snprintf(flagged, sizeof flagged,
                 ab_msgn(lang, AB_MSG_GEN_SOME_WITHHELD, (unsigned long)withheld), withheld);
    ab_ui_begin(out, shown && withheld ? flagged : NULL, "\n",
                ab_msg(lang, shown ? AB_MSG_GEN_READY : AB_MSG_GEN_ALL_WITHHELD));
    ab_ui_button(out->kb, lang, AB_MSG_BTN_GEN_MORE, AB_BTN_GEN_AGAIN, generation_id, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_GEN_NEW, AB_BTN_GEN_START, avatar_id, 1);
    if (shown)
        ab_ui_button(out->kb, lang, AB_MSG_BTN_GEN_FILES, AB_BTN_GEN_FILES, generation_id, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_GEN_BACK, AB_BTN_AVATAR_SHOW, avatar_id, 0);
}

void ab_ui_gen_failed(ab_lang lang, int64_t generation_id, int64_t avatar_id, ab_msg_id reason,
                      ab_ui_msg *out)
{
    char text[1024];
    snprintf(text, sizeof text, ab_msg(lang, AB_MSG_GEN_FAILED), ab_msg(lang, reason));
    ab_ui_begin(out, NULL, NULL, text);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_GEN_MORE, AB_BTN_GEN_AGAIN, generation_id, 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_GEN_BACK, AB_BTN_AVATAR_SHOW, avatar_id, 0);
}

void ab_ui_gen_pictures(ab_lang lang, const char *avatar_name, int64_t avatar_id, int page,
                        int total, ab_ui_msg *out)
{
    char text[512];
    int first = page * AB_PICTURES_PAGE + 1;
    int last = first + AB_PICTURES_PAGE - 1 < total ? first + AB_PICTURES_PAGE - 1 : total;
    if (total > 0)
        snprintf(text, sizeof text, ab_msg(lang, AB_MSG_GEN_PICTURES), avatar_name, first, last,
                 total);
    else
        snprintf(text, sizeof text, ab_msg(lang, AB_MSG_GEN_PICTURES_NONE), avatar_name);
    ab_ui_begin(out, NULL, NULL, text);
    if (page > 0)
        ab_ui_button(out->kb, lang, AB_MSG_BTN_PREV, AB_BTN_GEN_PICTURES_PAGE, page - 1, 0);
    if (last < total) /* beside "previous" when there is one */
        ab_ui_button(out->kb, lang, AB_MSG_BTN_NEXT, AB_BTN_GEN_PICTURES_PAGE, page + 1, page > 0);
    ab_ui_button(out->kb, lang, AB_MSG_BTN_GEN_BACK, AB_BTN_AVATAR_SHOW, avatar_id, 0);
}
