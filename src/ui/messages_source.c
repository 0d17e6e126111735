/* The source texts: every message the bot shows, in English, next to its id. They are the
 * msgids of the gettext catalogues: `cmake --build build --target pot` extracts
 * po/avatarbot.pot from this file with xgettext (keywords N_, NP_ and NC_ below) and merges it
 * into the PO files in po/, where translators work; the build compiles each PO into a table (see
 * ui/catalog.h). A text that shows a count has a plural pair (NP_), chosen with ab_msgn. Two
 * messages with the same English text need a context (NC_) to be translated apart. */
#include "ui/messages.h"

#include <stddef.h>

#define N_(text) {NULL, text, NULL}
#define NP_(one, many) {NULL, one, many}
#define NC_(context, text) {context, text, NULL}

const ab_msg_source ab_msg_sources[AB_MSG__COUNT] = {
    [AB_MSG_MAIN_MENU] = N_("🏠 Main menu\n"
                            "\n"
                            "Create personal AI avatars from your photos here. Choose a section:"),
    [AB_MSG_BTN_AVATARS] = N_("🎭 Avatars"),
    [AB_MSG_BTN_HELP] = N_("ℹ️ Help"),
    [AB_MSG_BTN_LANGUAGE] = N_("🌐 Language"),
    [AB_MSG_CHOOSE_LANGUAGE] = N_("🌐 Choose the bot's language:"),
    [AB_MSG_AVATAR_MENU] = N_("🎭 Avatar menu\n"
                              "\n"
                              "An avatar is your personal AI model: upload 10–50 photos and it learns to picture you in any style.\n"
                              "\n"
                              "Your avatars: %d"),
    [AB_MSG_BTN_CREATE] = N_("🆕 Create avatar"),
    [AB_MSG_BTN_MY_AVATARS] = N_("📁 My avatars (%d)"),
    [AB_MSG_BTN_BACK_MAIN] = N_("◀️ Main menu"),
    [AB_MSG_BTN_BACK] = N_("◀️ Back"),
    [AB_MSG_HELP] = N_("ℹ️ Help\n"
                       "\n"
                       "1. Tap “Create avatar” and choose a training type.\n"
                       "2. Pick a gender and a name.\n"
                       "3. Upload 10 to 50 photos: face clearly visible, different angles, good light, no filters.\n"
                       "4. Start training — it takes 3 to 30 minutes, and you will see the progress right here.\n"
                       "5. When the avatar is ready, tap “🎨 Create pictures”: pick a style or describe the scene.\n"
                       "\n"
                       "Commands: /start — menu, /cancel — cancel input, /language — the language, /forget — delete all your data, /help — this help."),
    [AB_MSG_CHOOSE_TYPE] = N_("🎓 Choose a training type\n"
                              "\n"
                              "🎭 Portrait (recommended) — for faces: the closest likeness of you, ready in 3–15 min.\n"
                              "🎨 Artistic (universal) — styles, objects, looks, and people too; ready in 5–30 min."),
    [AB_MSG_BTN_PORTRAIT] = N_("🎭 Portrait (recommended)"),
    [AB_MSG_BTN_STYLE] = N_("🎨 Artistic (universal)"),
    [AB_MSG_BTN_COMPARE] = N_("📊 Compare types"),
    [AB_MSG_GALLERY_EMPTY] = N_("🖼 My avatars\n"
                                "\n"
                                "You have no avatars yet. Create your first one — it takes a couple of minutes."),
    [AB_MSG_HINT_MENU] = N_("Please use the buttons below."),
    [AB_MSG_UNKNOWN_COMMAND] = N_("I don't know that command. Here is the menu:"),
    [AB_MSG_STALE_BUTTON] = N_("This button is out of date"),
    [AB_MSG_COMPARE_TYPES] = N_("📊 Training types compared\n"
                                "\n"
                                "🎭 Portrait\n"
                                "• best for faces and portraits\n"
                                "• the closest likeness of your face\n"
                                "• ready in 3–15 min\n"
                                "• needs photos where the face is clearly visible\n"
                                "\n"
                                "🎨 Artistic\n"
                                "• styles, objects, looks — and people too\n"
                                "• learns a whole style or subject\n"
                                "• ready in 5–30 min\n"
                                "• needs varied photos of one subject or style"),
    [AB_MSG_CONFIRM_PORTRAIT] = N_("🎭 Portrait avatar\n"
                                   "\n"
                                   "Learns from photos of your face and gives the closest likeness. Training takes 3–15 minutes.\n"
                                   "\n"
                                   "Continue with this type?"),
    [AB_MSG_CONFIRM_STYLE] = N_("🎨 Artistic avatar\n"
                                "\n"
                                "Learns a whole style, object or look and brings it into any scene. Training takes 5–30 minutes.\n"
                                "\n"
                                "Continue with this type?"),
    [AB_MSG_BTN_CONTINUE] = N_("✅ Continue"),
    [AB_MSG_CHOOSE_AVATAR_TYPE] = N_("🎨 What will this avatar depict?\n"
                                     "\n"
                                     "The training focuses on it, so the pictures come out more accurate:\n"
                                     "• a person or character — one face and figure\n"
                                     "• an art style — the look of your pictures rather than a subject\n"
                                     "• a product or object — one thing, from every side\n"
                                     "• something else — no particular focus"),
    [AB_MSG_BTN_AVTYPE_CHARACTER] = N_("🧑 A person or character"),
    [AB_MSG_BTN_AVTYPE_STYLE] = N_("🖌 An art style"),
    [AB_MSG_BTN_AVTYPE_PRODUCT] = N_("📦 A product or object"),
    [AB_MSG_BTN_AVTYPE_GENERAL] = N_("✨ Something else"),
    [AB_MSG_CHOOSE_GENDER] = N_("👤 Choose the avatar's gender — it makes the pictures more accurate."),
    [AB_MSG_BTN_MALE] = N_("👨 Male"),
    [AB_MSG_BTN_FEMALE] = N_("👩 Female"),
    [AB_MSG_BTN_OTHER] = N_("🧑 Other"),
    [AB_MSG_ENTER_NAME] = N_("✏️ Name your avatar: up to 40 characters — letters, digits, spaces, “-” and “_”. For example: Anna or Me_in_the_mountains."),
    [AB_MSG_NAME_EMPTY] = N_("The name cannot be empty."),
    [AB_MSG_NAME_TOO_LONG] = N_("The name is longer than 40 characters — please shorten it."),
    [AB_MSG_NAME_BAD_CHARS] = N_("A name may only contain letters, digits, spaces, “-” and “_”."),
    [AB_MSG_NAME_TAKEN] = N_("You already have an avatar named “%s” — please choose another name."),
    [AB_MSG_NAME_AGAIN] = N_("Try again:"),
    [AB_MSG_AVATAR_LIMIT] = N_("You already have 10 avatars, the maximum. Delete one you no longer need to create a new one."),
    [AB_MSG_UPLOAD_SCREEN] = N_("📸 Uploading photos\n"
                                "Avatar: “%s”\n"
                                "\n"
                                "Uploaded: %d/10 photos\n"
                                "Minimum required: 10\n"
                                "\n"
                                "Send photos to this chat — one by one or as an album."),
    [AB_MSG_UPLOAD_SCREEN_ENOUGH] = NP_("📸 Uploading photos\n"
                                        "Avatar: “%s”\n"
                                        "\n"
                                        "Uploaded: %d photo (min. 10, max. 50)\n"
                                        "✅ Enough to train.\n"
                                        "\n"
                                        "More photos, a closer likeness: up to 50.",
                                        "📸 Uploading photos\n"
                                        "Avatar: “%s”\n"
                                        "\n"
                                        "Uploaded: %d photos (min. 10, max. 50)\n"
                                        "✅ Enough to train.\n"
                                        "\n"
                                        "More photos, a closer likeness: up to 50."),
    [AB_MSG_BTN_ADD_PHOTO] = N_("📷 Add photo"),
    [AB_MSG_BTN_VIEW_PHOTOS] = N_("🖼️ View (%d)"),
    [AB_MSG_BTN_TIPS] = N_("💡 Quality tips"),
    [AB_MSG_ADD_PHOTO_HINT] = N_("Send photos to this chat — an album works too"),
    [AB_MSG_NO_PHOTOS_YET] = N_("No accepted photos yet"),
    [AB_MSG_TIPS] = N_("💡 What makes good training photos\n"
                       "\n"
                       "• 10–50 photos, the more varied the better\n"
                       "• the face clearly visible, no sunglasses or masks\n"
                       "• different angles, expressions and backgrounds\n"
                       "• daylight, no harsh shadows\n"
                       "• no filters, retouching or other people in the frame\n"
                       "• sharp, not blurry, at least 512×512 pixels"),
    [AB_MSG_GALLERY_TITLE] = N_("🖼 My avatars (%d)\n"),
    [AB_MSG_GALLERY_LINE] = N_("\n"
                               "%d. %s — %s, %s"),
    [AB_MSG_GALLERY_PAGE] = N_("\n"
                               "\n"
                               "Page %d of %d"),
    [AB_MSG_BTN_PREV] = N_("◀️ Previous"),
    [AB_MSG_BTN_NEXT] = N_("Next ▶️"),
    [AB_MSG_TYPE_PORTRAIT] = N_("portrait"),
    [AB_MSG_TYPE_STYLE] = N_("artistic"),
    [AB_MSG_GENDER_MALE] = N_("male"),
    [AB_MSG_GENDER_FEMALE] = N_("female"),
    [AB_MSG_GENDER_OTHER] = N_("other"),
    [AB_MSG_STATUS_DRAFT] = N_("draft"),
    [AB_MSG_STATUS_UPLOADING] = N_("uploading photos"),
    [AB_MSG_STATUS_READY] = N_("ready to train"),
    [AB_MSG_STATUS_TRAINING] = N_("training"),
    [AB_MSG_STATUS_COMPLETED] = N_("ready"),
    [AB_MSG_STATUS_ERROR] = N_("training failed"),
    [AB_MSG_STATUS_CANCELLED] = N_("training cancelled"),
    [AB_MSG_DETAILS] = N_("🎭 %s\n"
                          "\n"
                          "Type: %s\n"
                          "Gender: %s\n"
                          "Status: %s\n"
                          "Photos: %d\n"
                          "Training progress: %d%%\n"
                          "Created: %s"),
    [AB_MSG_BTN_CONTINUE_UPLOAD] = N_("📸 Continue upload"),
    [AB_MSG_BTN_RENAME] = N_("✏️ Rename"),
    [AB_MSG_BTN_DELETE] = N_("🗑 Delete"),
    [AB_MSG_RENAME_PROMPT] = N_("✏️ New name for “%s” (up to 40 characters):"),
    [AB_MSG_RENAMED] = N_("✅ Renamed."),
    [AB_MSG_DELETE_CONFIRM] = N_("🗑 Delete the avatar “%s”?\n"
                                 "\n"
                                 "Its photos and trained model will be removed. This cannot be undone."),
    [AB_MSG_BTN_DELETE_YES] = N_("🗑 Yes, delete"),
    [AB_MSG_BTN_DELETE_NO] = N_("Cancel"),
    [AB_MSG_DELETED] = N_("The avatar “%s” was deleted."),
    [AB_MSG_AVATAR_NOT_FOUND] = N_("Avatar not found"),
    [AB_MSG_CANNOT_DELETE_TRAINING] = N_("This avatar is training — cancel the training first"),
    [AB_MSG_CANCELLED] = N_("OK, cancelled."),
    [AB_MSG_HINT_TEXT_NAME] = N_("Please send the avatar's name as text, or /cancel."),
    [AB_MSG_HINT_UPLOAD] = N_("I'm waiting for photos for this avatar: send a photo or a JPEG/PNG file."),
    [AB_MSG_PHOTO_CHECKING] = N_("📥 Got it, checking the photos…"),
    [AB_MSG_PHOTO_BAD_TYPE] = N_("This file won't do: send a photo or a JPEG/PNG image."),
    [AB_MSG_PHOTO_TOO_LARGE] = N_("The photo is over 10 MB — please send a smaller file."),
    [AB_MSG_PHOTO_LIMIT] = N_("This avatar already has 50 photos, the maximum."),
    [AB_MSG_BATCH_PROGRESS] = NP_("📸 %d of %d photo checked: %d accepted",
                                  "📸 %d of %d photos checked: %d accepted"),
    [AB_MSG_BATCH_REJECTED] = N_(", %d rejected (%s)"),
    [AB_MSG_BATCH_DONE] = N_("\n"
                             "\n"
                             "Uploaded: %d/10 photos\n"
                             "Minimum required: 10"),
    [AB_MSG_BATCH_DONE_ENOUGH] = NP_("\n"
                                     "\n"
                                     "Uploaded: %d photo (min. 10, max. 50)",
                                     "\n"
                                     "\n"
                                     "Uploaded: %d photos (min. 10, max. 50)"),
    [AB_MSG_BATCH_ENOUGH] = N_("\n"
                               "✅ Enough photos to train."),
    [AB_MSG_REASON_UNSUPPORTED_FORMAT] = N_("not a JPEG or PNG"),
    [AB_MSG_REASON_DAMAGED] = N_("the file is damaged"),
    [AB_MSG_REASON_TOO_SMALL] = N_("smaller than 512×512"),
    [AB_MSG_REASON_TOO_LARGE] = N_("over 10 MB"),
    [AB_MSG_REASON_TOO_LARGE_TO_CHECK] = N_("too large to check — please send a smaller one"),
    [AB_MSG_REASON_NO_FACE] = N_("no face found"),
    [AB_MSG_REASON_MANY_FACES] = N_("several faces — one person per photo"),
    [AB_MSG_REASON_TOO_BLURRY] = N_("too blurry"),
    [AB_MSG_REASON_TOO_DARK] = N_("too dark"),
    [AB_MSG_REASON_DUPLICATE] = N_("already uploaded"),
    [AB_MSG_REASON_LIMIT] = N_("already 50 photos"),
    [AB_MSG_REASON_DOWNLOAD_FAILED] = N_("could not be downloaded"),
    [AB_MSG_REASON_CHECK_FAILED] = N_("could not be checked — please send another photo"),
    [AB_MSG_PHOTOS_PAGE] = NP_("🖼 Photo %d–%d of %d (above). To delete it, tap 🗑 with its number.",
                               "🖼 Photos %d–%d of %d (above). To delete one, tap 🗑 with its number."),
    [AB_MSG_BTN_DELETE_N] = N_("🗑 %d"),
    [AB_MSG_PHOTO_DELETED] = N_("Photo deleted"),
    [AB_MSG_PHOTO_NOT_FOUND] = N_("Photo not found"),
    [AB_MSG_BTN_TRAIN_START] = N_("🚀 Start training"),
    [AB_MSG_BTN_TRAIN_RETRY] = N_("🔁 Train again"),
    [AB_MSG_BTN_TRAIN_GO] = N_("✅ Start"),
    [AB_MSG_BTN_TRAIN_CANCEL] = N_("⏸️ Cancel training"),
    [AB_MSG_BTN_TRAIN_STOP] = N_("⏸️ Cancel"),
    [AB_MSG_BTN_TRAIN_PROGRESS] = N_("📊 Progress"),
    [AB_MSG_BTN_OPEN_AVATAR] = N_("🎭 Open avatar"),
    [AB_MSG_CONFIRM_TRAINING] = N_("🚀 Training avatar “%s”\n"
                                   "\n"
                                   "Type: %s\n"
                                   "Photos: %d\n"
                                   "Expected time: %d–%d min\n"
                                   "\n"
                                   "I'll send a message when it's done. You can keep using the bot meanwhile."),
    [AB_MSG_TRAINING_BUSY] = N_("⏳ Avatar “%s” is training right now. One training at a time: wait for it to finish or cancel it."),
    [AB_MSG_TRAINING_NEED_PHOTOS] = N_("Training needs at least 10 accepted photos; “%s” has %d."),
    [AB_MSG_TRAINING_NOT_STARTABLE] = N_("This avatar can't be trained right now."),
    [AB_MSG_TRAINING_PREPARING] = N_("🤖 Avatar training: “%s”\n"
                                     "\n"
                                     "📊 Progress: 0%%\n"
                                     "⚡ Status: Preparing the photos..."),
    [AB_MSG_TRAINING_QUEUED] = N_("🤖 Avatar training: “%s”\n"
                                  "\n"
                                  "📊 Progress: 0%%\n"
                                  "⚡ Status: In the queue (position %d)..."),
    [AB_MSG_TRAINING_PROGRESS] = NP_("🤖 Avatar training: “%s”\n"
                                     "\n"
                                     "📊 Progress: %d%%\n"
                                     "⚡ Status: In progress...\n"
                                     "⏱️ About %d minute left",
                                     "🤖 Avatar training: “%s”\n"
                                     "\n"
                                     "📊 Progress: %d%%\n"
                                     "⚡ Status: In progress...\n"
                                     "⏱️ About %d minutes left"),
    [AB_MSG_TRAINING_WAITING] = N_("🤖 Avatar training: “%s”\n"
                                   "\n"
                                   "⚡ Status: Waiting for the training service — it is unavailable for the moment. I'll keep trying; nothing to do on your side."),
    [AB_MSG_TRAINING_STOPPING] = N_("🤖 Avatar training: “%s”\n"
                                    "\n"
                                    "⚡ Status: Stopping — the training service has not confirmed the stop yet. I'll tell you as soon as it has; until then this avatar cannot be trained again."),
    [AB_MSG_TRAINING_TOO_LONG] = N_("🤖 Avatar training: “%s”\n"
                                    "\n"
                                    "⚡ Status: Stopping — it is taking far longer than it should. I'll tell you as soon as the training service confirms."),
    [AB_MSG_TRAINING_DONE_LINE] = N_("🤖 Avatar training: “%s”\n"
                                     "\n"
                                     "📊 Progress: 100%%\n"
                                     "⚡ Status: Done ✅"),
    [AB_MSG_TRAINING_STOPPED_LINE] = N_("🤖 Avatar training: “%s”\n"
                                        "\n"
                                        "⚡ Status: Stopped ⏹"),
    [AB_MSG_TRAINING_COMPLETED] = N_("🎉 Your avatar “%s” is ready!"),
    [AB_MSG_TRAINING_FAILED] = N_("😔 Training of “%s” failed: %s.\n"
                                  "Your photos are kept — you can try again."),
    [AB_MSG_TRAINING_NOT_STARTED] = N_("😔 Could not start training “%s”: %s.\n"
                                       "Your photos are kept — please try again later."),
    [AB_MSG_TRAINING_CANCELLED] = N_("⏹ Training of “%s” cancelled. Your photos are kept — you can start it again."),
    [AB_MSG_TRAINING_CANCELLING] = N_("Cancelling the training…"),
    [AB_MSG_TRAINING_NOT_RUNNING] = N_("This avatar is not training"),
    [AB_MSG_REASON_FAL_REFUSED] = N_("the training service refused the job"),
    [AB_MSG_REASON_FAL_FAILED] = N_("the training service reported an error"),
    [AB_MSG_REASON_FAL_UNAVAILABLE] = N_("the training service is unavailable right now"),
    [AB_MSG_REASON_FAL_TOO_LONG] = N_("it took far longer than it should and was stopped"),
    [AB_MSG_CMD_START] = N_("Avatar menu"),
    [AB_MSG_CMD_HELP] = N_("How it works"),
    [AB_MSG_CMD_CANCEL] = N_("Cancel input"),
    [AB_MSG_CMD_LANGUAGE] = N_("Choose the language"),
    [AB_MSG_ERROR_GENERIC] = N_("😔 Something went wrong on our side. Please try again in a moment or send /start."),
    [AB_MSG_BTN_GENERATE] = N_("🎨 Create pictures"),
    [AB_MSG_GEN_PROMPT] = N_("🎨 New pictures of “%s”\n"
                             "\n"
                             "Pick a style below, or type in your own words what you want to see (up to %d characters), for example: “reading a book in a cozy café”."),
    [AB_MSG_GEN_PROMPT_EMPTY] = N_("✍️ The description is empty. Type what you want to see, or pick a style."),
    [AB_MSG_GEN_PROMPT_TOO_LONG] = N_("✍️ That description has %d characters; the limit is %d. Please make it shorter."),
    [AB_MSG_PRESET_BUSINESS] = N_("💼 Business portrait"),
    [AB_MSG_PRESET_STUDIO] = N_("📸 Studio"),
    [AB_MSG_PRESET_NOIR] = N_("🎬 Film noir"),
    [AB_MSG_PRESET_PARIS] = N_("🗼 Paris"),
    [AB_MSG_PRESET_MOUNTAINS] = N_("🏔 Mountains"),
    [AB_MSG_PRESET_BEACH] = N_("🏝 Beach"),
    [AB_MSG_PRESET_ELF] = N_("🧝 Elf"),
    [AB_MSG_PRESET_KNIGHT] = N_("🛡 Knight"),
    [AB_MSG_PRESET_ASTRONAUT] = N_("🚀 Astronaut"),
    [AB_MSG_PRESET_CYBERPUNK] = N_("🌃 Cyberpunk"),
    [AB_MSG_PRESET_WATERCOLOR] = N_("🎨 Watercolor"),
    [AB_MSG_PRESET_OIL] = N_("🖼 Oil painting"),
    [AB_MSG_GEN_ASPECT] = N_("🎨 %s\n"
                             "\n"
                             "📐 Choose the shape of the pictures:"),
    [AB_MSG_ASPECT_1_1] = N_("⬜ 1:1 square"),
    [AB_MSG_ASPECT_3_4] = N_("📱 3:4 portrait"),
    [AB_MSG_ASPECT_4_3] = N_("🖼 4:3 landscape"),
    [AB_MSG_ASPECT_9_16] = N_("📲 9:16 story"),
    [AB_MSG_ASPECT_16_9] = N_("🖥 16:9 wide"),
    [AB_MSG_GEN_COUNT] = N_("🎨 %s · %s\n"
                            "\n"
                            "🔢 How many pictures?"),
    [AB_MSG_GEN_WAITING] = NP_("🎨 Creating %d picture with “%s”…\n"
                               "⏳ Getting ready",
                               "🎨 Creating %d pictures with “%s”…\n"
                               "⏳ Getting ready"),
    [AB_MSG_GEN_QUEUED] = NP_("🎨 Creating %d picture with “%s”…\n"
                              "⏳ Place in the queue: %d",
                              "🎨 Creating %d pictures with “%s”…\n"
                              "⏳ Place in the queue: %d"),
    [AB_MSG_GEN_RUNNING] = NP_("🎨 Creating %d picture with “%s”…\n"
                               "🖌 Drawing — almost there",
                               "🎨 Creating %d pictures with “%s”…\n"
                               "🖌 Drawing — almost there"),
    [AB_MSG_GEN_DONE_LINE] = NP_("🎨 %d picture with “%s” · ✅ done",
                                 "🎨 %d pictures with “%s” · ✅ done"),
    [AB_MSG_GEN_FAILED_LINE] = N_("🎨 Pictures with “%s” · ❌ not made"),
    [AB_MSG_GEN_READY] = N_("✨ Here they are! What next?"),
    [AB_MSG_GEN_SOME_WITHHELD] = NP_("🙈 %d picture is not shown: our safety check flagged it.",
                                     "🙈 %d pictures are not shown: our safety check flagged them."),
    [AB_MSG_GEN_ALL_WITHHELD] = N_("🙈 Our safety check flagged these pictures, so I can't show them. Try another description."),
    [AB_MSG_GEN_FAILED] = N_("😔 I couldn't make the pictures: %s. Please try again."),
    [AB_MSG_REASON_GEN_REFUSED] = N_("the picture service refused the request"),
    [AB_MSG_REASON_GEN_FAILED] = N_("the picture service reported an error"),
    [AB_MSG_REASON_GEN_UNAVAILABLE] = N_("the picture service is unavailable right now"),
    [AB_MSG_REASON_GEN_TOO_LONG] = N_("it took far longer than it should"),
    [AB_MSG_GEN_BUSY] = N_("⏳ Your previous pictures are still being made — wait for them, then ask for more."),
    [AB_MSG_GEN_LIMIT] = NP_("📅 Today's limit of %d picture is used up. Come back tomorrow!",
                             "📅 Today's limit of %d pictures is used up. Come back tomorrow!"),
    [AB_MSG_GEN_NO_MODEL] = N_("This avatar is not trained yet — train it first."),
    [AB_MSG_GEN_NOT_FOUND] = N_("These pictures are no longer available."),
    [AB_MSG_GEN_FILES_SENDING] = N_("📎 Sending the full-quality files…"),
    [AB_MSG_GEN_FILES_NONE] = N_("There are no files to send for these pictures."),
    [AB_MSG_BTN_GEN_MORE] = N_("🔁 More like this"),
    [AB_MSG_BTN_GEN_NEW] = N_("✍️ New description"),
    [AB_MSG_BTN_GEN_FILES] = N_("📎 Full-quality files"),
    [AB_MSG_BTN_GEN_BACK] = N_("◀️ Back to the avatar"),
    [AB_MSG_BTN_MY_PICTURES] = N_("🖼 My pictures (%d)"),
    [AB_MSG_GEN_PICTURES] = N_("🖼 Pictures with “%s”: %d–%d of %d, newest first"),
    [AB_MSG_GEN_PICTURES_NONE] = N_("🖼 No pictures with “%s” yet."),
    [AB_MSG_BTN_RETRAIN] = N_("🔁 Retrain"),
    [AB_MSG_BTN_TRAINING_PHOTOS] = N_("📸 Training photos (%d)"),
    [AB_MSG_FORGET_CONFIRM] = N_("🗑 Delete all your data?\n"
                                 "\n"
                                 "Your avatars, the photos you sent, the pictures made with them and your conversation with the bot are deleted for good, here and at the picture service. This cannot be undone."),
    [AB_MSG_BTN_FORGET_OK] = N_("🗑 Yes, delete everything"),
    [AB_MSG_FORGET_STARTED] = N_("⏳ Deleting your data…"),
    [AB_MSG_FORGET_DONE] = N_("✅ Your data is deleted. Send /start whenever you want to begin again."),
    [AB_MSG_BTN_BALANCE] = N_("💰 Balance"),
    [AB_MSG_BALANCE] = NP_("💰 Your balance: %d credit", "💰 Your balance: %d credits"),
    [AB_MSG_BALANCE_PRICES] = N_("A training costs %1$d credits, a picture %2$d."),
    [AB_MSG_BALANCE_BUY] = N_("Top up with Telegram Stars:"),
    [AB_MSG_BALANCE_HISTORY] = N_("Latest entries:"),
    [AB_MSG_BALANCE_HISTORY_NONE] = N_("No entries yet."),
    [AB_MSG_LEDGER_WELCOME] = N_("welcome gift"),
    [AB_MSG_LEDGER_PURCHASE] = N_("bought with Stars"),
    [AB_MSG_LEDGER_TRAINING] = N_("avatar training"),
    [AB_MSG_LEDGER_IMAGES] = N_("pictures"),
    [AB_MSG_LEDGER_REFUND] = N_("refund"),
    [AB_MSG_LEDGER_PROMO] = N_("promo code"),
    [AB_MSG_LEDGER_ADJUSTMENT] = N_("correction by support"),
    [AB_MSG_BTN_BUY_PACK] = N_("%1$d credits — %2$d ⭐"),
    [AB_MSG_INVOICE_TITLE] = N_("%d credits"),
    [AB_MSG_INVOICE_DESCRIPTION] = N_("%d credits for avatar trainings and pictures in this bot."),
    [AB_MSG_PAYMENT_CREDITED] = NP_("✅ Payment received: +%1$d credits. Your balance: %2$d credit.", "✅ Payment received: +%1$d credits. Your balance: %2$d credits."),
    [AB_MSG_PAYMENT_UNMATCHED] = N_("We received your payment but could not match it to a package. Please write to /paysupport: nothing is lost."),
    [AB_MSG_PRECHECKOUT_REFUSED] = N_("This package is no longer on offer. Open /balance and choose again."),
    [AB_MSG_PRECHECKOUT_OFF] = N_("Payments are not accepted at the moment."),
    [AB_MSG_TERMS] = N_("📄 Terms\n\nCredits pay for avatar trainings and pictures in this bot. They are sold for Telegram Stars, credited at once, and do not expire. Credits of a training or pictures that fail are given back. Credits already spent are not refunded; for a purchase you did not use, write to /paysupport."),
    [AB_MSG_PAYSUPPORT] = N_("💬 Help with payments\n\nIf something went wrong with a payment, contact the bot's operator (the contact is in the bot's profile) and give the date of the payment."),
    [AB_MSG_PRICE_TRAINING] = NP_("💰 Price: %1$d · your balance: %2$d credit", "💰 Price: %1$d · your balance: %2$d credits"),
    [AB_MSG_PRICE_IMAGE] = NP_("💰 A picture: %1$d · your balance: %2$d credit", "💰 A picture: %1$d · your balance: %2$d credits"),
    [AB_MSG_TOPUP] = N_("💰 Not enough credits: this costs %1$d, your balance is %2$d.\n\nTop up with Telegram Stars and you come back here:"),
    [AB_MSG_STUDIO_FULL] = N_("🌙 The studio is fully booked for today. Please come back tomorrow; nothing was charged."),
    [AB_MSG_CREDITS_REFUNDED] = NP_("↩️ %d credit is back on your balance.", "↩️ %d credits are back on your balance."),
    [AB_MSG_BTN_PROMO] = N_("🎟 Promo code"),
    [AB_MSG_PROMO_ASK] = N_("🎟 Send the promo code in a message."),
    [AB_MSG_PROMO_OK] = NP_("🎟 Code accepted: +%1$d credits. Your balance: %2$d credit.", "🎟 Code accepted: +%1$d credits. Your balance: %2$d credits."),
    [AB_MSG_PROMO_UNKNOWN] = N_("There is no such promo code. Check it and send it again."),
    [AB_MSG_PROMO_EXPIRED] = N_("This promo code has expired."),
    [AB_MSG_PROMO_USED_UP] = N_("This promo code has been used up."),
    [AB_MSG_PROMO_ALREADY] = N_("You have already used this promo code."),
    [AB_MSG_CMD_BALANCE] = N_("Your credits and top-up"),
    [AB_MSG_CMD_PROMO] = N_("Redeem a promo code"),
    [AB_MSG_CMD_TERMS] = N_("Terms of sale"),
    [AB_MSG_CMD_PAYSUPPORT] = N_("Help with payments"),
    [AB_MSG_PRIVACY] = NP_("🔒 Your privacy\n\nTo make your avatar, the bot keeps the photos you send, the trained model and the pictures you create, with your Telegram name and language. The photos go to the AI service that trains the model, for that only.\n\n• Photos are deleted %d day after the avatar's last training (the model stays usable).\n• The model and the pictures stay until you delete the avatar.\n• /forget deletes everything of yours at once; /privacy shows this again.", "🔒 Your privacy\n\nTo make your avatar, the bot keeps the photos you send, the trained model and the pictures you create, with your Telegram name and language. The photos go to the AI service that trains the model, for that only.\n\n• Photos are deleted %d days after the avatar's last training (the model stays usable).\n• The model and the pictures stay until you delete the avatar.\n• /forget deletes everything of yours at once; /privacy shows this again."),
    [AB_MSG_PRIVACY_AGREED] = N_("✅ You have agreed to this."),
    [AB_MSG_BTN_PRIVACY_OK] = N_("✅ I agree, continue"),
    [AB_MSG_CMD_PRIVACY] = N_("What is stored and how to delete it"),
};
