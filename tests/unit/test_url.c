/* Where a URL points (src/core/url.c): what FAL, on the internet, can and cannot open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/url.h"

static void test_internal_hosts(void **state)
{
    (void)state;
    static const char *const INTERNAL[] = {
        "http://127.0.0.1:9000/b/k",
        "https://localhost/x",
        "https://minio:9000/",
        "http://minio.storage.svc:9000/b",
        "https://s3.ns.svc.cluster.local",
        "https://nas.local/b",
        "https://10.1.2.3/",
        "https://172.20.0.5/",
        "https://192.168.1.10:9000/",
        "https://169.254.169.254/latest",
        "https://100.64.0.1/",
        "https://[::1]:9000/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://0.0.0.0/",
        "not a url",
        "",
    };
    for (size_t i = 0; i < sizeof INTERNAL / sizeof INTERNAL[0]; i++) {
        if (!ab_url_host_is_internal(INTERNAL[i]))
            fail_msg("%s should count as internal", INTERNAL[i]);
        assert_non_null(ab_url_public_problem(INTERNAL[i]));
    }
    assert_true(ab_url_host_is_internal(NULL));
}

static void test_public_urls(void **state)
{
    (void)state;
    static const char *const PUBLIC[] = {
        "https://queue.fal.run",
        "https://photos.s3.eu-central-1.amazonaws.com/datasets/1.zip?X-Amz-Signature=ab",
        "https://files.example.com:8443/b/k",
        "https://8.8.8.8/",
        "https://[2001:4860:4860::8888]/",
        "https://172.32.0.1/", /* just past 172.16/12 */
    };
    for (size_t i = 0; i < sizeof PUBLIC / sizeof PUBLIC[0]; i++) {
        if (ab_url_host_is_internal(PUBLIC[i]) || ab_url_public_problem(PUBLIC[i]))
            fail_msg("%s should be public", PUBLIC[i]);
    }
    /* a public host over plain http is still not something to hand out */
    assert_false(ab_url_host_is_internal("http://files.example.com/b"));
    assert_string_equal(ab_url_public_problem("http://files.example.com/b"), "it is not https");
    assert_non_null(ab_url_public_problem("file:///var/lib/avatarbot/datasets/1.zip"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_internal_hosts),
        cmocka_unit_test(test_public_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
