/* English texts (for language_code en*). */
#include "ui/messages.h"

const char *const ab_messages_en[AB_MSG__COUNT] = {
    [AB_MSG_MAIN_MENU] = "🏠 Main menu\n\nCreate personal AI avatars from your photos here. "
                         "Choose a section:",
    [AB_MSG_BTN_AVATARS] = "🎭 Avatars",
    [AB_MSG_BTN_HELP] = "❓ Help",
    [AB_MSG_AVATAR_MENU] = "🎭 Avatars\n\nAn avatar is your personal AI model: upload 10–50 "
                           "photos and it learns to picture you in any style.\n\n"
                           "Your avatars: %d",
    [AB_MSG_BTN_CREATE] = "➕ Create avatar",
    [AB_MSG_BTN_MY_AVATARS] = "🖼 My avatars (%d)",
    [AB_MSG_BTN_BACK_MAIN] = "⬅️ Main menu",
    [AB_MSG_BTN_BACK] = "⬅️ Back",
    [AB_MSG_HELP] = "❓ Help\n\n"
                    "1. Tap “Create avatar” and choose a training type.\n"
                    "2. Pick a gender and a name.\n"
                    "3. Upload 10 to 50 photos: face clearly visible, different angles, good "
                    "light, no filters.\n"
                    "4. Start training — it takes 3 to 30 minutes, and you will see the "
                    "progress right here.\n\n"
                    "Commands: /start — menu, /cancel — cancel input, /help — this help.",
    [AB_MSG_CHOOSE_TYPE] = "🎯 Choose a training type\n\n"
                           "👤 Portrait (recommended) — for faces: Flux LoRA Portrait Trainer, "
                           "3–15 min.\n"
                           "🎨 Style — universal: styles, objects, concepts; Flux Pro Trainer, "
                           "5–30 min.",
    [AB_MSG_BTN_PORTRAIT] = "👤 Portrait",
    [AB_MSG_BTN_STYLE] = "🎨 Style",
    [AB_MSG_BTN_COMPARE] = "📊 Compare types",
    [AB_MSG_GALLERY_EMPTY] = "🖼 My avatars\n\nYou have no avatars yet. Create your first one — "
                             "it takes a couple of minutes.",
    [AB_MSG_HINT_MENU] = "Please use the buttons below.",
    [AB_MSG_UNKNOWN_COMMAND] = "I don't know that command. Here is the menu:",
    [AB_MSG_STALE_BUTTON] = "This button is out of date",
    [AB_MSG_COMPARE_TYPES] = "📊 Training types compared\n\n"
                             "👤 Portrait\n"
                             "• best for faces and portraits\n"
                             "• Flux LoRA Portrait Trainer\n"
                             "• 3–15 min\n"
                             "• needs photos where the face is clearly visible\n\n"
                             "🎨 Style\n"
                             "• styles, objects, concepts — and people too\n"
                             "• Flux Pro Trainer\n"
                             "• 5–30 min\n"
                             "• needs varied photos of one subject or style",
    [AB_MSG_CONFIRM_PORTRAIT] = "👤 Portrait avatar\n\nFlux LoRA Portrait Trainer learns from "
                                "photos of your face and gives the closest likeness. Training "
                                "takes 3–15 minutes.\n\nContinue with this type?",
    [AB_MSG_CONFIRM_STYLE] = "🎨 Style avatar\n\nFlux Pro Trainer learns a whole style, object or "
                             "look. Training takes 5–30 minutes.\n\nContinue with this type?",
    [AB_MSG_BTN_CONTINUE] = "✅ Continue",
    [AB_MSG_CHOOSE_GENDER] = "👤 Choose the avatar's gender — it makes the pictures more accurate.",
    [AB_MSG_BTN_MALE] = "👨 Male",
    [AB_MSG_BTN_FEMALE] = "👩 Female",
    [AB_MSG_BTN_OTHER] = "🧑 Other",
    [AB_MSG_ENTER_NAME] = "✏️ Name your avatar: up to 40 characters — letters, digits, spaces, "
                          "“-” and “_”. For example: Anna or Me_in_the_mountains.",
    [AB_MSG_NAME_EMPTY] = "The name cannot be empty.",
    [AB_MSG_NAME_TOO_LONG] = "The name is longer than 40 characters — please shorten it.",
    [AB_MSG_NAME_BAD_CHARS] = "A name may only contain letters, digits, spaces, “-” and “_”.",
    [AB_MSG_NAME_TAKEN] = "You already have an avatar named “%s” — please choose another name.",
    [AB_MSG_NAME_AGAIN] = "Try again:",
    [AB_MSG_AVATAR_LIMIT] = "You already have 10 avatars, the maximum. Delete one you no longer "
                            "need to create a new one.",
    [AB_MSG_UPLOAD_SCREEN] = "📸 Photos for “%s”\n\nUploaded: %d/10 (minimum 10, maximum 50)."
                             "\n\nSend photos to this chat — one by one or as an album.",
    [AB_MSG_BTN_ADD_PHOTO] = "➕ Add photo",
    [AB_MSG_BTN_VIEW_PHOTOS] = "👀 View (%d)",
    [AB_MSG_BTN_TIPS] = "💡 Quality tips",
    [AB_MSG_ADD_PHOTO_HINT] = "Send photos to this chat — an album works too",
    [AB_MSG_NO_PHOTOS_YET] = "No accepted photos yet",
    [AB_MSG_TIPS] = "💡 What makes good training photos\n\n"
                    "• 10–50 photos, the more varied the better\n"
                    "• the face clearly visible, no sunglasses or masks\n"
                    "• different angles, expressions and backgrounds\n"
                    "• daylight, no harsh shadows\n"
                    "• no filters, retouching or other people in the frame\n"
                    "• sharp, not blurry, at least 512×512 pixels",
    [AB_MSG_GALLERY_TITLE] = "🖼 My avatars (%d)\n",
    [AB_MSG_GALLERY_LINE] = "\n%d. %s — %s, %s",
    [AB_MSG_GALLERY_PAGE] = "\n\nPage %d of %d",
    [AB_MSG_BTN_PREV] = "◀️ Previous",
    [AB_MSG_BTN_NEXT] = "Next ▶️",
    [AB_MSG_TYPE_PORTRAIT] = "portrait",
    [AB_MSG_TYPE_STYLE] = "style",
    [AB_MSG_GENDER_MALE] = "male",
    [AB_MSG_GENDER_FEMALE] = "female",
    [AB_MSG_GENDER_OTHER] = "other",
    [AB_MSG_STATUS_DRAFT] = "draft",
    [AB_MSG_STATUS_UPLOADING] = "uploading photos",
    [AB_MSG_STATUS_READY] = "ready to train",
    [AB_MSG_STATUS_TRAINING] = "training",
    [AB_MSG_STATUS_COMPLETED] = "ready",
    [AB_MSG_STATUS_ERROR] = "training failed",
    [AB_MSG_STATUS_CANCELLED] = "training cancelled",
    [AB_MSG_DETAILS] = "🎭 %s\n\nType: %s\nGender: %s\nStatus: %s\nPhotos: %d\nTraining progress: "
                       "%d%%\nCreated: %s",
    [AB_MSG_BTN_CONTINUE_UPLOAD] = "📸 Continue upload",
    [AB_MSG_BTN_RENAME] = "✏️ Rename",
    [AB_MSG_BTN_DELETE] = "🗑 Delete",
    [AB_MSG_RENAME_PROMPT] = "✏️ New name for “%s” (up to 40 characters):",
    [AB_MSG_RENAMED] = "✅ Renamed.",
    [AB_MSG_DELETE_CONFIRM] = "🗑 Delete the avatar “%s”?\n\nIts photos and trained model will be "
                              "removed. This cannot be undone.",
    [AB_MSG_BTN_DELETE_YES] = "🗑 Yes, delete",
    [AB_MSG_BTN_DELETE_NO] = "Cancel",
    [AB_MSG_DELETED] = "The avatar “%s” was deleted.",
    [AB_MSG_AVATAR_NOT_FOUND] = "Avatar not found",
    [AB_MSG_CANNOT_DELETE_TRAINING] = "This avatar is training — cancel the training first",
    [AB_MSG_CANCELLED] = "OK, cancelled.",
    [AB_MSG_HINT_TEXT_NAME] = "Please send the avatar's name as text, or /cancel.",
    [AB_MSG_HINT_UPLOAD] = "I'm waiting for photos for this avatar: send a photo or a JPEG/PNG "
                           "file.",
    [AB_MSG_PHOTO_CHECKING] = "📥 Got it, checking the photos…",
    [AB_MSG_PHOTO_BAD_TYPE] = "This file won't do: send a photo or a JPEG/PNG image.",
    [AB_MSG_PHOTO_TOO_LARGE] = "The photo is over 10 MB — please send a smaller file.",
    [AB_MSG_PHOTO_LIMIT] = "This avatar already has 50 photos, the maximum.",
    [AB_MSG_BATCH_PROGRESS] = "📸 %d of %d checked: %d accepted",
    [AB_MSG_BATCH_REJECTED] = ", %d rejected (%s)",
    [AB_MSG_BATCH_DONE] = "\n\nUploaded: %d/10 (minimum 10, maximum 50).",
    [AB_MSG_BATCH_ENOUGH] = "\n✅ Enough photos to train.",
    [AB_MSG_REASON_UNSUPPORTED_FORMAT] = "not a JPEG or PNG",
    [AB_MSG_REASON_DAMAGED] = "the file is damaged",
    [AB_MSG_REASON_TOO_SMALL] = "smaller than 512×512",
    [AB_MSG_REASON_TOO_LARGE] = "over 10 MB",
    [AB_MSG_REASON_TOO_LARGE_TO_CHECK] = "too large to check — please send a smaller one",
    [AB_MSG_REASON_NO_FACE] = "no face found",
    [AB_MSG_REASON_MANY_FACES] = "several faces — one person per photo",
    [AB_MSG_REASON_TOO_BLURRY] = "too blurry",
    [AB_MSG_REASON_TOO_DARK] = "too dark",
    [AB_MSG_REASON_DUPLICATE] = "already uploaded",
    [AB_MSG_REASON_LIMIT] = "already 50 photos",
    [AB_MSG_REASON_DOWNLOAD_FAILED] = "could not be downloaded",
    [AB_MSG_REASON_CHECK_FAILED] = "could not be checked — please send another photo",
    [AB_MSG_PHOTOS_PAGE] = "🖼 Photos %d–%d of %d (above). To delete one, tap 🗑 with its number.",
    [AB_MSG_BTN_DELETE_N] = "🗑 %d",
    [AB_MSG_PHOTO_DELETED] = "Photo deleted",
    [AB_MSG_PHOTO_NOT_FOUND] = "Photo not found",
    [AB_MSG_BTN_TRAIN_START] = "🚀 Start training",
    [AB_MSG_BTN_TRAIN_RETRY] = "🔁 Train again",
    [AB_MSG_BTN_TRAIN_GO] = "✅ Start",
    [AB_MSG_BTN_TRAIN_CANCEL] = "⏹ Cancel training",
    [AB_MSG_BTN_TRAIN_PROGRESS] = "📊 Progress",
    [AB_MSG_BTN_OPEN_AVATAR] = "🎭 Open avatar",
    [AB_MSG_CONFIRM_TRAINING] = "🚀 Training avatar “%s”\n\nType: %s\nPhotos: %d\nExpected time: %d–%d min\n\nI'll send a message when it's done. You can keep using the bot meanwhile.",
    [AB_MSG_TRAINING_BUSY] = "⏳ Avatar “%s” is training right now. One training at a time: wait for it to finish or cancel it.",
    [AB_MSG_TRAINING_NEED_PHOTOS] = "Training needs at least 10 accepted photos; “%s” has %d.",
    [AB_MSG_TRAINING_NOT_STARTABLE] = "This avatar can't be trained right now.",
    [AB_MSG_TRAINING_PREPARING] = "🧠 Training “%s”\n⏳ Preparing the photos…",
    [AB_MSG_TRAINING_QUEUED] = "🧠 Training “%s”\n⏳ Waiting in the queue (position %d)…",
    [AB_MSG_TRAINING_PROGRESS] = "🧠 Training “%s”\n📊 %d%% · ⏱ about %d min left",
    [AB_MSG_TRAINING_WAITING] = "🧠 Training “%s”\n⏳ Waiting for the training service — it is unavailable for the moment. I'll keep trying; nothing to do on your side.",
    [AB_MSG_TRAINING_STOPPING] = "🧠 Training “%s”\n⏹ Stopping it — the training service has not confirmed the stop yet. I'll tell you as soon as it has; until then this avatar cannot be trained again.",
    [AB_MSG_TRAINING_TOO_LONG] = "🧠 Training “%s”\n⏹ It is taking far longer than it should, so I am stopping it. I'll tell you as soon as the training service confirms.",
    [AB_MSG_TRAINING_DONE_LINE] = "🧠 Training “%s”\n✅ 100%% · done",
    [AB_MSG_TRAINING_STOPPED_LINE] = "🧠 Training “%s”\n⏹ stopped",
    [AB_MSG_TRAINING_COMPLETED] = "🎉 Your avatar “%s” is ready!",
    [AB_MSG_TRAINING_FAILED] = "😔 Training of “%s” failed: %s.\nYour photos are kept — you can try again.",
    [AB_MSG_TRAINING_NOT_STARTED] = "😔 Could not start training “%s”: %s.\nYour photos are kept — please try again later.",
    [AB_MSG_TRAINING_CANCELLED] = "⏹ Training of “%s” cancelled. Your photos are kept — you can start it again.",
    [AB_MSG_TRAINING_CANCELLING] = "Cancelling the training…",
    [AB_MSG_TRAINING_NOT_RUNNING] = "This avatar is not training",
    [AB_MSG_REASON_FAL_REFUSED] = "the training service refused the job",
    [AB_MSG_REASON_FAL_FAILED] = "the training service reported an error",
    [AB_MSG_REASON_FAL_UNAVAILABLE] = "the training service is unavailable right now",
    [AB_MSG_REASON_FAL_TOO_LONG] = "it took far longer than it should and was stopped",
    [AB_MSG_ERROR_GENERIC] = "😔 Something went wrong on our side. Please try again in a moment "
                             "or send /start.",
};
