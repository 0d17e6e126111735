/* The avatar as the conversation sees it: one row of the user's avatar list, loaded for every
 * FSM step (a user has at most 10) so handlers can check names, limits and ownership without
 * touching the database. */
#ifndef AB_CORE_AVATAR_H
#define AB_CORE_AVATAR_H

#include <stdint.h>

#define AB_MAX_AVATARS 10

typedef struct {
    int64_t id;
    char name[161];         /* up to 40 code points */
    char gender[8];         /* male | female | other */
    char training_type[12]; /* portrait | style */
    char status[12];  /* draft | uploading | ready | training | completed | error | cancelled */
    int photos_count; /* valid photos */
    int photos_total; /* valid and still being checked (what counts against 50) */
    int progress;     /* training progress 0-100 */
    int pictures;     /* pictures delivered with it ("My pictures") */
    int model_kind;   /* what a completed training left, so pictures can be made: 0 nothing yet,
                       * 1 a LoRA file, 2 a finetune id (fal/trainers.h AB_RESULT_* + 1) */
    char created[11]; /* YYYY-MM-DD */
} ab_avatar;

#define AB_MAX_PHOTOS 50
/* pictures per page of "My pictures" (one album) */
#define AB_PICTURES_PAGE 6

/* An accepted photo of the avatar being uploaded to (for "View (N)" and deleting one). */
typedef struct {
    int64_t id;
    char file_id[200]; /* Telegram's file_id: shown again without re-uploading */
} ab_photo;

#endif
