/* The ui layer: what the user reads and which buttons they get, from plain data. Pure
 * functions, so a value in and a text and keyboard out is the whole test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ui/avatars.h"
#include "ui/buttons.h"
#include "ui/create.h"
#include "ui/training.h"
#include "ui/upload.h"
#include "ui/upload_status.h"

static size_t rows(const json_t *kb)
{
    return json_array_size(json_object_get(kb, "inline_keyboard"));
}

static size_t row_len(const json_t *kb, size_t r)
{
    return json_array_size(json_array_get(json_object_get(kb, "inline_keyboard"), r));
}

static const char *field(const json_t *kb, size_t r, size_t c, const char *name)
{
    json_t *row = json_array_get(json_object_get(kb, "inline_keyboard"), r);
    return json_string_value(json_object_get(json_array_get(row, c), name));
}

static const char *data_at(const json_t *kb, size_t r, size_t c)
{
    return field(kb, r, c, "callback_data");
}

static ab_avatar avatar(int64_t id, const char *name, const char *type, const char *status,
                        int photos)
{
    ab_avatar a = {.id = id, .photos_count = photos, .photos_total = photos};
    snprintf(a.name, sizeof a.name, "%s", name);
    snprintf(a.gender, sizeof a.gender, "female");
    snprintf(a.training_type, sizeof a.training_type, "%s", type);
    snprintf(a.status, sizeof a.status, "%s", status);
    snprintf(a.created, sizeof a.created, "2026-01-02");
    return a;
}

static void test_upload_status_while_checking(void **state)
{
    (void)state;
    ab_ui_batch b = {.total = 5, .checked = 3, .accepted = 2, .reasons = "no_face", .avatar_id = 7};
    ab_ui_msg m = {0};
    ab_ui_upload_status(ab_lang_from_code("en"), &b, &m);
    assert_string_equal(m.text,
                        "📸 3 of 5 photos checked: 2 accepted, 1 rejected (no face found)");
    assert_null(m.kb); /* nothing to press before the batch is done */
}

static void test_upload_status_done_with_enough_photos(void **state)
{
    (void)state;
    ab_ui_batch b = {.total = 4,
                     .checked = 4,
                     .accepted = 2,
                     .reasons = "duplicate,too_blurry,something_new",
                     .avatar_valid = 12,
                     .avatar_id = 77};
    ab_ui_msg m = {0};
    ab_ui_upload_status(ab_lang_from_code("en"), &b, &m);
    assert_string_equal(m.text,
                        "📸 4 of 4 photos checked: 2 accepted, 2 rejected (already uploaded, "
                        "too blurry, the file is damaged)\n\nUploaded: 12 photos (min. 10, "
                        "max. 50)\n✅ Enough photos to train.");
    assert_int_equal(rows(m.kb), 1);
    assert_string_equal(data_at(m.kb, 0, 0), "tr:start:77");
    assert_string_equal(field(m.kb, 0, 0, "text"), "🚀 Start training");
    ab_ui_msg_free(&m);

    /* done but short of ten: the count, no way on yet; all accepted: no rejection part */
    ab_ui_batch few = {.total = 2, .checked = 2, .accepted = 2, .reasons = "", .avatar_valid = 6};
    ab_ui_upload_status(ab_lang_from_code("ru"), &few, &m);
    /* short literals: clang-format counts bytes, and Cyrillic takes two */
    const char *want = "📸 Проверено 2 из 2: "
                       "принято 2\n\n"
                       "Загружено: 6/10 "
                       "фото\nМин. "
                       "требуется: 10";
    assert_string_equal(m.text, want);
    assert_null(m.kb);
}

/* The upload screen as the design has it: the count out of ten and the minimum below ten,
 * past it the count alone with the limits (never "15/10"). */
static void test_upload_screen_counts(void **state)
{
    (void)state;
    ab_avatar a = avatar(5, "Anna", "portrait", "uploading", 7);
    ab_ui_msg m = {0};
    ab_ui_upload(ab_lang_from_code("en"), "Anna", 7, &a, NULL, &m);
    assert_string_equal(m.text,
                        "📸 Uploading photos\nAvatar: “Anna”\n\nUploaded: 7/10 photos\n"
                        "Minimum required: 10\n\nSend photos to this chat — one by one "
                        "or as an album.");
    assert_string_equal(field(m.kb, 0, 0, "text"), "📷 Add photo");
    assert_string_equal(field(m.kb, 0, 1, "text"), "🖼️ View (7)");
    assert_string_equal(field(m.kb, 1, 0, "text"), "💡 Quality tips");
    assert_string_equal(field(m.kb, 2, 0, "text"), "◀️ Back");
    ab_ui_msg_free(&m);

    a = avatar(5, "Анна", "portrait", "ready", 15);
    ab_ui_upload(ab_lang_from_code("ru"), "Анна", 15, &a, NULL, &m);
    assert_non_null(strstr(m.text, "Загружено: 15 фото (мин. 10, макс. 50)"));
    assert_null(strstr(m.text, "/10"));
    assert_string_equal(field(m.kb, 0, 1, "text"), "🖼️ Просмотр (15)");
    assert_string_equal(data_at(m.kb, 2, 0), "tr:start:5"); /* enough: training can start */
    ab_ui_msg_free(&m);
    ab_ui_upload(ab_lang_from_code("en"), "Anna", 1, NULL, NULL, &m);
    assert_non_null(strstr(m.text, "Uploaded: 1/10 photos\n"));
    ab_ui_msg_free(&m);
}

static void test_training_texts(void **state)
{
    (void)state;
    char text[256];
    ab_ui_training_progress(ab_lang_from_code("en"), "Anna", 65, 4, text, sizeof text);
    assert_string_equal(text, "🤖 Avatar training: “Anna”\n\n📊 Progress: 65%\n"
                              "⚡ Status: In progress...\n⏱️ About 4 minutes left");
    ab_ui_training_progress(ab_lang_from_code("en"), "Anna", 99, 0, text, sizeof text);
    assert_string_equal(text, "🤖 Avatar training: “Anna”\n\n📊 Progress: 99%\n"
                              "⚡ Status: In progress...\n⏱️ About 1 minute left");
    /* the design's screen in Russian, the minutes counted with the right word */
    ab_ui_training_progress(ab_lang_from_code("ru"), "Анна", 65, 3, text, sizeof text);
    const char *want = "🤖 Обучение аватара «Анна»\n\n"
                       "📊 Прогресс: 65%\n"
                       "⚡ Статус: В процессе...\n"
                       "⏱️ Осталось примерно "
                       "3 минуты";
    assert_string_equal(text, want);
    ab_ui_training_queued(ab_lang_from_code("en"), "Anna", 0, text, sizeof text);
    assert_string_equal(text, "🤖 Avatar training: “Anna”\n\n📊 Progress: 0%\n"
                              "⚡ Status: In the queue (position 1)...");
    ab_ui_named(ab_lang_from_code("en"), AB_MSG_TRAINING_DONE_LINE, "Anna", text, sizeof text);
    assert_string_equal(
        text, "🤖 Avatar training: “Anna”\n\n📊 Progress: 100%\n⚡ Status: Done ✅");
    ab_ui_training_refusal(ab_lang_from_code("en"), AB_MSG_TRAINING_NEED_PHOTOS, "Anna", 7, text,
                           sizeof text);
    assert_string_equal(text, "Training needs at least 10 accepted photos; “Anna” has 7.");

    json_t *kb = ab_ui_training_kb_running(ab_lang_from_code("en"), 9);
    assert_int_equal(rows(kb), 1);
    assert_string_equal(data_at(kb, 0, 0), "tr:cancel:9");
    assert_string_equal(field(kb, 0, 0, "text"), "⏸️ Cancel");
    json_decref(kb);
}

static void test_training_end(void **state)
{
    (void)state;
    ab_ui_msg m = {0};
    ab_ui_training_end(ab_lang_from_code("en"), AB_RUN_FAILED, "Anna", AB_MSG_REASON_FAL_FAILED, 9,
                       &m);
    assert_string_equal(m.text, "😔 Training of “Anna” failed: the training service reported an "
                                "error.\nYour photos are kept — you can try again.");
    assert_int_equal(rows(m.kb), 2);
    assert_string_equal(data_at(m.kb, 0, 0), "tr:start:9"); /* train again */
    assert_string_equal(data_at(m.kb, 1, 0), "av:show:9");
    ab_ui_msg_free(&m);

    ab_ui_training_end(ab_lang_from_code("en"), AB_RUN_COMPLETED, "Anna", AB_MSG__COUNT, 9, &m);
    assert_string_equal(m.text, "🎉 Your avatar “Anna” is ready!");
    assert_int_equal(rows(m.kb), 2); /* pictures, no retry after a success */
    assert_string_equal(data_at(m.kb, 0, 0), "gen:new:9");
    assert_string_equal(data_at(m.kb, 1, 0), "av:show:9");
    ab_ui_msg_free(&m);
}

static void test_gallery_pages(void **state)
{
    (void)state;
    ab_avatar list[7];
    for (int i = 0; i < 7; i++) {
        char name[16];
        snprintf(name, sizeof name, "A%d", i + 1);
        list[i] = avatar(100 + i, name, i == 6 ? "style" : "portrait", "ready", 10);
    }
    ab_ui_msg m = {0};
    ab_ui_gallery(ab_lang_from_code("en"), list, 7, 9, "Done.",
                  &m); /* past the end: the last page */
    assert_string_equal(m.text, "Done.\n\n🖼 My avatars (7)\n\n6. A6 — portrait, ready to train"
                                "\n7. A7 — artistic, ready to train\n\nPage 2 of 2");
    assert_int_equal(rows(m.kb), 5);
    assert_string_equal(field(m.kb, 0, 0, "text"), "👤 A6");
    assert_string_equal(data_at(m.kb, 0, 0), "av:show:105");
    assert_string_equal(field(m.kb, 1, 0, "text"), "🎨 A7");
    assert_int_equal(row_len(m.kb, 2), 1); /* "previous" only: this is the last page */
    assert_string_equal(data_at(m.kb, 2, 0), "av:list:0");
    assert_string_equal(data_at(m.kb, 3, 0), "av:new");
    assert_string_equal(data_at(m.kb, 4, 0), "av:menu");
    ab_ui_msg_free(&m);

    ab_ui_gallery(ab_lang_from_code("en"), list, 7, 0, NULL, &m);
    assert_string_equal(data_at(m.kb, 5, 0), "av:list:1"); /* five avatars, then "next" */
    ab_ui_msg_free(&m);
}

static void test_details_buttons_follow_status(void **state)
{
    (void)state;
    ab_avatar a = avatar(5, "Anna", "portrait", "training", 12);
    a.progress = 40;
    ab_ui_msg m = {0};
    ab_ui_details(ab_lang_from_code("en"), &a, NULL, &m);
    assert_string_equal(m.text, "🎭 Anna\n\nType: portrait\nGender: female\nStatus: training\n"
                                "Photos: 12\nTraining progress: 40%\nCreated: 2026-01-02");
    /* progress, cancel, rename, back: no delete while training */
    assert_int_equal(rows(m.kb), 4);
    assert_string_equal(data_at(m.kb, 0, 0), "av:show:5");
    assert_string_equal(data_at(m.kb, 1, 0), "tr:cancel:5");
    assert_string_equal(data_at(m.kb, 2, 0), "av:rename:5");
    assert_int_equal(row_len(m.kb, 2), 1);
    assert_string_equal(data_at(m.kb, 3, 0), "av:list:0");
    ab_ui_msg_free(&m);

    a = avatar(5, "Anna", "portrait", "ready", 10);
    ab_ui_details(ab_lang_from_code("en"), &a, NULL, &m);
    assert_string_equal(data_at(m.kb, 0, 0), "av:upload:5");
    assert_string_equal(data_at(m.kb, 1, 0), "tr:start:5");
    assert_string_equal(data_at(m.kb, 2, 1), "av:del:5"); /* beside rename */
    ab_ui_msg_free(&m);
}

static void test_photo_pages(void **state)
{
    (void)state;
    ab_photo photos[12];
    for (int i = 0; i < 12; i++)
        photos[i] = (ab_photo){.id = 500 + i};
    ab_ui_page pg = ab_ui_photo_page_of(12, 0);
    assert_int_equal(pg.first, 0);
    assert_int_equal(pg.last, 10);
    ab_ui_msg m = {0};
    ab_ui_photo_page(ab_lang_from_code("en"), photos, pg, &m);
    assert_string_equal(
        m.text, "🖼 Photos 1–10 of 12 (above). To delete one, tap 🗑 with its number.");
    assert_int_equal(rows(m.kb), 4); /* two rows of five, next, back */
    assert_int_equal(row_len(m.kb, 0), 5);
    assert_string_equal(field(m.kb, 1, 4, "text"), "🗑 10");
    assert_string_equal(data_at(m.kb, 1, 4), "ph:del:509");
    assert_string_equal(data_at(m.kb, 2, 0), "ph:page:1");
    assert_string_equal(data_at(m.kb, 3, 0), "up:show");
    ab_ui_msg_free(&m);

    pg = ab_ui_photo_page_of(12, 7); /* past the end: the last page */
    assert_int_equal(pg.page, 1);
    assert_int_equal(pg.first, 10);
    assert_int_equal(pg.last, 12);
}

static void test_name_prompt_after_a_refusal(void **state)
{
    (void)state;
    ab_ui_msg m = {0};
    ab_ui_name_prompt(ab_lang_from_code("en"), AB_MSG_NAME_TAKEN, "Anna", &m);
    assert_string_equal(m.text, "You already have an avatar named “Anna” — please choose another "
                                "name.\nTry again:");
    assert_string_equal(data_at(m.kb, 0, 0), "nav:back");
    ab_ui_msg_free(&m);
}

static void test_every_button_reads_back(void **state)
{
    (void)state;
    for (int b = 0; b < AB_BTN__COUNT; b++) {
        char data[65];
        int64_t arg = -1;
        /* a language button's argument is a language of this build */
        int64_t given = b == AB_BTN_LANGUAGE ? ab_lang_from_code("en") : 123456789012345;
        ab_button_data((ab_button)b, given, data);
        assert_int_equal(ab_button_parse(data, &arg), b);
        assert_true(arg == 0 || arg == given);
    }
    int64_t arg;
    assert_int_equal(ab_button_parse("tr:start:1:2", &arg), AB_BTN__COUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upload_status_while_checking),
        cmocka_unit_test(test_upload_status_done_with_enough_photos),
        cmocka_unit_test(test_upload_screen_counts),
        cmocka_unit_test(test_training_texts),
        cmocka_unit_test(test_training_end),
        cmocka_unit_test(test_gallery_pages),
        cmocka_unit_test(test_details_buttons_follow_status),
        cmocka_unit_test(test_photo_pages),
        cmocka_unit_test(test_name_prompt_after_a_refusal),
        cmocka_unit_test(test_every_button_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
