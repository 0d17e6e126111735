/* The registries of names: every effect kind an FSM step can return has a row in the workers'
 * apply table, every job kind has a handler and a stored name that reads back as itself, and
 * an effect keeps its own copies of the strings it was given (handlers build them in stack
 * buffers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/job_kind.h"
#include "fsm/effects.h"
#include "workers/effects_apply.h"
#include "workers/jobs.h"

static void test_every_effect_kind_has_an_apply_row(void **state)
{
    (void)state;
    for (int k = 0; k < AB_FX__COUNT; k++)
        if (!ab_fx_apply_for((ab_fx_kind)k))
            fail_msg("effect kind %d has no row in effects_apply.c", k);
    assert_null(ab_fx_apply_for(AB_FX__COUNT));
}

static void test_every_job_kind_has_a_handler_and_a_name(void **state)
{
    (void)state;
    for (int k = 0; k < AB_JOB_KIND__COUNT; k++) {
        const char *name = ab_job_kind_name((ab_job_kind)k);
        assert_non_null(name);
        assert_int_equal(ab_job_kind_parse(name), k);
        if (!ab_job_handler_for((ab_job_kind)k))
            fail_msg("job kind %s has no row in job_table.c", name);
        assert_true(strlen(name) < sizeof(((ab_job *)0)->kind_name));
    }
    /* a kind queued by another build is unknown here, and has no handler */
    assert_int_equal(ab_job_kind_parse("photo.ingest.v2"), AB_JOB_KIND__COUNT);
    assert_int_equal(ab_job_kind_parse(NULL), AB_JOB_KIND__COUNT);
    assert_null(ab_job_kind_name(AB_JOB_KIND__COUNT));
    assert_null(ab_job_handler_for(AB_JOB_KIND__COUNT));
    assert_string_equal(ab_job_kind_name(AB_JOB_KIND_PHOTO_INGEST), "photo.ingest");
}

static void test_effects_own_their_strings(void **state)
{
    (void)state;
    ab_effects fx;
    ab_fx_init(&fx);
    char name[32], file_id[32];
    snprintf(name, sizeof name, "Anna");
    snprintf(file_id, sizeof file_id, "AgAD-1");
    ab_fx_avatar_create create = {
        .name = name, .gender = "female", .training_type = "portrait", .bind = "avatar_id"};
    assert_int_equal(ab_fx_avatar_create_add(&fx, &create), AB_OK);
    ab_fx_photo_create photo = {.avatar_id = 5, .file_id = file_id, .width = 640, .height = 480};
    assert_int_equal(ab_fx_photo_create_add(&fx, &photo), AB_OK);
    assert_int_equal(ab_fx_job_add(&fx, AB_JOB_KIND_TRAINING_CANCEL, 5, NULL), AB_OK);
    /* the handler's buffers are reused (or gone) by the time the runner applies the effects */
    memset(name, 'x', sizeof name - 1);
    memset(file_id, 'y', sizeof file_id - 1);

    assert_int_equal(fx.n_effects, 3);
    assert_int_equal(fx.effects[0].kind, AB_FX_AVATAR_CREATE);
    assert_string_equal(fx.effects[0].u.avatar_create.name, "Anna");
    assert_string_equal(fx.effects[0].u.avatar_create.bind, "avatar_id");
    const ab_effect *p = ab_fx_find(&fx, AB_FX_PHOTO_CREATE);
    assert_non_null(p);
    assert_string_equal(p->u.photo_create.file_id, "AgAD-1");
    assert_null(p->u.photo_create.mime_type); /* not given stays NULL */
    assert_int_equal(p->u.photo_create.width, 640);
    const ab_effect *j = ab_fx_find(&fx, AB_FX_JOB);
    assert_non_null(j);
    assert_true(json_is_object(j->u.job.payload)); /* no payload is an empty object */
    assert_null(ab_fx_find(&fx, AB_FX_TRAINING_START));
    ab_fx_free(&fx); /* the ASan build checks that all of it is released */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_effect_kind_has_an_apply_row),
        cmocka_unit_test(test_every_job_kind_has_a_handler_and_a_name),
        cmocka_unit_test(test_effects_own_their_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
