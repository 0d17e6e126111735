/* The message catalogue: every text the bot shows, by id, in the user's language. The ids are
 * listed here; their English source texts are in messages_source.c and their translations in
 * po/<language>.po, compiled into the binary at build time (ui/catalog.h). A language is an
 * index into the compiled catalogues, so adding one is adding a PO file. */
#ifndef AB_UI_MESSAGES_H
#define AB_UI_MESSAGES_H

#include <stdbool.h>

/** A language: an index into the compiled catalogues, 0 being the default (Russian). */
typedef int ab_lang;

#define AB_MESSAGES(X)                                                                             \
    X(MAIN_MENU)                                                                                   \
    X(BTN_AVATARS)                                                                                 \
    X(BTN_HELP)                                                                                    \
    X(BTN_LANGUAGE)                                                                                \
    X(CHOOSE_LANGUAGE)                                                                             \
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
    X(CHOOSE_AVATAR_TYPE)                                                                          \
    X(BTN_AVTYPE_CHARACTER)                                                                        \
    X(BTN_AVTYPE_STYLE)                                                                            \
    X(BTN_AVTYPE_PRODUCT)                                                                          \
    X(BTN_AVTYPE_GENERAL)                                                                          \
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
    X(UPLOAD_SCREEN_ENOUGH)                                                                        \
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
    X(BATCH_DONE_ENOUGH)                                                                           \
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
    X(BTN_TRAIN_STOP)                                                                              \
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
    X(CMD_START)                                                                                   \
    X(CMD_HELP)                                                                                    \
    X(CMD_CANCEL)                                                                                  \
    X(CMD_LANGUAGE)                                                                                \
    X(ERROR_GENERIC)                                                                               \
    X(BTN_GENERATE)                                                                                \
    X(GEN_PROMPT)                                                                                  \
    X(GEN_PROMPT_EMPTY)                                                                            \
    X(GEN_PROMPT_TOO_LONG)                                                                         \
    X(PRESET_BUSINESS)                                                                             \
    X(PRESET_STUDIO)                                                                               \
    X(PRESET_NOIR)                                                                                 \
    X(PRESET_PARIS)                                                                                \
    X(PRESET_MOUNTAINS)                                                                            \
    X(PRESET_BEACH)                                                                                \
    X(PRESET_ELF)                                                                                  \
    X(PRESET_KNIGHT)                                                                               \
    X(PRESET_ASTRONAUT)                                                                            \
    X(PRESET_CYBERPUNK)                                                                            \
    X(PRESET_WATERCOLOR)                                                                           \
    X(PRESET_OIL)                                                                                  \
    X(GEN_ASPECT)                                                                                  \
    X(ASPECT_1_1)                                                                                  \
    X(ASPECT_3_4)                                                                                  \
    X(ASPECT_4_3)                                                                                  \
    X(ASPECT_9_16)                                                                                 \
    X(ASPECT_16_9)                                                                                 \
    X(GEN_COUNT)                                                                                   \
    X(GEN_WAITING)                                                                                 \
    X(GEN_QUEUED)                                                                                  \
    X(GEN_RUNNING)                                                                                 \
    X(GEN_DONE_LINE)                                                                               \
    X(GEN_FAILED_LINE)                                                                             \
    X(GEN_READY)                                                                                   \
    X(GEN_SOME_WITHHELD)                                                                           \
    X(GEN_ALL_WITHHELD)                                                                            \
    X(GEN_FAILED)                                                                                  \
    X(REASON_GEN_REFUSED)                                                                          \
    X(REASON_GEN_FAILED)                                                                           \
    X(REASON_GEN_UNAVAILABLE)                                                                      \
    X(REASON_GEN_TOO_LONG)                                                                         \
    X(GEN_BUSY)                                                                                    \
    X(GEN_LIMIT)                                                                                   \
    X(GEN_NO_MODEL)                                                                                \
    X(GEN_NOT_FOUND)                                                                               \
    X(GEN_FILES_SENDING)                                                                           \
    X(GEN_FILES_NONE)                                                                              \
    X(BTN_GEN_MORE)                                                                                \
    X(BTN_GEN_NEW)                                                                                 \
    X(BTN_GEN_FILES)                                                                               \
    X(BTN_GEN_BACK)                                                                                \
    X(BTN_MY_PICTURES)                                                                             \
    X(GEN_PICTURES)                                                                                \
    X(GEN_PICTURES_NONE)                                                                           \
    X(BTN_RETRAIN)                                                                                 \
    X(BTN_TRAINING_PHOTOS)                                                                         \
    X(FORGET_CONFIRM)                                                                              \
    X(BTN_FORGET_OK)                                                                               \
    X(FORGET_STARTED)                                                                              \
    X(FORGET_DONE)                                                                                 \
    X(BTN_BALANCE)                                                                                 \
    X(BALANCE)                                                                                     \
    X(BALANCE_PRICES)                                                                              \
    X(BALANCE_BUY)                                                                                 \
    X(BALANCE_HISTORY)                                                                             \
    X(BALANCE_HISTORY_NONE)                                                                        \
    X(LEDGER_WELCOME)                                                                              \
    X(LEDGER_PURCHASE)                                                                             \
    X(LEDGER_TRAINING)                                                                             \
    X(LEDGER_IMAGES)                                                                               \
    X(LEDGER_REFUND)                                                                               \
    X(LEDGER_PROMO)                                                                                \
    X(LEDGER_ADJUSTMENT)                                                                           \
    X(BTN_BUY_PACK)                                                                                \
    X(INVOICE_TITLE)                                                                               \
    X(INVOICE_DESCRIPTION)                                                                         \
    X(PAYMENT_CREDITED)                                                                            \
    X(PAYMENT_UNMATCHED)                                                                           \
    X(PRECHECKOUT_REFUSED)                                                                         \
    X(PRECHECKOUT_OFF)                                                                             \
    X(TERMS)                                                                                       \
    X(PAYSUPPORT)                                                                                  \
    X(PRICE_TRAINING)                                                                              \
    X(PRICE_IMAGE)                                                                                 \
    X(TOPUP)                                                                                       \
    X(STUDIO_FULL)                                                                                 \
    X(CREDITS_REFUNDED)                                                                            \
    X(BTN_PROMO)                                                                                   \
    X(PROMO_ASK)                                                                                   \
    X(PROMO_OK)                                                                                    \
    X(PROMO_UNKNOWN)                                                                               \
    X(PROMO_EXPIRED)                                                                               \
    X(PROMO_USED_UP)                                                                               \
    X(PROMO_ALREADY)                                                                               \
    X(CMD_BALANCE)                                                                                 \
    X(CMD_PROMO)                                                                                   \
    X(CMD_TERMS)                                                                                   \
    X(CMD_PAYSUPPORT)                                                                              \
    X(PRIVACY)                                                                                     \
    X(PRIVACY_AGREED)                                                                              \
    X(BTN_PRIVACY_OK)                                                                              \
    X(CMD_PRIVACY)

typedef enum {
#define AB_MSG_ENUM(id) AB_MSG_##id,
    AB_MESSAGES(AB_MSG_ENUM)
#undef AB_MSG_ENUM
        AB_MSG__COUNT
} ab_msg_id;

/** A message's source text (English): the msgid, and msgid_plural when it shows a count. */
typedef struct {
    const char *context; /* msgctxt, when two messages share an English text; else NULL */
    const char *msgid;
    const char *plural; /* NULL unless the text has plural forms (use ab_msgn) */
} ab_msg_source;

extern const ab_msg_source ab_msg_sources[AB_MSG__COUNT];

/** How many languages the build carries (one per PO file in po/). */
int ab_lang_count(void);
/** A language's code as in its PO header ("ru", "en"); "" out of range. */
const char *ab_lang_code(ab_lang lang);
/** A language's own name from its PO header (X-Language-Name: "Русский"). */
const char *ab_lang_name(ab_lang lang);
/** The language of a code, exactly or by its primary subtag ("en-GB" → en); false if none. */
bool ab_lang_find(const char *code, ab_lang *out);
/** Language for a Telegram language_code: ab_lang_find, else the default (NULL → default). */
ab_lang ab_lang_from_code(const char *language_code);
/** The text (a printf format where the message takes values; %1$s style positions work).
 *  Never NULL. For a text with plural forms, its form for 1. */
const char *ab_msg(ab_lang lang, ab_msg_id id);
/** The form of a text for the count n (ngettext): the language's Plural-Forms rule picks it. */
const char *ab_msgn(ab_lang lang, ab_msg_id id, unsigned long n);
/** Whether lang's catalogue has a translation of id (else ab_msg falls back to English). */
bool ab_msg_translated(ab_lang lang, ab_msg_id id);
/** Name of a message id, for tests and diagnostics. */
const char *ab_msg_name(ab_msg_id id);

#endif
