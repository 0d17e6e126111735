/* The generator table: which app makes pictures from which kind of trained model, the exact
 * input each gets (defaults, the operator's overrides, the request's fields), the requests it
 * refuses, and reading FAL's output back (NSFW flags per image). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assert_json.h"

#include "fal/generators.h"

static void test_lora_input(void **state)
{
    (void)state;
    const ab_generator *g = ab_generator_for(AB_RESULT_LORA);
    assert_string_equal(g->app_id, "fal-ai/flux-lora");
    ab_generation_request req = {.scene = "a business portrait in a glass office",
                                 .trigger = "abv2s7",
                                 .aspect = "3:4",
                                 .count = 2,
                                 .seed = 4242,
                                 .model_ref = "https://v3.fal.media/files/lora.safetensors"};
    json_t *in = ab_generator_input(g, NULL, &req);
    assert_json_eq(in, "{\"prompt\": \"abv2s7, a business portrait in a glass office\","
                       " \"image_size\": \"portrait_4_3\", \"num_images\": 2, \"seed\": 4242,"
                       " \"loras\": [{\"path\": \"https://v3.fal.media/files/lora.safetensors\","
                       " \"scale\": 1.0}], \"num_inference_steps\": 28, \"guidance_scale\": 3.5,"
                       " \"enable_safety_checker\": true, \"output_format\": \"jpeg\"}");
    json_decref(in);
    /* an operator's override wins over a default; the request's fields win over both */
    in = ab_generator_input(g, "{\"guidance_scale\": 5, \"num_images\": 4}", &req);
    assert_int_equal(json_integer_value(json_object_get(in, "guidance_scale")), 5);
    assert_int_equal(json_integer_value(json_object_get(in, "num_images")), 2);
    json_decref(in);
}

static void test_finetune_input(void **state)
{
    (void)state;
    const ab_generator *g = ab_generator_for(AB_RESULT_FINETUNE);
    assert_string_equal(g->app_id, "fal-ai/flux-pro/v1.1-ultra-finetuned");
    /* a scene that already names the trigger keeps it where it is */
    ab_generation_request req = {.scene = "watercolor of abv9 by a lake",
                                 .trigger = "abv9",
                                 .aspect = "16:9",
                                 .count = 1,
                                 .seed = 7,
                                 .model_ref = "ft-123"};
    json_t *in = ab_generator_input(g, NULL, &req);
    assert_json_eq(in, "{\"prompt\": \"watercolor of abv9 by a lake\", \"aspect_ratio\": \"16:9\","
                       " \"num_images\": 1, \"seed\": 7, \"finetune_id\": \"ft-123\","
                       " \"finetune_strength\": 1.0, \"safety_tolerance\": \"2\","
                       " \"enable_safety_checker\": true, \"output_format\": \"jpeg\","
                       " \"raw\": false}");
    json_decref(in);
}

static void test_out_of_range_requests_are_refused(void **state)
{
    (void)state;
    const ab_generator *g = ab_generator_for(AB_RESULT_LORA);
    ab_generation_request ok = {
        .scene = "studio", .trigger = "abv1", .aspect = "1:1", .count = 1, .model_ref = "u"};
    json_t *in = ab_generator_input(g, NULL, &ok);
    assert_string_equal(json_string_value(json_object_get(in, "image_size")), "square_hd");
    json_decref(in);
    ab_generation_request bad = ok;
    bad.aspect = "2:1";
    assert_null(ab_generator_input(g, NULL, &bad));
    bad = ok;
    bad.count = 5;
    assert_null(ab_generator_input(g, NULL, &bad));
    bad.count = 0;
    assert_null(ab_generator_input(g, NULL, &bad));
    bad = ok;
    bad.scene = "";
    assert_null(ab_generator_input(g, NULL, &bad));
    bad = ok;
    bad.model_ref = NULL;
    assert_null(ab_generator_input(g, NULL, &bad));
    assert_true(ab_generation_aspect_known("9:16"));
    assert_false(ab_generation_aspect_known("21:9"));
    assert_false(ab_generation_aspect_known(NULL));
}

static void test_result_with_nsfw_flags(void **state)
{
    (void)state;
    json_t *out = json_loads(
        "{\"images\": [{\"url\": \"https://fal.media/a.jpg\", \"width\": 896, \"height\": 1152,"
        " \"content_type\": \"image/jpeg\"}, {\"url\": \"https://fal.media/b.jpg\", \"width\": 896,"
        " \"height\": 1152}], \"has_nsfw_concepts\": [false, true], \"seed\": 99,"
        " \"prompt\": \"abv1, studio\"}",
        0, NULL);
    ab_generation_result r;
    assert_int_equal(ab_generation_result_parse(out, &r), AB_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.seed, 99);
    assert_string_equal(r.images[0].url, "https://fal.media/a.jpg");
    assert_int_equal(r.images[0].width, 896);
    assert_false(r.images[0].nsfw);
    assert_true(r.images[1].nsfw);
    ab_generation_result_free(&r);
    json_decref(out);
    /* no flags at all: nothing flagged; no image: an error, not an empty success */
    out = json_loads("{\"images\": [{\"url\": \"https://fal.media/c.jpg\"}]}", 0, NULL);
    assert_int_equal(ab_generation_result_parse(out, &r), AB_OK);
    assert_false(r.images[0].nsfw);
    ab_generation_result_free(&r);
    json_decref(out);
    out = json_loads("{\"images\": []}", 0, NULL);
    assert_int_equal(ab_generation_result_parse(out, &r), AB_ERR_INVALID);
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lora_input),
        cmocka_unit_test(test_finetune_input),
        cmocka_unit_test(test_out_of_range_requests_are_refused),
        cmocka_unit_test(test_result_with_nsfw_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
