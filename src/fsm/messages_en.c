/* English texts (for language_code en*). */
#include "fsm/messages.h"

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
    [AB_MSG_ERROR_GENERIC] = "😔 Something went wrong on our side. Please try again in a moment "
                             "or send /start.",
};
