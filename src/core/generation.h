/* A generation as the conversation sees it: what the user asked for, loaded for the buttons
 * that name one ("More like this", "Full-quality files") only when it is the caller's. */
#ifndef AB_CORE_GENERATION_H
#define AB_CORE_GENERATION_H

#include <stdint.h>

#define AB_GENERATION_IMAGES_MAX 4

typedef struct {
    int64_t id, avatar_id;
    char preset[24];   /* a preset's stored name, "" for the user's own prompt */
    char prompt[2048]; /* the scene as sent (GENERATION_PROMPT_MAX characters at most) */
    char aspect[8];
    int count;
    char status[12]; /* running | delivered | failed | cancelled */
    /* the stored copies of the pictures shown to the user, in order */
    char keys[AB_GENERATION_IMAGES_MAX][128];
    int n_keys;
} ab_generation_view;

#endif
