/* Name rules. Letters are classified by glibc's C.UTF-8 locale (iswalpha_l), so Cyrillic,
 * Latin with diacritics and other scripts count as letters, while emoji and punctuation do not. */
#include "fsm/names.h"

#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

static locale_t utf8;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void open_locale(void)
{
    utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Decodes one UTF-8 sequence; returns its length or 0 when malformed. */
static size_t decode(const unsigned char *s, wchar_t *out)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp;
    if (c < 0x80) {
        *out = (wchar_t)c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const unsigned MIN[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < MIN[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *out = (wchar_t)cp;
    return len;
}

ab_name_verdict ab_name_check(const char *input, char out[AB_NAME_BUF])
{
    pthread_once(&utf8_once, open_locale);
    out[0] = '\0';
    const unsigned char *p = (const unsigned char *)(input ? input : "");
    size_t chars = 0, n = 0;
    int pending_space = 0;
    ab_name_verdict verdict = AB_NAME_OK;
    while (*p) {
        wchar_t wc;
        size_t len = decode(p, &wc);
        if (len == 0)
            return AB_NAME_BAD_CHARS;
        if (iswspace_l((wint_t)wc, utf8)) {
            if (wc != L' ' && wc != 0xa0)
                verdict = AB_NAME_BAD_CHARS; /* tabs, newlines */
            pending_space = chars > 0;
            p += len;
            continue;
        }
        int ok = wc == L'-' || wc == L'_' || (utf8 && iswalnum_l((wint_t)wc, utf8)) ||
                 (!utf8 && wc < 0x80 && iswalnum((wint_t)wc));
        if (!ok)
            verdict = AB_NAME_BAD_CHARS;
        if (pending_space) {
            chars++;
            if (n + 1 < AB_NAME_BUF)
                out[n++] = ' ';
            pending_space = 0;
        }
        chars++;
        if (n + len < AB_NAME_BUF) {
            memcpy(out + n, p, len);
            n += len;
        }
        p += len;
    }
    out[n < AB_NAME_BUF ? n : AB_NAME_BUF - 1] = '\0';
    if (chars == 0)
        return AB_NAME_EMPTY;
    if (chars > AB_NAME_MAX_CHARS)
        return AB_NAME_TOO_LONG;
    return verdict;
}

bool ab_name_equal(const char *a, const char *b)
{
    pthread_once(&utf8_once, open_locale);
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p && *q) {
        wchar_t x, y;
        size_t lx = decode(p, &x), ly = decode(q, &y);
        if (!lx || !ly)
            return strcmp(a, b) == 0;
        if (utf8 ? towlower_l((wint_t)x, utf8) != towlower_l((wint_t)y, utf8)
                 : towlower((wint_t)x) != towlower((wint_t)y))
            return false;
        p += lx;
        q += ly;
    }
    return *p == *q;
}
