/* SigV4 signing (src/storage/s3_sign.c) against AWS's published examples in the S3 API reference:
 * "Authenticating Requests: Using Query Parameters" (the presigned GET of /test.txt) and
 * "Authenticating Requests: Using the Authorization Header" (GET Object with a Range header).
 * Both use bucket examplebucket, access key AKIAIOSFODNN7EXAMPLE, secret
 * wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 20130524T000000Z and us-east-1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "storage/s3_sign.h"
#include "storage/storage.h"

#define ACCESS "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
static const time_t EXAMPLE_TIME = 1369353600; /* 2013-05-24T00:00:00Z */

static void test_presign_matches_aws_example(void **state)
{
    (void)state;
    ab_s3_presign_req req = {
        .method = "GET",
        .scheme = "https",
        .host = "examplebucket.s3.amazonaws.com",
        .path = "/test.txt",
        .access_key = ACCESS,
        .secret_key = SECRET,
        .region = "us-east-1",
        .now = EXAMPLE_TIME,
        .expires_s = 86400,
    };
    char *canonical;
    char *url = ab_s3_presign_url(&req, &canonical);
    assert_non_null(url);
    /* the canonical request exactly as AWS's example prints it */
    assert_string_equal(
        canonical,
        "GET\n"
        "/test.txt\n"
        "X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\n"
        "host:examplebucket.s3.amazonaws.com\n"
        "\n"
        "host\n"
        "UNSIGNED-PAYLOAD");
    char hash[65];
    ab_s3_sha256_hex(canonical, strlen(canonical), hash);
    assert_string_equal(hash, "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
    assert_string_equal(
        url, "https://examplebucket.s3.amazonaws.com/test.txt"
             "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
             "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
             "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
             "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    assert_null(strstr(url, SECRET));
    free(canonical);
    free(url);
}

/* curl signs our ordinary requests, but the signing key derivation and string to sign are the
 * same code as for presigning: check them on AWS's header-signed example too. */
static void test_sign_matches_aws_header_example(void **state)
{
    (void)state;
    const char *canonical = "GET\n"
                            "/test.txt\n"
                            "\n"
                            "host:examplebucket.s3.amazonaws.com\n"
                            "range:bytes=0-9\n"
                            "x-amz-content-sha256:" EMPTY_SHA256 "\n"
                            "x-amz-date:20130524T000000Z\n"
                            "\n"
                            "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA256;
    char hash[65];
    ab_s3_sha256_hex(canonical, strlen(canonical), hash);
    assert_string_equal(hash, "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    char sig[65];
    assert_true(ab_s3_sign(SECRET, "20130524T000000Z", "us-east-1", canonical, sig));
    assert_string_equal(sig, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    /* one bit of the secret changes everything */
    assert_true(ab_s3_sign("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ", "20130524T000000Z",
                           "us-east-1", canonical, sig));
    assert_string_not_equal(sig,
                            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    assert_false(ab_s3_sign(SECRET, "20130524", "us-east-1", canonical, sig));
}

static void test_sha256_and_time(void **state)
{
    (void)state;
    char hex[65];
    ab_s3_sha256_hex("", 0, hex);
    assert_string_equal(hex, EMPTY_SHA256);
    char amz[17], date8[9];
    ab_s3_amz_time(EXAMPLE_TIME + 3 * 3600 + 4 * 60 + 5, amz, date8);
    assert_string_equal(amz, "20130524T030405Z");
    assert_string_equal(date8, "20130524");
}

static void test_uri_encode(void **state)
{
    (void)state;
    struct {
        const char *in;
        bool keep_slash;
        const char *out;
    } cases[] = {
        {"avatars/1/2/3.jpg", true, "avatars/1/2/3.jpg"},
        {"avatars/1/2/3.jpg", false, "avatars%2F1%2F2%2F3.jpg"},
        {"a b+c(1)~_-.*!'", true, "a%20b%2Bc%281%29~_-.%2A%21%27"},
        {"ф=é&?#%", true, "%D1%84%3D%C3%A9%26%3F%23%25"},
        {"", false, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = ab_s3_uri_encode(cases[i].in, cases[i].keep_slash);
        assert_non_null(got);
        assert_string_equal(got, cases[i].out);
        free(got);
    }
}

static void test_presign_refuses_bad_arguments(void **state)
{
    (void)state;
    ab_s3_presign_req req = {"GET", "https", "h", "/k", ACCESS, SECRET, "us-east-1", 0, 0};
    assert_null(ab_s3_presign_url(&req, NULL)); /* expires 0 */
    req.expires_s = 604801;
    assert_null(ab_s3_presign_url(&req, NULL)); /* beyond SigV4's week */
    req.expires_s = 604800;
    req.path = "k";
    assert_null(ab_s3_presign_url(&req, NULL)); /* not an absolute path */
    req.path = "/k";
    char *url = ab_s3_presign_url(&req, NULL);
    assert_non_null(url);
    assert_non_null(strstr(url, "&X-Amz-Expires=604800&"));
    free(url);
}

/* The public API builds the same URL: default AWS endpoint, virtual-hosted bucket. */
static void test_public_presign_uses_bucket_host_and_encoded_key(void **state)
{
    (void)state;
    ab_storage_config cfg = {
        .url = "s3://examplebucket",
        .s3_access_key = ACCESS,
        .s3_secret_key = SECRET,
    };
    ab_storage *s;
    char why[128];
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_OK);
    assert_string_equal(ab_storage_backend_name(s), "s3");
    char *url;
    assert_int_equal(ab_storage_presign_get(s, "avatars/1/a b.jpg", 86400, &url), AB_OK);
    const char *want =
        "https://examplebucket.s3.amazonaws.com/avatars/1/a%20b.jpg?X-Amz-Algorithm=";
    assert_memory_equal(url, want, strlen(want));
    assert_non_null(strstr(url, "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="));
    assert_null(strstr(url, SECRET));
    free(url);
    assert_int_equal(ab_storage_presign_get(s, "k", 0, &url), AB_ERR_INVALID);
    assert_int_equal(ab_storage_presign_get(s, "k", 7 * 86400 + 1, &url), AB_ERR_INVALID);
    ab_storage_close(s);

    /* path style on a custom endpoint: the bucket moves into the path, the port stays in Host */
    cfg.url = "s3://avatars-dev";
    cfg.s3_endpoint = "http://minio.internal:9000/";
    cfg.s3_region = "eu-central-1";
    cfg.s3_force_path_style = true;
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_OK);
    assert_int_equal(ab_storage_presign_get(s, "x/y.png", 3600, &url), AB_OK);
    want = "http://minio.internal:9000/avatars-dev/x/y.png?X-Amz-Algorithm=AWS4-HMAC-SHA256";
    assert_memory_equal(url, want, strlen(want));
    assert_non_null(strstr(url, "%2Feu-central-1%2Fs3%2Faws4_request"));
    free(url);
    ab_storage_close(s);

    /* a default port is left out of Host, as every HTTP client leaves it out */
    cfg.s3_endpoint = "https://s3.example.com:443";
    cfg.s3_force_path_style = false;
    assert_int_equal(ab_storage_open(&cfg, &s, why, sizeof why), AB_OK);
    assert_int_equal(ab_storage_presign_get(s, "k", 60, &url), AB_OK);
    want = "https://avatars-dev.s3.example.com/k?";
    assert_memory_equal(url, want, strlen(want));
    free(url);
    ab_storage_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presign_matches_aws_example),
        cmocka_unit_test(test_sign_matches_aws_header_example),
        cmocka_unit_test(test_sha256_and_time),
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_presign_refuses_bad_arguments),
        cmocka_unit_test(test_public_presign_uses_bucket_host_and_encoded_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
