/* THE transition table: the whole conversation graph in one place. `avatarbot fsm-graph`
 * prints it; tests walk it. Rows for a specific state win over AB_ST_ANY rows. */
#include "fsm/fsm.h"

#include <string.h>

#define ROW(from, ev, h, to)                                                                       \
    {                                                                                              \
        AB_ST_##from, AB_EV_##ev, h, #h, AB_ST_##to                                                \
    }

const ab_transition ab_fsm_table[] = {
    /* commands work everywhere */
    ROW(ANY, CMD_START, ab_h_start, AVATAR_MENU),
    ROW(ANY, CMD_AVATAR, ab_h_avatar_menu, AVATAR_MENU),
    ROW(ANY, CMD_HELP, ab_h_help, HELP),
    ROW(ANY, CMD_CANCEL, ab_h_cancel, AVATAR_MENU),
    ROW(ANY, CMD_UNKNOWN, ab_h_unknown_command, AVATAR_MENU),
    /* the language: /language or the main menu's button, then a pick from any screen */
    ROW(ANY, CMD_LANGUAGE, ab_h_language_menu, CHOOSING_LANGUAGE),
    ROW(ANY, BTN_LANGUAGE_MENU, ab_h_language_menu, CHOOSING_LANGUAGE),
    ROW(ANY, BTN_LANGUAGE, ab_h_language_chosen, MAIN_MENU),
    /* navigation buttons leave any screen */
    ROW(ANY, BTN_MAIN_MENU, ab_h_main_menu, MAIN_MENU),
    ROW(ANY, BTN_AVATAR_MENU, ab_h_avatar_menu, AVATAR_MENU),
    ROW(ANY, BTN_LIST, ab_h_gallery, AVATAR_GALLERY),
    ROW(ANY, BTN_AVATAR_SHOW, ab_h_details, AVATAR_DETAILS),
    ROW(ANY, BTN_AVATAR_UPLOAD, ab_h_continue_upload, UPLOADING_PHOTOS),
    /* menus */
    ROW(MAIN_MENU, BTN_HELP, ab_h_help, HELP),
    ROW(AVATAR_MENU, BTN_CREATE, ab_h_create, SELECTING_TRAINING_TYPE),
    ROW(AVATAR_MENU, BTN_HELP, ab_h_help, HELP),
    ROW(HELP, BTN_CREATE, ab_h_create, SELECTING_TRAINING_TYPE),
    /* creating an avatar */
    ROW(SELECTING_TRAINING_TYPE, BTN_TYPE_PORTRAIT, ab_h_type_chosen, CONFIRMING_TRAINING_TYPE),
    ROW(SELECTING_TRAINING_TYPE, BTN_TYPE_STYLE, ab_h_type_chosen, CONFIRMING_TRAINING_TYPE),
    ROW(SELECTING_TRAINING_TYPE, BTN_COMPARE, ab_h_compare, VIEWING_TRAINING_COMPARISON),
    ROW(VIEWING_TRAINING_COMPARISON, BTN_TYPE_PORTRAIT, ab_h_type_chosen, CONFIRMING_TRAINING_TYPE),
    ROW(VIEWING_TRAINING_COMPARISON, BTN_TYPE_STYLE, ab_h_type_chosen, CONFIRMING_TRAINING_TYPE),
    ROW(VIEWING_TRAINING_COMPARISON, BTN_BACK, ab_h_create, SELECTING_TRAINING_TYPE),
    /* a style avatar is asked what it depicts; a portrait one (a person) goes on to the gender
     * (its handler sets selecting_gender), and back from the gender comes the same way */
    ROW(CONFIRMING_TRAINING_TYPE, BTN_TYPE_CONFIRM, ab_h_type_confirmed, SELECTING_AVATAR_TYPE),
    ROW(CONFIRMING_TRAINING_TYPE, BTN_BACK, ab_h_create, SELECTING_TRAINING_TYPE),
    ROW(SELECTING_AVATAR_TYPE, BTN_AVTYPE_CHARACTER, ab_h_avatar_type_chosen, SELECTING_GENDER),
    ROW(SELECTING_AVATAR_TYPE, BTN_AVTYPE_STYLE, ab_h_avatar_type_chosen, SELECTING_GENDER),
    ROW(SELECTING_AVATAR_TYPE, BTN_AVTYPE_PRODUCT, ab_h_avatar_type_chosen, SELECTING_GENDER),
    ROW(SELECTING_AVATAR_TYPE, BTN_AVTYPE_GENERAL, ab_h_avatar_type_chosen, SELECTING_GENDER),
    ROW(SELECTING_AVATAR_TYPE, BTN_BACK, ab_h_type_back, CONFIRMING_TRAINING_TYPE),
    ROW(SELECTING_GENDER, BTN_GENDER_MALE, ab_h_gender_chosen, ENTERING_NAME),
    ROW(SELECTING_GENDER, BTN_GENDER_FEMALE, ab_h_gender_chosen, ENTERING_NAME),
    ROW(SELECTING_GENDER, BTN_GENDER_OTHER, ab_h_gender_chosen, ENTERING_NAME),
    ROW(SELECTING_GENDER, BTN_BACK, ab_h_gender_back, CONFIRMING_TRAINING_TYPE),
    ROW(ENTERING_NAME, TEXT, ab_h_name_entered, UPLOADING_PHOTOS), /* stays while invalid */
    ROW(ENTERING_NAME, BTN_BACK, ab_h_choose_gender, SELECTING_GENDER),
    /* the upload screen */
    ROW(UPLOADING_PHOTOS, BTN_UPLOAD_ADD, ab_h_upload_add, SAME),
    ROW(UPLOADING_PHOTOS, BTN_UPLOAD_VIEW, ab_h_upload_view, VIEWING_PHOTO_GALLERY),
    ROW(VIEWING_PHOTO_GALLERY, BTN_PHOTO_PAGE, ab_h_photo_page, SAME),
    ROW(VIEWING_PHOTO_GALLERY, BTN_PHOTO_DELETE, ab_h_photo_delete, SAME),
    ROW(VIEWING_PHOTO_GALLERY, BTN_UPLOAD_SCREEN, ab_h_upload_screen, UPLOADING_PHOTOS),
    ROW(VIEWING_PHOTO_GALLERY, PHOTO, ab_h_photo_received, UPLOADING_PHOTOS),
    ROW(VIEWING_PHOTO_GALLERY, DOCUMENT, ab_h_photo_received, UPLOADING_PHOTOS),
    ROW(UPLOADING_PHOTOS, BTN_UPLOAD_TIPS, ab_h_upload_tips, SAME),
    ROW(UPLOADING_PHOTOS, BTN_UPLOAD_SCREEN, ab_h_upload_screen, SAME),
    ROW(UPLOADING_PHOTOS, BTN_UPLOAD_BACK, ab_h_upload_back, AVATAR_DETAILS),
    ROW(UPLOADING_PHOTOS, PHOTO, ab_h_photo_received, SAME),
    ROW(UPLOADING_PHOTOS, DOCUMENT, ab_h_photo_received, SAME),
    /* an avatar's details: rename, delete */
    ROW(AVATAR_DETAILS, BTN_AVATAR_RENAME, ab_h_rename_start, EDITING_AVATAR),
    ROW(AVATAR_DETAILS, BTN_AVATAR_DELETE, ab_h_delete_start, DELETING_AVATAR),
    ROW(AVATAR_GALLERY, BTN_CREATE, ab_h_create, SELECTING_TRAINING_TYPE),
    ROW(EDITING_AVATAR, TEXT, ab_h_rename_entered, AVATAR_DETAILS), /* stays while invalid */
    ROW(DELETING_AVATAR, BTN_AVATAR_DELETE_OK, ab_h_delete_confirmed, AVATAR_GALLERY),
    /* training: the confirm screen (also "train again" after an error or a cancel), the
     * start, and cancel from the progress message or the details screen */
    ROW(ANY, BTN_TRAIN_START, ab_h_train_confirm, CONFIRMING_TRAINING),
    ROW(CONFIRMING_TRAINING, BTN_TRAIN_GO, ab_h_train_go, TRAINING_IN_PROGRESS),
    ROW(ANY, BTN_TRAIN_CANCEL, ab_h_train_cancel, SAME),
    /* pictures: a style or an own description, the shape, how many; more like one made, its
     * files, and the avatar's pictures so far */
    ROW(ANY, BTN_GEN_START, ab_h_gen_start, GEN_PROMPT),
    ROW(GEN_PROMPT, BTN_GEN_PRESET, ab_h_gen_preset, GEN_ASPECT),
    ROW(GEN_PROMPT, TEXT, ab_h_gen_text, GEN_ASPECT), /* stays while invalid */
    ROW(GEN_ASPECT, BTN_GEN_ASPECT, ab_h_gen_aspect, GEN_COUNT),
    ROW(GEN_ASPECT, BTN_BACK, ab_h_gen_start, GEN_PROMPT),
    ROW(GEN_COUNT, BTN_GEN_COUNT, ab_h_gen_count, GENERATING),
    ROW(GEN_COUNT, BTN_BACK, ab_h_gen_back_to_aspect, GEN_ASPECT),
    ROW(ANY, BTN_GEN_AGAIN, ab_h_gen_again, GENERATING),
    ROW(ANY, BTN_GEN_FILES, ab_h_gen_files, SAME),
    ROW(ANY, BTN_GEN_PICTURES, ab_h_gen_pictures, GEN_PICTURES),
    ROW(GEN_PICTURES, BTN_GEN_PICTURES_PAGE, ab_h_gen_pictures, SAME),
    /* /forget: everything of the user deleted, after a confirmation */
    ROW(ANY, CMD_FORGET, ab_h_forget, CONFIRMING_FORGET),
    ROW(CONFIRMING_FORGET, BTN_FORGET_OK, ab_h_forget_confirmed, AVATAR_MENU),
    /* the chat's membership: the user blocked or unblocked the bot */
    ROW(ANY, BOT_BLOCKED, ab_h_blocked, SAME),
    ROW(ANY, BOT_UNBLOCKED, ab_h_unblocked, SAME),
    ROW(ANY, IGNORED, ab_h_ignore, SAME),
    ROW(ANY, BTN_INVALID, ab_h_stale_button, SAME),
    /* credits (BILLING=stars; with off the commands are unknown ones): the balance with its
     * packages, a package's invoice, a payment credited, the operator's terms and support */
    ROW(ANY, CMD_BALANCE, ab_h_balance, BALANCE),
    ROW(ANY, BTN_BALANCE, ab_h_balance, BALANCE),
    ROW(ANY, BTN_BUY, ab_h_buy, SAME),
    ROW(ANY, PAYMENT, ab_h_payment, SAME),
    ROW(ANY, CMD_TERMS, ab_h_terms, SAME),
    ROW(ANY, CMD_PAYSUPPORT, ab_h_terms, SAME),
    /* a paid action the balance does not cover shows the top-up screen (its handler goes
     * there); paying there (the payment row above) or Back returns to the paid screen */
    ROW(TOP_UP, BTN_BACK, ab_h_topup_back, SAME),
    /* promo codes: /promo CODE anywhere, or the balance screen's button, then the code */
    ROW(ANY, CMD_PROMO, ab_h_promo, SAME),
    ROW(BALANCE, BTN_PROMO, ab_h_promo, ENTERING_PROMO),
    ROW(ENTERING_PROMO, TEXT, ab_h_promo, SAME), /* stays while the code is refused */
    /* the privacy notice: before the first avatar (its handler goes there from create or an
     * upload), and /privacy; agreeing goes on to what it interrupted */
    ROW(ANY, CMD_PRIVACY, ab_h_privacy, SAME),
    ROW(PRIVACY_NOTICE, BTN_PRIVACY_OK, ab_h_privacy_ok, SELECTING_TRAINING_TYPE),
    ROW(PRIVACY_NOTICE, PHOTO, ab_h_privacy_photo, SAME),
    ROW(PRIVACY_NOTICE, DOCUMENT, ab_h_privacy_photo, SAME),
};
const size_t ab_fsm_table_len = sizeof ab_fsm_table / sizeof ab_fsm_table[0];

const ab_transition *ab_fsm_lookup(ab_state state, ab_event event)
{
    const ab_transition *any = NULL;
    for (size_t i = 0; i < ab_fsm_table_len; i++) {
        const ab_transition *t = &ab_fsm_table[i];
        if (t->event != event)
            continue;
        if (t->from == state)
            return t;
        if (t->from == AB_ST_ANY && !any)
            any = t;
    }
    return any;
}

static int is_button(ab_event e)
{
    return e >= AB_EV_BTN_MAIN_MENU && e <= AB_EV_BTN_INVALID;
}

static int has_answer(const ab_effects *fx)
{
    size_t i;
    json_t *call;
    json_array_foreach(fx->calls, i, call)
    {
        const char *m = json_string_value(json_object_get(call, "method"));
        if (m && strcmp(m, "answerCallbackQuery") == 0)
            return 1;
    }
    return 0;
}

ab_err ab_fsm_step(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const ab_transition *t = ab_fsm_lookup(ctx->state, ctx->event);
    ab_err err;
    ab_state to;
    if (t) {
        err = t->handler(ctx, fx);
        to = t->to;
    } else if (is_button(ctx->event)) {
        err = ab_h_stale_button(ctx, fx); /* a button from an older screen */
        to = AB_ST_SAME;
    } else {
        err = ab_h_unexpected(ctx, fx);
        to = AB_ST_SAME;
    }
    if (err != AB_OK)
        return err;
    if (fx->next == AB_ST_SAME)
        fx->next = to == AB_ST_SAME ? ctx->state : to;
    /* Every button press is answered, first, so the user's spinner stops at once. */
    if (ctx->upd && ctx->upd->kind == AB_UPD_CALLBACK_QUERY && ctx->upd->callback_id &&
        !has_answer(fx)) {
        ab_effects first;
        ab_fx_init(&first);
        err = ab_fx_answer(&first, ctx->chat_id, ctx->upd->callback_id, NULL);
        if (err == AB_OK) {
            json_array_extend(first.calls, fx->calls);
            json_decref(fx->calls);
            fx->calls = json_incref(first.calls);
        }
        ab_fx_free(&first);
    }
    return err;
}

void ab_fsm_print_mermaid(FILE *out)
{
    fprintf(out, "stateDiagram-v2\n");
    fprintf(out, "    [*] --> %s\n", ab_state_name(AB_ST_AVATAR_MENU));
    for (size_t i = 0; i < ab_fsm_table_len; i++) {
        const ab_transition *t = &ab_fsm_table[i];
        if (t->to == AB_ST_SAME)
            continue; /* self-loops (ignored input, stale buttons) would only add noise */
        const char *from = t->from == AB_ST_ANY ? "any" : ab_state_name(t->from);
        fprintf(out, "    %s --> %s : %s\n", from, ab_state_name(t->to), ab_event_name(t->event));
    }
    fprintf(out, "    note right of any : any state (commands and navigation)\n");
}
