/* S3's XML answers (src/storage/s3_xml.c): ListObjectsV2 pages as AWS and MinIO write them, the
 * escapes keys can carry, pagination fields, error bodies, multipart upload results, and what
 * must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "storage/s3_xml.h"

/* AWS's documented shape: pretty-printed, <Prefix/>, a raw-quoted ETag, a token with / + = */
static const char AWS_PAGE[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
    "    <Name>bucket</Name>\n"
    "    <Prefix/>\n"
    "    "
    "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>\n"
    "    <KeyCount>2</KeyCount>\n"
    "    <MaxKeys>2</MaxKeys>\n"
    "    <IsTruncated>true</IsTruncated>\n"
    "    <Contents>\n"
    "        <Key>happyface.jpg</Key>\n"
    "        <LastModified>2014-11-21T19:40:05.000Z</LastModified>\n"
    "        <ETag>\"70ee1738b6b21e2c8a43f3a5ab0eee71\"</ETag>\n"
    "        <Size>11</Size>\n"
    "        <StorageClass>STANDARD</StorageClass>\n"
    "    </Contents>\n"
    "    <Contents>\n"
    "        <Key>photos/2006/January/sample.jpg</Key>\n"
    "        <Size>142863</Size>\n"
    "    </Contents>\n"
    "</ListBucketResult>";

/* MinIO's shape: one line, Owner inside Contents, &#34; escapes, the last page */
static const char MINIO_PAGE[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>avatars</Name>"
    "<Prefix>avatars/7/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>"
    "<Delimiter></Delimiter><IsTruncated>false</IsTruncated>"
    "<Contents><Key>avatars/7/1/a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;.jpg</Key>"
    "<LastModified>2024-05-01T10:00:00.000Z</LastModified><ETag>&#34;abc&#34;</ETag><Size>5</Size>"
    "<Owner><ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6ce98d8855f66bdbf4</ID>"
    "<DisplayName>minio</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>avatars/7/1/&#x444;&#1092;&#x1F600;\xC3\xA9.png</Key><Size>6</Size></Contents>"
    "</ListBucketResult>";

static ab_err parse(const char *xml, ab_storage_keys *list, bool *truncated, char **token)
{
    size_t cap = 0;
    memset(list, 0, sizeof *list);
    return ab_s3_parse_list_page(xml, strlen(xml), list, &cap, truncated, token);
}

static void test_aws_page(void **state)
{
    (void)state;
    ab_storage_keys list;
    bool truncated;
    char *token;
    assert_int_equal(parse(AWS_PAGE, &list, &truncated, &token), AB_OK);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.keys[0], "happyface.jpg");
    assert_string_equal(list.keys[1], "photos/2006/January/sample.jpg");
    assert_true(truncated);
    assert_string_equal(token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    free(token);
    ab_storage_keys_free(&list);
}

static void test_minio_page_and_escapes(void **state)
{
    (void)state;
    ab_storage_keys list;
    bool truncated;
    char *token;
    assert_int_equal(parse(MINIO_PAGE, &list, &truncated, &token), AB_OK);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.keys[0], "avatars/7/1/a&b <c> \"d\" 'e'.jpg");
    assert_string_equal(list.keys[1], "avatars/7/1/\xD1\x84\xD1\x84\xF0\x9F\x98\x80\xC3\xA9.png");
    assert_false(truncated);
    assert_null(token);
    ab_storage_keys_free(&list);
}

static void test_pages_append(void **state)
{
    (void)state;
    ab_storage_keys list = {0};
    size_t cap = 0;
    bool truncated;
    char *token;
    assert_int_equal(
        ab_s3_parse_list_page(AWS_PAGE, strlen(AWS_PAGE), &list, &cap, &truncated, &token), AB_OK);
    free(token);
    assert_int_equal(
        ab_s3_parse_list_page(MINIO_PAGE, strlen(MINIO_PAGE), &list, &cap, &truncated, &token),
        AB_OK);
    assert_int_equal(list.count, 4);
    assert_string_equal(list.keys[2], "avatars/7/1/a&b <c> \"d\" 'e'.jpg");
    ab_storage_keys_free(&list);
}

static void test_empty_and_cdata(void **state)
{
    (void)state;
    ab_storage_keys list;
    bool truncated;
    char *token;
    assert_int_equal(parse("<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false"
                           "</IsTruncated></ListBucketResult>",
                           &list, &truncated, &token),
                     AB_OK);
    assert_int_equal(list.count, 0);
    ab_storage_keys_free(&list);
    assert_int_equal(parse("<ListBucketResult><Contents><Key><![CDATA[a<b&c]]></Key></Contents>"
                           "</ListBucketResult>",
                           &list, &truncated, &token),
                     AB_OK);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.keys[0], "a<b&c");
    ab_storage_keys_free(&list);
}

static void test_refuses_what_it_cannot_read(void **state)
{
    (void)state;
    const char *bad[] = {
        /* not a listing at all (an error body or an HTML proxy page) */
        "<Error><Code>AccessDenied</Code></Error>",
        "<html><body>502 Bad Gateway</body></html>",
        "",
        /* truncated without a token: following it would loop on page one */
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        ("<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>"
         "</NextContinuationToken></ListBucketResult>"),
        /* Contents without a Key, a cut-off body, unknown or broken entities */
        "<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>abc",
        "<ListBucketResult><Contents><Key>a&nbsp;b</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&#0;b</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&#xD800;b</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&#x110000;b</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&amp b</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a<b/>c</Key></Contents></ListBucketResult>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ab_storage_keys list;
        bool truncated;
        char *token;
        ab_err err = parse(bad[i], &list, &truncated, &token);
        if (err != AB_ERR_REMOTE)
            fail_msg("case %zu accepted: %s", i, bad[i]);
        assert_null(token);
        ab_storage_keys_free(&list);
    }
}

static void test_keycount_is_not_key(void **state)
{
    (void)state;
    /* element names that merely start with "Key" must not be taken for it */
    const char *xml = "<A><KeyCount>3</KeyCount><KeyMarker/><Key>k</Key></A>";
    char *t = ab_s3_xml_text(xml, strlen(xml), "Key");
    assert_non_null(t);
    assert_string_equal(t, "k");
    free(t);
}

static void test_error_body(void **state)
{
    (void)state;
    const char *xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch"
        "</Code><Message>The request signature we calculated does not match the "
        "signature you provided. Check your key and signing method.</Message>"
        "<AWSAccessKeyId>AK</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256&#10;x"
        "</StringToSign><RequestId>4442587FB7D0A2F9</RequestId></Error>";
    char *code = ab_s3_xml_text(xml, strlen(xml), "Code");
    char *msg = ab_s3_xml_text(xml, strlen(xml), "Message");
    char *sts = ab_s3_xml_text(xml, strlen(xml), "StringToSign");
    assert_string_equal(code, "SignatureDoesNotMatch");
    assert_non_null(strstr(msg, "does not match"));
    assert_string_equal(sts, "AWS4-HMAC-SHA256\nx");
    assert_null(ab_s3_xml_text(xml, strlen(xml), "Key"));
    assert_null(ab_s3_xml_text(NULL, 0, "Code"));
    /* the scan stays inside the given length */
    assert_null(ab_s3_xml_text(xml, 60, "Code"));
    free(code);
    free(msg);
    free(sts);
}

/* AWS's documented answers to CreateMultipartUpload and CompleteMultipartUpload, and the <Error>
 * a CompleteMultipartUpload may send after its 200 (preceded by the keep-alive whitespace). */
static void test_multipart_answers(void **state)
{
    (void)state;
    const char *init = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<InitiateMultipartUploadResult "
                       "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
                       "  <Bucket>example-bucket</Bucket>\n  <Key>example-object</Key>\n"
                       "  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA"
                       "</UploadId>\n</InitiateMultipartUploadResult>";
    char *id = ab_s3_xml_text(init, strlen(init), "UploadId");
    assert_string_equal(id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
    free(id);

    const char *done =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<CompleteMultipartUploadResult "
        "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
        "  <Location>http://Example-Bucket.s3.amazonaws.com/Example-Object</Location>\n"
        "  <Bucket>Example-Bucket</Bucket>\n  <Key>Example-Object</Key>\n"
        "  <ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag>\n"
        "</CompleteMultipartUploadResult>";
    assert_true(ab_s3_xml_has(done, strlen(done), "CompleteMultipartUploadResult"));
    assert_false(ab_s3_xml_has(done, strlen(done), "Error"));
    /* cut before its end tag: not a result */
    assert_false(ab_s3_xml_has(done, strlen(done) - 3, "CompleteMultipartUploadResult"));

    const char *failed = "\n   \n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"
                         "<Code>InternalError</Code><Message>We encountered an internal error. "
                         "Please try again.</Message><RequestId>656c76696e6727732072657175"
                         "</RequestId></Error>";
    assert_false(ab_s3_xml_has(failed, strlen(failed), "CompleteMultipartUploadResult"));
    assert_true(ab_s3_xml_has(failed, strlen(failed), "Error"));
    char *code = ab_s3_xml_text(failed, strlen(failed), "Code");
    assert_string_equal(code, "InternalError");
    free(code);
    assert_false(ab_s3_xml_has(NULL, 0, "Error"));
    assert_false(ab_s3_xml_has("", 0, "Error"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_page),
        cmocka_unit_test(test_minio_page_and_escapes),
        cmocka_unit_test(test_pages_append),
        cmocka_unit_test(test_empty_and_cdata),
        cmocka_unit_test(test_refuses_what_it_cannot_read),
        cmocka_unit_test(test_keycount_is_not_key),
        cmocka_unit_test(test_error_body),
        cmocka_unit_test(test_multipart_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
