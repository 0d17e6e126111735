/* The conversation states (DESIGN.md section 3) and the events that move between them.
 * Names are stored in chat_state.state and appear in the printed graph. */
#ifndef AB_FSM_STATE_H
#define AB_FSM_STATE_H

#include <stdbool.h>

#define AB_STATES(X)                                                                               \
    X(MAIN_MENU, "main_menu")                                                                      \
    X(AVATAR_MENU, "avatar_menu")                                                                  \
    X(HELP, "help")                                                                                \
    X(SELECTING_TRAINING_TYPE, "selecting_training_type")                                          \
    X(VIEWING_TRAINING_COMPARISON, "viewing_training_comparison")                                  \
    X(CONFIRMING_TRAINING_TYPE, "confirming_training_type")                                        \
    X(SELECTING_AVATAR_TYPE, "selecting_avatar_type")                                              \
    X(SELECTING_GENDER, "selecting_gender")                                                        \
    X(ENTERING_NAME, "entering_name")                                                              \
    X(UPLOADING_PHOTOS, "uploading_photos")                                                        \
    X(VIEWING_PHOTO_GALLERY, "viewing_photo_gallery")                                              \
    X(CONFIRMING_PHOTOS, "confirming_photos")                                                      \
    X(INSUFFICIENT_PHOTOS, "insufficient_photos")                                                  \
    X(PHOTO_VALIDATION_ERROR, "photo_validation_error")                                            \
    X(CONFIRMING_TRAINING, "confirming_training")                                                  \
    X(TRAINING_IN_PROGRESS, "training_in_progress")                                                \
    X(TRAINING_COMPLETED, "training_completed")                                                    \
    X(TRAINING_CANCELLED, "training_cancelled")                                                    \
    X(TRAINING_ERROR, "training_error")                                                            \
    X(AVATAR_GALLERY, "avatar_gallery")                                                            \
    X(AVATAR_DETAILS, "avatar_details")                                                            \
    X(EDITING_AVATAR, "editing_avatar")                                                            \
    X(DELETING_AVATAR, "deleting_avatar")                                                          \
    X(CHOOSING_LANGUAGE, "choosing_language")                                                      \
    X(GEN_PROMPT, "generation_prompt")                                                             \
    X(GEN_ASPECT, "generation_aspect")                                                             \
    X(GEN_COUNT, "generation_count")                                                               \
    X(GENERATING, "generating")                                                                    \
    X(GEN_PICTURES, "generation_pictures")                                                         \
    X(CONFIRMING_FORGET, "confirming_forget")                                                      \
    X(BALANCE, "balance")                                                                          \
    X(TOP_UP, "top_up")                                                                            \
    X(ENTERING_PROMO, "entering_promo")                                                            \
    X(PRIVACY_NOTICE, "privacy_notice")

typedef enum {
#define AB_STATE_ENUM(id, name) AB_ST_##id,
    AB_STATES(AB_STATE_ENUM)
#undef AB_STATE_ENUM
        AB_ST__COUNT,
    AB_ST_ANY = 100, /* table rows valid in every state */
    AB_ST_SAME = 101 /* table rows that keep the current state */
} ab_state;

/* Events: commands, free input, and the strictly parsed buttons (see event.c for their
 * callback_data). */
#define AB_EVENTS(X)                                                                               \
    X(CMD_START, "/start")                                                                         \
    X(CMD_AVATAR, "/avatar")                                                                       \
    X(CMD_HELP, "/help")                                                                           \
    X(CMD_CANCEL, "/cancel")                                                                       \
    X(CMD_LANGUAGE, "/language")                                                                   \
    X(CMD_FORGET, "/forget")                                                                       \
    X(CMD_UNKNOWN, "unknown command")                                                              \
    X(TEXT, "text")                                                                                \
    X(PHOTO, "photo")                                                                              \
    X(DOCUMENT, "document")                                                                        \
    X(OTHER_MESSAGE, "other message")                                                              \
    X(BTN_MAIN_MENU, "main menu")                                                                  \
    X(BTN_AVATAR_MENU, "avatar menu")                                                              \
    X(BTN_HELP, "help")                                                                            \
    X(BTN_CREATE, "create")                                                                        \
    X(BTN_LIST, "my avatars")                                                                      \
    X(BTN_BACK, "back")                                                                            \
    X(BTN_TYPE_PORTRAIT, "portrait")                                                               \
    X(BTN_TYPE_STYLE, "style")                                                                     \
    X(BTN_COMPARE, "compare types")                                                                \
    X(BTN_TYPE_CONFIRM, "continue")                                                                \
    X(BTN_AVTYPE_CHARACTER, "depicts a person")                                                    \
    X(BTN_AVTYPE_STYLE, "depicts a style")                                                         \
    X(BTN_AVTYPE_PRODUCT, "depicts a product")                                                     \
    X(BTN_AVTYPE_GENERAL, "depicts anything")                                                      \
    X(BTN_GENDER_MALE, "male")                                                                     \
    X(BTN_GENDER_FEMALE, "female")                                                                 \
    X(BTN_GENDER_OTHER, "other")                                                                   \
    X(BTN_UPLOAD_ADD, "add photo")                                                                 \
    X(BTN_UPLOAD_VIEW, "view photos")                                                              \
    X(BTN_UPLOAD_TIPS, "quality tips")                                                             \
    X(BTN_UPLOAD_SCREEN, "upload screen")                                                          \
    X(BTN_UPLOAD_BACK, "leave upload")                                                             \
    X(BTN_AVATAR_SHOW, "avatar details")                                                           \
    X(BTN_AVATAR_UPLOAD, "continue upload")                                                        \
    X(BTN_AVATAR_RENAME, "rename")                                                                 \
    X(BTN_AVATAR_DELETE, "delete")                                                                 \
    X(BTN_AVATAR_DELETE_OK, "confirm delete")                                                      \
    X(BTN_PHOTO_PAGE, "photos page")                                                               \
    X(BTN_PHOTO_DELETE, "delete photo")                                                            \
    X(BTN_TRAIN_START, "start training")                                                           \
    X(BTN_TRAIN_GO, "confirm training")                                                            \
    X(BTN_TRAIN_CANCEL, "cancel training")                                                         \
    X(BTN_LANGUAGE_MENU, "language menu")                                                          \
    X(BTN_LANGUAGE, "language")                                                                    \
    X(BTN_GEN_START, "create pictures")                                                            \
    X(BTN_GEN_PRESET, "picture style")                                                             \
    X(BTN_GEN_ASPECT, "picture shape")                                                             \
    X(BTN_GEN_COUNT, "picture count")                                                              \
    X(BTN_GEN_AGAIN, "more like this")                                                             \
    X(BTN_GEN_FILES, "full-quality files")                                                         \
    X(BTN_GEN_PICTURES, "my pictures")                                                             \
    X(BTN_GEN_PICTURES_PAGE, "pictures page")                                                      \
    X(BTN_FORGET_OK, "erase my data")                                                              \
    X(BTN_BALANCE, "balance")                                                                      \
    X(BTN_BUY, "buy credits")                                                                      \
    X(BTN_PROMO, "promo code")                                                                     \
    X(BTN_PRIVACY_OK, "agree to privacy")                                                          \
    X(BTN_INVALID, "unknown button")                                                               \
    X(BOT_BLOCKED, "bot blocked")                                                                  \
    X(BOT_UNBLOCKED, "bot unblocked")                                                              \
    X(IGNORED, "ignored")                                                                          \
    X(CMD_BALANCE, "/balance")                                                                     \
    X(CMD_TERMS, "/terms")                                                                         \
    X(CMD_PAYSUPPORT, "/paysupport")                                                               \
    X(PAYMENT, "payment")                                                                          \
    X(CMD_PROMO, "/promo")                                                                         \
    X(CMD_PRIVACY, "/privacy")

typedef enum {
#define AB_EVENT_ENUM(id, name) AB_EV_##id,
    AB_EVENTS(AB_EVENT_ENUM)
#undef AB_EVENT_ENUM
        AB_EV__COUNT
} ab_event;

/** Stable name of a state ("avatar_menu"), "*" for AB_ST_ANY. */
const char *ab_state_name(ab_state s);
/** Parses a stored state name; false for unknown names. */
bool ab_state_parse(const char *name, ab_state *out);
/** Display name of an event. */
const char *ab_event_name(ab_event e);

#endif
