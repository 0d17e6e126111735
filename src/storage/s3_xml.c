/* Element lookup in S3's XML answers. S3 writes flat, predictable documents (no namespaces on
 * elements, no attributes we need, keys escaped with the five predefined entities or numeric
 * references), so finding "<Name>" ... "</Name>" is exact enough, and a bounded scan cannot be
 * led past the buffer by a hostile or truncated body. */
#include "storage/s3_xml.h"

#include <stdlib.h>
#include <string.h>

#include "storage/internal.h"

/* First occurrence of needle in [s, end), or NULL. */
static const char *find(const char *s, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; s && (size_t)(end - s) >= n; s++)
        if (*s == needle[0] && memcmp(s, needle, n) == 0)
            return s;
    return NULL;
}

/*
 * Finds the next element named tag in [s, end): points body and body_end at its content and
 * returns the position after its end tag; NULL when there is none. "<Tag/>" has empty content.
 */
static const char *element(const char *s, const char *end, const char *tag, const char **body,
                           const char **body_end)
{
    size_t tn = strlen(tag);
    for (const char *p = find(s, end, "<"); p; p = find(p + 1, end, "<")) {
        if ((size_t)(end - p) < tn + 2 || memcmp(p + 1, tag, tn) != 0)
            continue;
        char after = p[1 + tn];
        if (after != '>' && after != '/' && after != ' ' && after != '\t' && after != '\r' &&
            after != '\n')
            continue; /* <KeyCount> is not <Key> */
        const char *gt = find(p + 1 + tn, end, ">");
        if (!gt)
            return NULL;
        if (gt[-1] == '/') {
            *body = *body_end = gt;
            return gt + 1;
        }
        /* the closing tag: "</" tag ">" */
        const char *q = gt + 1;
        for (;;) {
            const char *close = find(q, end, "</");
            if (!close)
                return NULL;
            if ((size_t)(end - close) >= tn + 3 && memcmp(close + 2, tag, tn) == 0 &&
                close[2 + tn] == '>') {
                *body = gt + 1;
                *body_end = close;
                return close + 3 + tn;
            }
            q = close + 2;
        }
    }
    return NULL;
}

static size_t put_utf8(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes entities and CDATA of [s, end) into a new string; NULL on malformed input or OOM.
 * The output is never longer than the input (every escape is at least as long as its UTF-8). */
static char *decode(const char *s, const char *end, size_t *out_len)
{
    char *out = malloc((size_t)(end - s) + 1);
    if (!out)
        return NULL;
    char *o = out;
    while (s < end) {
        if ((size_t)(end - s) >= 9 && memcmp(s, "<![CDATA[", 9) == 0) {
            const char *close = find(s + 9, end, "]]>");
            if (!close)
                goto bad;
            memcpy(o, s + 9, (size_t)(close - s - 9));
            o += close - s - 9;
            s = close + 3;
            continue;
        }
        if (*s == '<')
            goto bad; /* markup inside a text element: not what S3 sends */
        if (*s != '&') {
            *o++ = *s++;
            continue;
        }
        const char *semi = find(s, end, ";");
        if (!semi || semi - s > 12)
            goto bad;
        size_t n = (size_t)(semi - s + 1);
        static const struct {
            const char *name;
            char c;
        } NAMED[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        bool done = false;
        for (size_t i = 0; i < sizeof NAMED / sizeof NAMED[0]; i++) {
            if (strlen(NAMED[i].name) == n && memcmp(s, NAMED[i].name, n) == 0) {
                *o++ = NAMED[i].c;
                done = true;
            }
        }
        if (!done) {
            if (s[1] != '#')
                goto bad;
            bool hex = s[2] == 'x' || s[2] == 'X';
            const char *d = s + (hex ? 3 : 2);
            if (d == semi)
                goto bad;
            unsigned long cp = 0;
            for (; d < semi; d++) {
                int v;
                if (*d >= '0' && *d <= '9')
                    v = *d - '0';
                else if (hex && *d >= 'a' && *d <= 'f')
                    v = *d - 'a' + 10;
                else if (hex && *d >= 'A' && *d <= 'F')
                    v = *d - 'A' + 10;
                else
                    goto bad;
                cp = cp * (hex ? 16 : 10) + (unsigned long)v;
                if (cp > 0x10FFFF)
                    goto bad;
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                goto bad;
            o += put_utf8(o, cp);
        }
        s = semi + 1;
    }
    *o = '\0';
    if (out_len)
        *out_len = (size_t)(o - out);
    return out;
bad:
    free(out);
    return NULL;
}

char *ab_s3_xml_text(const char *xml, size_t len, const char *tag)
{
    const char *body, *body_end;
    if (!xml || !element(xml, xml + len, tag, &body, &body_end))
        return NULL;
    return decode(body, body_end, NULL);
}

bool ab_s3_xml_has(const char *xml, size_t len, const char *tag)
{
    const char *body, *body_end;
    return xml && element(xml, xml + len, tag, &body, &body_end) != NULL;
}

ab_err ab_s3_parse_list_page(const char *xml, size_t len, ab_storage_keys *list, size_t *cap,
                             bool *truncated, char **next_token)
{
    *truncated = false;
    *next_token = NULL;
    const char *end = xml + len;
    const char *root, *root_end;
    if (!element(xml, end, "ListBucketResult", &root, &root_end))
        return AB_ERR_REMOTE;

    const char *p = root, *body, *body_end;
    while ((p = element(p, root_end, "Contents", &body, &body_end)) != NULL) {
        const char *k, *k_end;
        if (!element(body, body_end, "Key", &k, &k_end))
            return AB_ERR_REMOTE;
        size_t key_len;
        char *key = decode(k, k_end, &key_len);
        if (!key)
            return AB_ERR_REMOTE;
        ab_err err = ab_storage_keys_append(list, cap, key, key_len);
        free(key);
        if (err != AB_OK)
            return err;
    }

    /* IsTruncated and NextContinuationToken are children of the root, after the Contents;
     * searching from the root is safe because no Contents child has these names */
    char *flag = ab_s3_xml_text(root, (size_t)(root_end - root), "IsTruncated");
    *truncated = flag && strcmp(flag, "true") == 0;
    free(flag);
    if (*truncated) {
        *next_token = ab_s3_xml_text(root, (size_t)(root_end - root), "NextContinuationToken");
        if (!*next_token || !**next_token) {
            free(*next_token);
            *next_token = NULL;
            return AB_ERR_REMOTE; /* would loop forever on the first page */
        }
    }
    return AB_OK;
}
