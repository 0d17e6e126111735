/* The compiled translation catalogues: the build turns each po/<language>.po into one of
 * these (cmake/po_to_c.py); messages.c looks texts up in them. */
#ifndef AB_UI_CATALOG_H
#define AB_UI_CATALOG_H

#include <stddef.h>

#define AB_CATALOG_MAX_FORMS 6

typedef struct {
    const char *context;                     /* msgctxt, "" when none */
    const char *msgid;                       /* the English source text */
    const char *forms[AB_CATALOG_MAX_FORMS]; /* msgstr, or msgstr[0..nplurals-1] */
} ab_catalog_entry;

typedef struct {
    const char *code; /* the PO header's Language, lower case: "ru", "pt-br" */
    const char *name; /* its X-Language-Name, in that language: "Русский" */
    unsigned nplurals;
    unsigned long (*plural)(unsigned long n); /* the header's Plural-Forms expression */
    const ab_catalog_entry *entries;          /* sorted by (context, msgid) with strcmp */
    size_t count;
} ab_catalog;

/* The default language first. */
extern const ab_catalog ab_catalogs[];
extern const int ab_catalogs_count;

#endif
