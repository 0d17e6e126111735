/* libFuzzer target: the S3 answer reader (src/storage/s3_xml.c), which parses whatever an S3
 * endpoint, or something pretending to be one, sends back: ListObjectsV2 pages, multipart
 * results and <Error> bodies. Any input must give a result or a refusal, never a crash, a leak
 * or undefined behaviour; run by tests/fuzz/run.sh (ctest: fuzz). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/s3_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *xml = (const char *)data;
    static const char *const TAGS[] = {"Code", "Message", "UploadId", "ETag", "Key"};
    for (size_t i = 0; i < sizeof TAGS / sizeof TAGS[0]; i++) {
        char *text = ab_s3_xml_text(xml, size, TAGS[i]);
        if (text && strlen(text) > size)
            __builtin_trap(); /* decoding never makes text longer than its source */
        free(text);
    }
    (void)ab_s3_xml_has(xml, size, "CompleteMultipartUploadResult");
    ab_storage_keys list = {0};
    size_t cap = 0;
    bool truncated = false;
    char *next = NULL;
    ab_err err = ab_s3_parse_list_page(xml, size, &list, &cap, &truncated, &next);
    if (err == AB_OK && truncated && !next)
        __builtin_trap(); /* a truncated page always says where to go on */
    free(next);
    ab_storage_keys_free(&list);
    return 0;
}
