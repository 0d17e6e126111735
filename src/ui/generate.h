/* Generation screens and messages: the style or own description, the shape, how many, the
 * status message the jobs edit in place, and what comes with the pictures. */
#ifndef AB_UI_GENERATE_H
#define AB_UI_GENERATE_H

#include <stdint.h>

#include "core/presets.h"
#include "ui/ui.h"

/* The shapes users pick, in button order. */
#define AB_UI_ASPECTS 5

/** The aspect ratio of shape button i ("1:1" …), NULL out of range. */
const char *ab_ui_aspect_at(int i);
/** A preset's title in lang ("💼 Business portrait"). */
const char *ab_ui_preset_title(ab_lang lang, ab_preset p);
/** What the pictures show, for the screens: the preset's title, else the user's description
 *  cut to about 60 characters. */
void ab_ui_gen_what(ab_lang lang, const char *preset, const char *prompt, char *out, size_t n);

/** The style / own description screen. problem (AB_MSG_GEN_PROMPT_EMPTY, _TOO_LONG, else
 *  AB_MSG__COUNT) says above it why a typed description was refused (typed: its length). */
void ab_ui_gen_prompt(ab_lang lang, const char *avatar_name, int64_t avatar_id, int max_chars,
                      ab_msg_id problem, int typed, ab_ui_msg *out);
/** The shape screen. */
void ab_ui_gen_aspect(ab_lang lang, const char *what, ab_ui_msg *out);
/** How many pictures: buttons 1..max (max 1..4). */
void ab_ui_gen_count(ab_lang lang, const char *what, const char *aspect, int max, ab_ui_msg *out);
/** The status message while they are made: id AB_MSG_GEN_WAITING, _QUEUED (position, 1 = next)
 *  or _RUNNING. */
void ab_ui_gen_status(ab_lang lang, ab_msg_id id, int count, const char *avatar_name, int position,
                      char *out, size_t n);
/** The status message once they are made (done) or not. */
void ab_ui_gen_status_end(ab_lang lang, int done, int count, const char *avatar_name, char *out,
                          size_t n);
/** The message after the pictures: shown of them delivered, withheld flagged by the safety
 *  check; buttons to make more, a new description, the files, back to the avatar. */
void ab_ui_gen_ready(ab_lang lang, int64_t generation_id, int64_t avatar_id, int shown,
                     int withheld, ab_ui_msg *out);
/** They could not be made: why (AB_MSG_REASON_GEN_*), with "try again" and "back". */
void ab_ui_gen_failed(ab_lang lang, int64_t generation_id, int64_t avatar_id, ab_msg_id reason,
                      ab_ui_msg *out);

/** The message under a page of "My pictures": which of them these are, with older / newer and
 *  back to the avatar (page of total, AB_PICTURES_PAGE a page; total 0: none yet). */
void ab_ui_gen_pictures(ab_lang lang, const char *avatar_name, int64_t avatar_id, int page,
                        int total, ab_ui_msg *out);

#endif
