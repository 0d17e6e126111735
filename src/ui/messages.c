/* Language choice and catalogue lookup, with gettext's semantics: a text is found by its
 * English source (context and msgid) in the language's compiled catalogue, its plural form
 * chosen by the catalogue's Plural-Forms rule; an untranslated text falls back to English. */
#include "ui/messages.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ui/catalog.h"

static const char *const MSG_NAMES[] = {
#define AB_MSG_NAME(id) #id,
    AB_MESSAGES(AB_MSG_NAME)
#undef AB_MSG_NAME
};

int ab_lang_count(void)
{
    return ab_catalogs_count;
}

static const ab_catalog *catalog(ab_lang lang)
{
    return lang >= 0 && lang < ab_catalogs_count ? &ab_catalogs[lang] : NULL;
}

const char *ab_lang_code(ab_lang lang)
{
    return catalog(lang) ? catalog(lang)->code : "";
}

const char *ab_lang_name(ab_lang lang)
{
    return catalog(lang) ? catalog(lang)->name : "";
}

/* Compares a language_code with a catalogue's code over len bytes: case and '_'/'-' aside. */
static bool same_code(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int x = a[i] == '_' ? '-' : tolower((unsigned char)a[i]);
        int y = b[i] == '_' ? '-' : tolower((unsigned char)b[i]);
        if (x != y)
            return false;
    }
    return true;
}

bool ab_lang_find(const char *code, ab_lang *out)
{
    if (!code || !*code)
        return false;
    size_t len = strlen(code), primary = strcspn(code, "-_");
    for (int pass = 0; pass < 2; pass++) /* the exact tag, then its primary subtag */
        for (ab_lang i = 0; i < ab_catalogs_count; i++) {
            const char *c = ab_catalogs[i].code;
            size_t n = pass == 0 ? len : primary;
            if (strlen(c) == n && same_code(code, c, n)) {
                *out = i;
                return true;
            }
        }
    return false;
}

ab_lang ab_lang_from_code(const char *code)
{
    ab_lang lang = 0;
    return ab_lang_find(code, &lang) ? lang : 0;
}

static const ab_msg_source *source(ab_msg_id id)
{
    return (unsigned)id < AB_MSG__COUNT ? &ab_msg_sources[id] : NULL;
}

static int entry_cmp(const void *key, const void *elem)
{
    const ab_msg_source *s = key;
    const ab_catalog_entry *e = elem;
    int c = strcmp(s->context ? s->context : "", e->context);
    return c ? c : strcmp(s->msgid, e->msgid);
}

static const ab_catalog_entry *lookup(ab_lang lang, const ab_msg_source *s)
{
    const ab_catalog *c = catalog(lang);
    if (!c || !s)
        return NULL;
    return bsearch(s, c->entries, c->count, sizeof c->entries[0], entry_cmp);
}

bool ab_msg_translated(ab_lang lang, ab_msg_id id)
{
    return lookup(lang, source(id)) != NULL;
}

const char *ab_msgn(ab_lang lang, ab_msg_id id, unsigned long n)
{
    const ab_msg_source *s = source(id);
    if (!s)
        return "";
    const ab_catalog_entry *e = lookup(lang, s);
    if (!e) /* untranslated: the English source, with English's rule */
        return s->plural && n != 1 ? s->plural : s->msgid;
    unsigned long form = s->plural ? catalog(lang)->plural(n) : 0;
    if (form >= catalog(lang)->nplurals || !e->forms[form])
        form = 0;
    return e->forms[form];
}

const char *ab_msg(ab_lang lang, ab_msg_id id)
{
    return ab_msgn(lang, id, 1);
}

const char *ab_msg_name(ab_msg_id id)
{
    return (unsigned)id < AB_MSG__COUNT ? MSG_NAMES[id] : "?";
}
