/* The message catalogue: every text the bot shows, by id, in each language. Russian is the
 * default; English for users whose language_code starts with "en". Format specifiers must
 * match between languages (a unit test checks). */
#ifndef AB_UI_MESSAGES_H
#define AB_UI_MESSAGES_H

typedef enum { AB_LANG_RU = 0, AB_LANG_EN, AB_LANG__COUNT } ab_lang;

#define AB_MESSAGES(X)                                                                             \
    X(MAIN_MENU)                                                                                   \
    X(BTN_AVATARS)                                                                                 \
    X(BTN_HELP)                                                                                    \
    X(AVATAR_MENU)                                                                                 \
    X(BTN_CREATE)                                                                                  \
    X(BTN_MY_AVATARS)                                                                              \
    X(BTN_BACK_MAIN)                                                                               \
    X(BTN_BACK)                                                                                    \
    X(HELP)                                                                                        \
    X(CHOOSE_TYPE)                                                                                 \
    X(BTN_PORTRAIT)                                                                                \
    X(BTN_STYLE)                                                                                   \
    X(BTN_COMPARE)                                                                                 \
    X(GALLERY_EMPTY)                                                                               \
    X(HINT_MENU)                                                                                   \
    X(UNKNOWN_COMMAND)                                                                             \
    X(STALE_BUTTON)                                                                                \
    X(COMPARE_TYPES)                                                                               \
    X(CONFIRM_PORTRAIT)                                                                            \
    X(CONFIRM_STYLE)                                                                               \
    X(BTN_CONTINUE)                                                                                \
    X(CHOOSE_GENDER)                                                                               \
    X(BTN_MALE)                                                                                    \
    X(BTN_FEMALE)                                                                                  \
    X(BTN_OTHER)                                                                                   \
    X(ENTER_NAME)                                                                                  \
    X(NAME_EMPTY)                                                                                  \
    X(NAME_TOO_LONG)                                                                               \
    X(NAME_BAD_CHARS)                                                                              \
    X(NAME_TAKEN)                                                                                  \
    X(NAME_AGAIN)                                                                                  \
    X(AVATAR_LIMIT)                                                                                \
    X(UPLOAD_SCREEN)                                                                               \
    X(BTN_ADD_PHOTO)                                                                               \
    X(BTN_VIEW_PHOTOS)                                                                             \
    X(BTN_TIPS)                                                                                    \
    X(ADD_PHOTO_HINT)                                                                              \
    X(NO_PHOTOS_YET)                                                                               \
    X(TIPS)                                                                                        \
    X(GALLERY_TITLE)                                                                               \
    X(GALLERY_LINE)                                                                                \
    X(GALLERY_PAGE)                                                                                \
    X(BTN_PREV)                                                                                    \
    X(BTN_NEXT)                                                                                    \
    X(TYPE_PORTRAIT)                                                                               \
    X(TYPE_STYLE)                                                                                  \
    X(GENDER_MALE)                                                                                 \
    X(GENDER_FEMALE)                                                                               \
    X(GENDER_OTHER)                                                                                \
    X(STATUS_DRAFT)                                                                                \
    X(STATUS_UPLOADING)                                                                            \
    X(STATUS_READY)                                                                                \
    X(STATUS_TRAINING)                                                                             \
    X(STATUS_COMPLETED)                                                                            \
    X(STATUS_ERROR)                                                                                \
    X(STATUS_CANCELLED)                                                                            \
    X(DETAILS)                                                                                     \
    X(BTN_CONTINUE_UPLOAD)                                                                         \
    X(BTN_RENAME)                                                                                  \
    X(BTN_DELETE)                                                                                  \
    X(RENAME_PROMPT)                                                                               \
    X(RENAMED)                                                                                     \
    X(DELETE_CONFIRM)                                                                              \
    X(BTN_DELETE_YES)                                                                              \
    X(BTN_DELETE_NO)                                                                               \
    X(DELETED)                                                                                     \
    X(AVATAR_NOT_FOUND)                                                                            \
    X(CANNOT_DELETE_TRAINING)                                                                      \
    X(CANCELLED)                                                                                   \
    X(HINT_TEXT_NAME)                                                                              \
    X(HINT_UPLOAD)                                                                                 \
    X(PHOTO_CHECKING)                                                                              \
    X(PHOTO_BAD_TYPE)                                                                              \
    X(PHOTO_TOO_LARGE)                                                                             \
    X(PHOTO_LIMIT)                                                                                 \
    X(BATCH_PROGRESS)                                                                              \
    X(BATCH_REJECTED)                                                                              \
    X(BATCH_DONE)                                                                                  \
    X(BATCH_ENOUGH)                                                                                \
    X(REASON_UNSUPPORTED_FORMAT)                                                                   \
    X(REASON_DAMAGED)                                                                              \
    X(REASON_TOO_SMALL)                                                                            \
    X(REASON_TOO_LARGE)                                                                            \
    X(REASON_TOO_LARGE_TO_CHECK)                                                                   \
    X(REASON_NO_FACE)                                                                              \
    X(REASON_MANY_FACES)                                                                           \
    X(REASON_TOO_BLURRY)                                                                           \
    X(REASON_TOO_DARK)                                                                             \
    X(REASON_DUPLICATE)                                                                            \
    X(REASON_LIMIT)                                                                                \
    X(REASON_DOWNLOAD_FAILED)                                                                      \
    X(REASON_CHECK_FAILED)                                                                         \
    X(PHOTOS_PAGE)                                                                                 \
    X(BTN_DELETE_N)                                                                                \
    X(PHOTO_DELETED)                                                                               \
    X(PHOTO_NOT_FOUND)                                                                             \
    X(BTN_TRAIN_START)                                                                             \
    X(BTN_TRAIN_RETRY)                                                                             \
    X(BTN_TRAIN_GO)                                                                                \
    X(BTN_TRAIN_CANCEL)                                                                            \
    X(BTN_TRAIN_PROGRESS)                                                                          \
    X(BTN_OPEN_AVATAR)                                                                             \
    X(CONFIRM_TRAINING)                                                                            \
    X(TRAINING_BUSY)                                                                               \
    X(TRAINING_NEED_PHOTOS)                                                                        \
    X(TRAINING_NOT_STARTABLE)                                                                      \
    X(TRAINING_PREPARING)                                                                          \
    X(TRAINING_QUEUED)                                                                             \
    X(TRAINING_PROGRESS)                                                                           \
    X(TRAINING_WAITING)                                                                            \
    X(TRAINING_STOPPING)                                                                           \
    X(TRAINING_TOO_LONG)                                                                           \
    X(TRAINING_DONE_LINE)                                                                          \
    X(TRAINING_STOPPED_LINE)                                                                       \
    X(TRAINING_COMPLETED)                                                                          \
    X(TRAINING_FAILED)                                                                             \
    X(TRAINING_NOT_STARTED)                                                                        \
    X(TRAINING_CANCELLED)                                                                          \
    X(TRAINING_CANCELLING)                                                                         \
    X(TRAINING_NOT_RUNNING)                                                                        \
    X(REASON_FAL_REFUSED)                                                                          \
    X(REASON_FAL_FAILED)                                                                           \
    X(REASON_FAL_UNAVAILABLE)                                                                      \
    X(REASON_FAL_TOO_LONG)                                                                         \
    X(ERROR_GENERIC)

typedef enum {
#define AB_MSG_ENUM(id) AB_MSG_##id,
    AB_MESSAGES(AB_MSG_ENUM)
#undef AB_MSG_ENUM
        AB_MSG__COUNT
} ab_msg_id;

/** Language for a Telegram language_code (NULL → Russian). */
ab_lang ab_lang_from_code(const char *language_code);
/** The text (a printf format where the message takes values). Never NULL. */
const char *ab_msg(ab_lang lang, ab_msg_id id);
/** Name of a message id, for tests and diagnostics. */
const char *ab_msg_name(ab_msg_id id);

extern const char *const ab_messages_ru[AB_MSG__COUNT];
extern const char *const ab_messages_en[AB_MSG__COUNT];

#endif
