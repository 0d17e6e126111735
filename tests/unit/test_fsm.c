/* The transition table and the menu handlers, without a database: handlers are pure, so a
 * context in and effects out is the whole test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fsm/event.h"
#include "fsm/fsm.h"
#include "ui/buttons.h"

static ab_update make_update(const char *json)
{
    ab_update u;
    char why[200];
    assert_int_equal(ab_update_parse(json, strlen(json), &u, why, sizeof why), AB_OK);
    return u;
}

static ab_fsm_ctx ctx_for(const ab_update *u, ab_state state, int avatars)
{
    ab_fsm_ctx ctx = {.upd = u,
                      .state = state,
                      .chat_id = u->chat_id,
                      .user_id = u->user_id,
                      .avatars_count = avatars,
                      .lang = ab_lang_from_code(u->language_code)};
    ctx.event = ab_event_from_update(u, &ctx.arg);
    return ctx;
}

#define START_RU                                                                                   \
    "{\"update_id\":1,\"message\":{\"message_id\":5,\"date\":1,\"chat\":{\"id\":42,\"type\":"      \
    "\"private\"},\"from\":{\"id\":42,\"first_name\":\"A\",\"language_code\":\"ru\"},"             \
    "\"text\":\"/start\"}}"
#define START_EN                                                                                   \
    "{\"update_id\":1,\"message\":{\"message_id\":5,\"date\":1,\"chat\":{\"id\":42,\"type\":"      \
    "\"private\"},\"from\":{\"id\":42,\"first_name\":\"A\",\"language_code\":\"en\"},"             \
    "\"text\":\"/start\"}}"

static const char *call_method(const ab_effects *fx, size_t i)
{
    return json_string_value(json_object_get(json_array_get(fx->calls, i), "method"));
}

static json_t *call_payload(const ab_effects *fx, size_t i)
{
    return json_object_get(json_array_get(fx->calls, i), "payload");
}

static void test_table_has_no_duplicate_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < ab_fsm_table_len; i++) {
        assert_non_null(ab_fsm_table[i].handler);
        for (size_t j = i + 1; j < ab_fsm_table_len; j++)
            assert_false(ab_fsm_table[i].from == ab_fsm_table[j].from &&
                         ab_fsm_table[i].event == ab_fsm_table[j].event);
    }
}

static void test_start_shows_avatar_menu(void **state)
{
    (void)state;
    ab_update u = make_update(START_RU);
    ab_fsm_ctx ctx = ctx_for(&u, AB_ST_HELP, 2);
    ab_effects fx;
    ab_fx_init(&fx);
    assert_int_equal(ab_fsm_step(&ctx, &fx), AB_OK);
    assert_int_equal(fx.next, AB_ST_AVATAR_MENU);
    assert_int_equal(json_array_size(fx.calls), 1);
    assert_string_equal(call_method(&fx, 0), "sendMessage");
    json_t *p = call_payload(&fx, 0);
    assert_int_equal(json_integer_value(json_object_get(p, "chat_id")), 42);
    assert_non_null(strstr(json_string_value(json_object_get(p, "text")), "Ваши аватары: 2"));
    json_t *rows = json_object_get(json_object_get(p, "reply_markup"), "inline_keyboard");
    assert_int_equal(json_array_size(rows), 4);
    const char *expected[] = {"av:new", "av:list:0", "av:help", "menu:main"};
    for (size_t i = 0; i < 4; i++) {
        json_t *b = json_array_get(json_array_get(rows, i), 0);
        assert_string_equal(json_string_value(json_object_get(b, "callback_data")), expected[i]);
    }
    json_t *mine = json_array_get(json_array_get(rows, 1), 0);
    assert_string_equal(json_string_value(json_object_get(mine, "text")), "📁 Мои аватары (2)");
    ab_fx_free(&fx);
    ab_update_free(&u);
}

static void test_english_user(void **state)
{
    (void)state;
    ab_update u = make_update(START_EN);
    ab_fsm_ctx ctx = ctx_for(&u, AB_ST_AVATAR_MENU, 0);
    ab_effects fx;
    ab_fx_init(&fx);
    assert_int_equal(ab_fsm_step(&ctx, &fx), AB_OK);
    json_t *p = call_payload(&fx, 0);
    assert_non_null(strstr(json_string_value(json_object_get(p, "text")), "Your avatars: 0"));
    json_t *b = json_array_get(
        json_array_get(json_object_get(json_object_get(p, "reply_markup"), "inline_keyboard"), 0),
        0);
    assert_string_equal(json_string_value(json_object_get(b, "text")), "🆕 Create avatar");
    ab_fx_free(&fx);
    ab_update_free(&u);
}

static ab_update button(const char *data)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"update_id\":2,\"callback_query\":{\"id\":\"cb1\",\"from\":{\"id\":42,"
             "\"language_code\":\"en\"},\"message\":{\"message_id\":77,\"date\":1,\"chat\":"
             "{\"id\":42,\"type\":\"private\"}},\"chat_instance\":\"1\",\"data\":\"%s\"}}",
             data);
    return make_update(json);
}

static void test_button_answers_then_edits(void **state)
{
    (void)state;
    ab_update u = button("av:help");
    ab_fsm_ctx ctx = ctx_for(&u, AB_ST_AVATAR_MENU, 0);
    ab_effects fx;
    ab_fx_init(&fx);
    assert_int_equal(ab_fsm_step(&ctx, &fx), AB_OK);
    assert_int_equal(fx.next, AB_ST_HELP);
    assert_int_equal(json_array_size(fx.calls), 2);
    assert_string_equal(call_method(&fx, 0), "answerCallbackQuery");
    assert_string_equal(
        json_string_value(json_object_get(call_payload(&fx, 0), "callback_query_id")), "cb1");
    assert_string_equal(call_method(&fx, 1), "editMessageText");
    assert_int_equal(json_integer_value(json_object_get(call_payload(&fx, 1), "message_id")), 77);
    ab_fx_free(&fx);
    ab_update_free(&u);
}

static void test_stale_and_forged_buttons(void **state)
{
    (void)state;
    /* "create" pressed on an old menu while the chat is in the main menu */
    const char *cases[] = {"av:new", "tt:ok", "zz:evil:1", "av:list:-5", "av:rename:7"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ab_update u = button(cases[i]);
        ab_fsm_ctx ctx = ctx_for(&u, AB_ST_MAIN_MENU, 0);
        ab_effects fx;
        ab_fx_init(&fx);
        assert_int_equal(ab_fsm_step(&ctx, &fx), AB_OK);
        assert_int_equal(fx.next, AB_ST_MAIN_MENU);
        assert_string_equal(call_method(&fx, 0), "answerCallbackQuery");
        assert_non_null(json_object_get(call_payload(&fx, 0), "text"));
        assert_string_equal(call_method(&fx, 1), "sendMessage"); /* the current screen again */
        ab_fx_free(&fx);
        ab_update_free(&u);
    }
}

/* A language button names its catalogue by code; a pick is kept for the user and the main menu
 * comes back in it. A code this build has no catalogue for is a stale button. */
static void test_language_pick(void **state)
{
    (void)state;
    int64_t arg = -1;
    ab_lang en = ab_lang_from_code("en");
    char data[65];
    assert_string_equal(ab_button_data(AB_BTN_LANGUAGE, en, data), "lang:en");
    assert_int_equal(ab_event_from_callback("lang:en", &arg), AB_EV_BTN_LANGUAGE);
    assert_int_equal(arg, en);
    const char *bad[] = {"lang:xx", "lang:", "lang", "lang:EN", "lang:en-gb", "lang:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ab_event_from_callback(bad[i], &arg), AB_EV_BTN_INVALID);

    ab_update u = button("lang:ru"); /* from an English user */
    ab_fsm_ctx ctx = ctx_for(&u, AB_ST_CHOOSING_LANGUAGE, 0);
    ab_effects fx;
    ab_fx_init(&fx);
    assert_int_equal(ab_fsm_step(&ctx, &fx), AB_OK);
    assert_int_equal(fx.next, AB_ST_MAIN_MENU);
    assert_string_equal(fx.user_language, "ru");
    assert_string_equal(call_method(&fx, 1), "editMessageText");
    assert_non_null(
        strstr(json_string_value(json_object_get(call_payload(&fx, 1), "text")), "Главное меню"));
    ab_fx_free(&fx);
    ab_update_free(&u);
}

static void test_forged_avatar_id_is_not_found(void **state)
{
    (void)state;
    ab_avatar mine = {.id = 11,
                      .name = "Мой",
                      .gender = "male",
                      .training_type = "portrait",
                      .status = "draft",
                      .created = "2026-01-01"};
    const char *cases[] = {"av:show:12", "av:upload:999", "av:show:0"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ab_update u = button(cases[i]);
        ab_fsm_ctx ctx = ctx_for(&u, AB_ST_AVATAR_GALLERY, 1);
        ctx.avatars = &mine;
        ab_effects fx;
        ab_fx_init(&fx);
        assert_int_equal(ab_fsm_step(&ctx, &fx), AB_OK);
        assert_int_equal(fx.next, AB_ST_AVATAR_GALLERY);
        assert_int_equal(json_array_size(fx.calls), 1);
        assert_string_equal(json_string_value(json_object_get(call_payload(&fx, 0), "text")),
                            "Avatar not found");
        assert_int_equal(fx.n_effects, 0);
        ab_fx_free(&fx);
        ab_update_free(&u);
    }
    /* the owner's own id works */
    ab_update u = button("av:show:11");
    ab_fsm_ctx ctx = ctx_for(&u, AB_ST_AVATAR_GALLERY, 1);
    ctx.avatars = &mine;
    ab_effects fx;
    ab_fx_init(&fx);
    assert_int_equal(ab_fsm_step(&ctx, &fx), AB_OK);
    assert_int_equal(fx.next, AB_ST_AVATAR_DETAILS);
    assert_string_equal(call_method(&fx, 1), "editMessageText");
    ab_fx_free(&fx);
    ab_update_free(&u);
}

/* Pressing "Delete" for good: the handler's decision is one typed effect naming the avatar
 * (the step runner deletes the row and queues the clean-up of its stored objects), and a
 * training's cancel is one typed job; a training avatar cannot be deleted. */
static void test_delete_and_cancel_are_typed_effects(void **state)
{
    (void)state;
    ab_avatar mine = {.id = 11,
                      .name = "Mine",
                      .gender = "male",
                      .training_type = "portrait",
                      .status = "ready",
                      .created = "2026-01-01"};
    ab_update u = button("av:delok:11");
    ab_fsm_ctx ctx = ctx_for(&u, AB_ST_DELETING_AVATAR, 1);
    ctx.avatars = &mine;
    ab_effects fx;
    ab_fx_init(&fx);
    assert_int_equal(ab_fsm_step(&ctx, &fx), AB_OK);
    assert_int_equal(fx.next, AB_ST_AVATAR_GALLERY);
    assert_int_equal(fx.n_effects, 1);
    assert_int_equal(fx.effects[0].kind, AB_FX_AVATAR_DELETE);
    assert_int_equal(fx.effects[0].u.avatar_delete.avatar_id, 11);
    ab_fx_free(&fx);

    snprintf(mine.status, sizeof mine.status, "training");
    ab_fx_init(&fx);
    assert_int_equal(ab_fsm_step(&ctx, &fx), AB_OK);
    assert_int_equal(fx.n_effects, 0);
    ab_fx_free(&fx);
    ab_update_free(&u);

    u = button("tr:cancel:11");
    ctx = ctx_for(&u, AB_ST_AVATAR_DETAILS, 1);
    ctx.avatars = &mine;
    ab_fx_init(&fx);
    assert_int_equal(ab_fsm_step(&ctx, &fx), AB_OK);
    assert_int_equal(fx.n_effects, 1);
    const ab_effect *e = ab_fx_find(&fx, AB_FX_JOB);
    assert_non_null(e);
    assert_int_equal(e->u.job.kind, AB_JOB_KIND_TRAINING_CANCEL);
    assert_int_equal(e->u.job.avatar_id, 11);
    assert_int_equal(json_integer_value(json_object_get(e->u.job.payload, "avatar_id")), 11);
    ab_fx_free(&fx);
    ab_update_free(&u);
}

/* One step of press (callback data) or text in state with data; returns the next state and
 * leaves the effects in fx (to free). */
static ab_state step_with(const char *press, const char *text, ab_state st, const json_t *data,
                          ab_effects *fx)
{
    char json[512];
    if (press)
        snprintf(json, sizeof json,
                 "{\"update_id\":2,\"callback_query\":{\"id\":\"cb1\",\"from\":{\"id\":42,"
                 "\"language_code\":\"en\"},\"message\":{\"message_id\":77,\"date\":1,"
                 "\"chat\":{\"id\":42,\"type\":\"private\"}},\"chat_instance\":\"1\","
                 "\"data\":\"%s\"}}",
                 press);
    else
        snprintf(json, sizeof json,
                 "{\"update_id\":3,\"message\":{\"message_id\":6,\"date\":1,\"chat\":"
                 "{\"id\":42},\"from\":{\"id\":42,\"language_code\":\"en\"},"
                 "\"text\":\"%s\"}}",
                 text);
    ab_update u = make_update(json);
    ab_fsm_ctx ctx = ctx_for(&u, st, 0);
    ctx.data = data;
    ab_fx_init(fx);
    assert_int_equal(ab_fsm_step(&ctx, fx), AB_OK);
    ab_update_free(&u);
    return fx->next;
}

/* A style avatar is asked what it depicts (the style trainer's mode), and the choice reaches
 * the create effect; a portrait avatar skips the question (a portrait is a person); Back
 * retraces the path either way. */
static void test_avatar_type_for_style_only(void **state)
{
    (void)state;
    ab_effects fx;
    json_t *style = json_pack("{s:s}", "training_type", "style");
    json_t *portrait = json_pack("{s:s}", "training_type", "portrait");

    assert_int_equal(step_with("tt:ok", NULL, AB_ST_CONFIRMING_TRAINING_TYPE, style, &fx),
                     AB_ST_SELECTING_AVATAR_TYPE);
    json_t *kb = json_object_get(call_payload(&fx, 1), "reply_markup");
    char *kbs = json_dumps(kb, 0);
    assert_non_null(strstr(kbs, "at:character"));
    assert_non_null(strstr(kbs, "at:general"));
    free(kbs);
    ab_fx_free(&fx);
    assert_int_equal(step_with("tt:ok", NULL, AB_ST_CONFIRMING_TRAINING_TYPE, portrait, &fx),
                     AB_ST_SELECTING_GENDER);
    ab_fx_free(&fx);

    assert_int_equal(step_with("at:product", NULL, AB_ST_SELECTING_AVATAR_TYPE, style, &fx),
                     AB_ST_SELECTING_GENDER);
    json_t *chosen = json_incref(fx.data);
    assert_string_equal(json_string_value(json_object_get(chosen, "avatar_type")), "product");
    assert_string_equal(json_string_value(json_object_get(chosen, "training_type")), "style");
    ab_fx_free(&fx);

    /* back: gender → what it depicts (style) or the type's confirmation (portrait) */
    assert_int_equal(step_with("nav:back", NULL, AB_ST_SELECTING_GENDER, chosen, &fx),
                     AB_ST_SELECTING_AVATAR_TYPE);
    ab_fx_free(&fx);
    assert_int_equal(step_with("nav:back", NULL, AB_ST_SELECTING_AVATAR_TYPE, chosen, &fx),
                     AB_ST_CONFIRMING_TRAINING_TYPE);
    ab_fx_free(&fx);
    assert_int_equal(step_with("nav:back", NULL, AB_ST_SELECTING_GENDER, portrait, &fx),
                     AB_ST_CONFIRMING_TRAINING_TYPE);
    ab_fx_free(&fx);

    /* the name creates the avatar with what it depicts; a portrait one is a person whatever
     * the chat data says */
    json_object_set_new(chosen, "gender", json_string("female"));
    assert_int_equal(step_with(NULL, "Vase", AB_ST_ENTERING_NAME, chosen, &fx),
                     AB_ST_UPLOADING_PHOTOS);
    const ab_effect *e = ab_fx_find(&fx, AB_FX_AVATAR_CREATE);
    assert_non_null(e);
    assert_string_equal(e->u.avatar_create.training_type, "style");
    assert_string_equal(e->u.avatar_create.avatar_type, "product");
    ab_fx_free(&fx);
    json_object_set_new(chosen, "training_type", json_string("portrait"));
    assert_int_equal(step_with(NULL, "Anna", AB_ST_ENTERING_NAME, chosen, &fx),
                     AB_ST_UPLOADING_PHOTOS);
    e = ab_fx_find(&fx, AB_FX_AVATAR_CREATE);
    assert_non_null(e);
    assert_string_equal(e->u.avatar_create.avatar_type, "character");
    ab_fx_free(&fx);
    json_decref(chosen);
    json_decref(style);
    json_decref(portrait);
}

static void test_unexpected_text_gets_hint(void **state)
{
    (void)state;
    ab_update u = make_update("{\"update_id\":3,\"message\":{\"message_id\":6,\"date\":1,"
                              "\"chat\":{\"id\":42},\"from\":{\"id\":42},\"text\":\"hello\"}}");
    ab_fsm_ctx ctx = ctx_for(&u, AB_ST_AVATAR_MENU, 0);
    ab_effects fx;
    ab_fx_init(&fx);
    assert_int_equal(ab_fsm_step(&ctx, &fx), AB_OK);
    assert_int_equal(fx.next, AB_ST_AVATAR_MENU);
    assert_int_equal(json_array_size(fx.calls), 2);
    assert_string_equal(json_string_value(json_object_get(call_payload(&fx, 0), "text")),
                        ab_msg(ab_lang_from_code("ru"), AB_MSG_HINT_MENU));
    ab_fx_free(&fx);
    ab_update_free(&u);
}

static void test_mermaid(void **state)
{
    (void)state;
    char buf[16384];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    ab_fsm_print_mermaid(f);
    fclose(f);
    assert_non_null(strstr(buf, "stateDiagram-v2"));
    assert_non_null(strstr(buf, "avatar_menu --> selecting_training_type : create"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_has_no_duplicate_rows),
        cmocka_unit_test(test_start_shows_avatar_menu),
        cmocka_unit_test(test_english_user),
        cmocka_unit_test(test_button_answers_then_edits),
        cmocka_unit_test(test_stale_and_forged_buttons),
        cmocka_unit_test(test_language_pick),
        cmocka_unit_test(test_forged_avatar_id_is_not_found),
        cmocka_unit_test(test_unexpected_text_gets_hint),
        cmocka_unit_test(test_delete_and_cancel_are_typed_effects),
        cmocka_unit_test(test_avatar_type_for_style_only),
        cmocka_unit_test(test_mermaid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
