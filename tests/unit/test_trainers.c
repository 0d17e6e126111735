/* The trainer table: which app trains which type, the input each app gets (defaults, the
 * operator's overrides, the per-avatar fields), trigger words and expected durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assert_json.h"

#include "core/config.h"
#include "fal/trainers.h"

static void test_type_to_app(void **state)
{
    (void)state;
    ab_config cfg = {0};
    assert_string_equal(ab_trainer_for_type(&cfg, "portrait")->app_id,
                        "fal-ai/flux-lora-portrait-trainer");
    assert_string_equal(ab_trainer_for_type(&cfg, "style")->app_id, "fal-ai/flux-pro-trainer");
    cfg.fal_style_trainer = "fal-ai/flux-lora-fast-training";
    assert_string_equal(ab_trainer_for_type(&cfg, "style")->app_id,
                        "fal-ai/flux-lora-fast-training");
    cfg.fal_style_trainer = "fal-ai/flux-lora-portrait-trainer"; /* not a style trainer */
    assert_string_equal(ab_trainer_for_type(&cfg, "style")->app_id, "fal-ai/flux-pro-trainer");
    assert_null(ab_trainer_for_type(&cfg, "video"));
    assert_null(ab_trainer_by_app("fal-ai/unknown"));
}

/* A portrait training makes face masks (they weight the training towards the face); the
 * operator's input can still turn them off. */
static void test_portrait_input_with_override(void **state)
{
    (void)state;
    ab_config cfg = {0};
    const ab_trainer *t = ab_trainer_for_type(&cfg, "portrait");
    json_t *in = ab_trainer_input(&cfg, t, "https://s3/x.zip", "abv7", "character", "Anna");
    assert_json_eq(in, "{\"images_data_url\": \"https://s3/x.zip\", \"trigger_phrase\": \"abv7\","
                       " \"steps\": 2500, \"learning_rate\": 0.00009,"
                       " \"multiresolution_training\": true, \"subject_crop\": true,"
                       " \"create_masks\": true}");
    json_decref(in);
    cfg.fal_portrait_input = "{\"steps\": 1500, \"create_masks\": false}";
    in = ab_trainer_input(&cfg, t, "https://s3/x.zip", "abv7", "character", "Anna");
    assert_json_eq(in, "{\"images_data_url\": \"https://s3/x.zip\", \"trigger_phrase\": \"abv7\","
                       " \"steps\": 1500, \"learning_rate\": 0.00009,"
                       " \"multiresolution_training\": true, \"subject_crop\": true,"
                       " \"create_masks\": false}");
    json_decref(in);
}

static void test_pro_trainer_mode_and_comment(void **state)
{
    (void)state;
    const ab_trainer *t = ab_trainer_by_app("fal-ai/flux-pro-trainer");
    assert_int_equal(t->result, AB_RESULT_FINETUNE);
    /* what the avatar depicts is the mode; anything unknown (or none) is a person */
    static const char *kinds[][2] = {{"character", "character"}, {"style", "style"},
                                     {"product", "product"},     {"general", "general"},
                                     {"custom", "character"},    {NULL, "character"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        json_t *in = ab_trainer_input(NULL, t, "u", "abv1", kinds[i][0], "Max");
        assert_string_equal(json_string_value(json_object_get(in, "mode")), kinds[i][1]);
        assert_string_equal(json_string_value(json_object_get(in, "finetune_comment")),
                            "avatarbot: Max");
        assert_string_equal(json_string_value(json_object_get(in, "data_url")), "u");
        assert_string_equal(json_string_value(json_object_get(in, "trigger_word")), "abv1");
        json_decref(in);
    }
}

static void test_trigger_words_are_unique_tokens(void **state)
{
    (void)state;
    char a[32], b[32];
    ab_trainer_trigger(1, a);
    assert_string_equal(a, "abv1");
    ab_trainer_trigger(36, a);
    assert_string_equal(a, "abv10");
    ab_trainer_trigger(123456789, a);
    ab_trainer_trigger(123456790, b);
    assert_string_not_equal(a, b);
    ab_trainer_trigger(INT64_MAX, a);
    assert_true(strlen(a) < 32);
}

static void test_expected_minutes_and_time_left(void **state)
{
    (void)state;
    int lo, hi;
    ab_config_training_minutes(NULL, "portrait", &lo, &hi);
    assert_int_equal(lo, 3);
    assert_int_equal(hi, 15);
    ab_config_training_minutes(NULL, "style", &lo, &hi);
    assert_int_equal(lo, 5);
    assert_int_equal(hi, 30);
    ab_config cfg = {0};
    cfg.fal_style_minutes = "10-20";
    ab_config_training_minutes(&cfg, "style", &lo, &hi);
    assert_int_equal(lo, 10);
    assert_int_equal(hi, 20);
    /* no pace yet: from the expected duration (portrait 9 min on average) */
    assert_int_equal(ab_trainer_minutes_left(NULL, "portrait", 0, 0), 9);
    /* 50% after 4 minutes: about 4 more */
    assert_int_equal(ab_trainer_minutes_left(NULL, "portrait", 50, 240), 4);
    /* never below one minute before the end */
    assert_int_equal(ab_trainer_minutes_left(NULL, "portrait", 99, 3000), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_to_app),
        cmocka_unit_test(test_portrait_input_with_override),
        cmocka_unit_test(test_pro_trainer_mode_and_comment),
        cmocka_unit_test(test_trigger_words_are_unique_tokens),
        cmocka_unit_test(test_expected_minutes_and_time_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
