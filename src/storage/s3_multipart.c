/* ab_storage_put_file on S3: a file of any size with one part in memory.
 *
 * A file up to one part (ab_storage_backend.part_size, AB_STORAGE_S3_PART_SIZE by default) is
 * read whole and sent as one PUT. A larger one is a multipart upload:
 *
 *   POST   KEY?uploads=                    CreateMultipartUpload -> <UploadId>
 *   PUT    KEY?partNumber=N&uploadId=ID    UploadPart, N = 1.., each answered with an ETag header
 *   POST   KEY?uploadId=ID                 CompleteMultipartUpload, the <Part> list in order
 *   DELETE KEY?uploadId=ID                 AbortMultipartUpload, after any failure
 *
 * Parts are read from the file with pread into one buffer, reused for every part, and signed
 * like any other request (x-amz-content-sha256 of the part, so S3 rejects a corrupted one).
 * Why abort: S3 keeps (and bills) the parts of an upload that is neither completed nor aborted,
 * invisible to listings; a bucket lifecycle rule (AbortIncompleteMultipartUpload) is the
 * operator's safety net for the rare abort that fails too (logged). Parts are not retried one
 * by one: the caller's job retries the whole upload with back-off, as for a PUT.
 *
 * CompleteMultipartUpload can answer 200 and still fail: S3 sends the status first and the
 * outcome in the body, possibly an <Error> (AWS's API reference says to parse it), so a 200 is
 * a success only with a <CompleteMultipartUploadResult>.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "storage/s3_internal.h"
#include "storage/s3_sign.h"
#include "storage/s3_xml.h"

#define MAX_PARTS 10000 /* S3's limit */
#define MAX_ETAG 200
#define SMALL_RESPONSE (64 << 10)

/* Reads len bytes of fd at offset at; AB_OK, or AB_ERR_INTERNAL (logged) on error or EOF. */
static ab_err read_at(int fd, unsigned char *buf, size_t len, size_t at, const char *key)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)(at + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            AB_ERROR("storage: cannot read the file to upload", "{s:s,s:s}", "key", key, "error",
                     n < 0 ? strerror(errno) : "file shorter than its size");
            return AB_ERR_INTERNAL;
        }
        got += (size_t)n;
    }
    return AB_OK;
}

/* ?query for the upload: "uploadId=ID", or "partNumber=N&uploadId=ID" (name order). */
static char *upload_query(const char *upload_id, int part)
{
    char *enc = ab_s3_uri_encode(upload_id, false);
    if (!enc)
        return NULL;
    size_t n = strlen(enc) + 48;
    char *q = malloc(n);
    if (q && part > 0)
        snprintf(q, n, "partNumber=%d&uploadId=%s", part, enc);
    else if (q)
        snprintf(q, n, "uploadId=%s", enc);
    free(enc);
    return q;
}

/* One request on the object with a query; resp freed by the caller. */
static ab_err request(ab_storage_backend *b, const char *method, const char *key, const char *query,
                      const char *const *headers, const void *body, size_t body_len,
                      const char *keep_header, ab_http_response *resp)
{
    char *url = ab_s3_object_url(b, key, query);
    if (!url) {
        memset(resp, 0, sizeof *resp);
        return AB_ERR_NOMEM;
    }
    ab_s3_request r = {method, url, headers, body, body_len, SMALL_RESPONSE, keep_header};
    ab_err err = ab_s3_perform(b, &r, resp);
    free(url);
    return err;
}

static ab_err create_upload(ab_storage_backend *b, const char *key, const char *content_type,
                            char **upload_id)
{
    char h_type[300];
    snprintf(h_type, sizeof h_type, "Content-Type: %s", content_type);
    const char *headers[] = {h_type, "x-amz-content-sha256: " AB_S3_EMPTY_SHA256, NULL};
    ab_http_response resp;
    ab_err err = request(b, "POST", key, "uploads=", headers, "", 0, NULL, &resp);
    err = ab_s3_outcome(b, "multipart_create", key, err, &resp);
    if (err == AB_OK) {
        *upload_id = ab_s3_xml_text(resp.body, resp.body_len, "UploadId");
        if (!*upload_id || !**upload_id) {
            AB_ERROR("storage: S3 started a multipart upload without an UploadId", "{s:s,s:s}",
                     "key", key, "bucket", b->bucket);
            free(*upload_id);
            *upload_id = NULL;
            err = AB_ERR_REMOTE;
        }
    }
    ab_http_response_free(&resp);
    return err;
}

/* An ETag we can put back into XML as is: printable, no markup, not too long. */
static bool etag_ok(const char *etag)
{
    size_t n = etag ? strlen(etag) : 0;
    if (n == 0 || n > MAX_ETAG)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)etag[i];
        if (c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&')
            return false;
    }
    return true;
}

static ab_err upload_part(ab_storage_backend *b, const char *key, const char *upload_id, int part,
                          const unsigned char *data, size_t len, char **etag)
{
    char *query = upload_query(upload_id, part);
    if (!query)
        return AB_ERR_NOMEM;
    char sha[65], h_sha[96];
    ab_s3_sha256_hex(data, len, sha);
    snprintf(h_sha, sizeof h_sha, "x-amz-content-sha256: %s", sha);
    const char *headers[] = {"Content-Type: application/octet-stream", h_sha, NULL};
    ab_http_response resp;
    ab_err err = request(b, "PUT", key, query, headers, data, len, "ETag", &resp);
    free(query);
    err = ab_s3_outcome(b, "multipart_part", key, err, &resp);
    if (err == AB_OK) {
        if (!etag_ok(resp.header)) {
            AB_ERROR("storage: S3 answered a part without a usable ETag", "{s:s,s:i}", "key", key,
                     "part", part);
            err = AB_ERR_REMOTE;
        } else {
            *etag = resp.header;
            resp.header = NULL;
        }
    }
    ab_http_response_free(&resp);
    return err;
}

/* <CompleteMultipartUpload> with every part in order; caller frees. */
static char *complete_body(char *const *etags, size_t parts, size_t *len)
{
    static const char head[] =
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
    static const char tail[] = "</CompleteMultipartUpload>";
    size_t cap = sizeof head + sizeof tail + parts * (MAX_ETAG + 64);
    char *xml = malloc(cap);
    if (!xml)
        return NULL;
    size_t n = (size_t)snprintf(xml, cap, "%s", head);
    for (size_t i = 0; i < parts; i++)
        n += (size_t)snprintf(xml + n, cap - n,
                              "<Part><ETag>%s</ETag><PartNumber>%zu</PartNumber></Part>", etags[i],
                              i + 1);
    n += (size_t)snprintf(xml + n, cap - n, "%s", tail);
    *len = n;
    return xml;
}

static ab_err complete_upload(ab_storage_backend *b, const char *key, const char *upload_id,
                              char *const *etags, size_t parts)
{
    size_t len = 0;
    char *query = upload_query(upload_id, 0);
    char *xml = complete_body(etags, parts, &len);
    if (!query || !xml) {
        free(query);
        free(xml);
        return AB_ERR_NOMEM;
    }
    char sha[65], h_sha[96];
    ab_s3_sha256_hex(xml, len, sha);
    snprintf(h_sha, sizeof h_sha, "x-amz-content-sha256: %s", sha);
    const char *headers[] = {"Content-Type: application/xml", h_sha, NULL};
    ab_http_response resp;
    ab_err err = request(b, "POST", key, query, headers, xml, len, NULL, &resp);
    free(query);
    free(xml);
    err = ab_s3_outcome(b, "multipart_complete", key, err, &resp);
    if (err == AB_OK) {
        /* a 200 whose body is an <Error> (see the top of this file) */
        if (!ab_s3_xml_has(resp.body, resp.body_len, "CompleteMultipartUploadResult")) {
            char *code = ab_s3_xml_text(resp.body, resp.body_len, "Code");
            char *message = ab_s3_xml_text(resp.body, resp.body_len, "Message");
            err = code ? ab_s3_code_err(resp.status, code) : AB_ERR_REMOTE;
            AB_WARN("storage: S3 did not complete the multipart upload", "{s:s,s:s,s:s,s:s}", "key",
                    key, "bucket", b->bucket, "code", code ? code : "", "message",
                    message ? message : "unreadable answer");
            free(code);
            free(message);
        }
    }
    ab_http_response_free(&resp);
    return err;
}

static void abort_upload(ab_storage_backend *b, const char *key, const char *upload_id)
{
    char *query = upload_query(upload_id, 0);
    if (!query) {
        AB_ERROR("storage: S3 multipart upload left unaborted (out of memory)", "{s:s}", "key",
                 key);
        return;
    }
    const char *headers[] = {"x-amz-content-sha256: " AB_S3_EMPTY_SHA256, NULL};
    ab_http_response resp;
    ab_err err = request(b, "DELETE", key, query, headers, NULL, 0, NULL, &resp);
    free(query);
    err = ab_s3_outcome(b, "multipart_abort", key, err, &resp);
    ab_http_response_free(&resp);
    if (err != AB_OK)
        AB_ERROR("storage: S3 multipart upload left unaborted; a bucket lifecycle rule "
                 "(AbortIncompleteMultipartUpload) removes it",
                 "{s:s,s:s,s:s}", "key", key, "bucket", b->bucket, "error", ab_err_name(err));
}

/* The multipart upload of size bytes (more than one part); buf holds one part. */
static ab_err put_multipart(ab_storage_backend *b, const char *key, int fd, size_t size,
                            const char *content_type, unsigned char *buf)
{
    size_t part = b->part_size;
    size_t parts = size / part + (size % part != 0);
    if (parts > MAX_PARTS) {
        AB_ERROR("storage: file too large for an S3 multipart upload", "{s:s,s:I,s:I}", "key", key,
                 "bytes", (json_int_t)size, "part_size", (json_int_t)part);
        return AB_ERR_LIMIT;
    }
    char **etags = calloc(parts, sizeof *etags);
    if (!etags)
        return AB_ERR_NOMEM;
    char *upload_id = NULL;
    ab_err err = create_upload(b, key, content_type, &upload_id);
    for (size_t i = 0; err == AB_OK && i < parts; i++) {
        size_t at = i * part;
        size_t len = size - at < part ? size - at : part;
        err = read_at(fd, buf, len, at, key);
        if (err == AB_OK)
            err = upload_part(b, key, upload_id, (int)i + 1, buf, len, &etags[i]);
    }
    if (err == AB_OK)
        err = complete_upload(b, key, upload_id, etags, parts);
    if (err != AB_OK && upload_id)
        abort_upload(b, key, upload_id);
    else if (err == AB_OK)
        AB_DEBUG("storage: S3 multipart upload done", "{s:s,s:I,s:i}", "key", key, "bytes",
                 (json_int_t)size, "parts", (int)parts);
    for (size_t i = 0; i < parts; i++)
        free(etags[i]);
    free(etags);
    free(upload_id);
    return err;
}

ab_err ab_s3_put_file(ab_storage_backend *b, const char *key, int fd, size_t size,
                      const char *content_type)
{
    size_t part = b->part_size;
    unsigned char *buf = malloc(size < part ? (size ? size : 1) : part);
    if (!buf)
        return AB_ERR_NOMEM;
    ab_err err;
    if (size <= part) {
        err = read_at(fd, buf, size, 0, key);
        if (err == AB_OK)
            err = ab_s3_put(b, key, buf, size, content_type);
    } else {
        err = put_multipart(b, key, fd, size, content_type, buf);
    }
    free(buf);
    return err;
}
