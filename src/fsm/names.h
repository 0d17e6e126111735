/* Avatar names: trimmed, 1–40 characters (code points), letters of any script, digits,
 * spaces, '-' and '_'; unique per user ignoring case. */
#ifndef AB_FSM_NAMES_H
#define AB_FSM_NAMES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    AB_NAME_OK = 0,
    AB_NAME_EMPTY,
    AB_NAME_TOO_LONG,
    AB_NAME_BAD_CHARS,
} ab_name_verdict;

#define AB_NAME_MAX_CHARS 40
/* 40 code points of at most 4 UTF-8 bytes each, plus the terminator */
#define AB_NAME_BUF 161

/** Checks input; on AB_NAME_OK writes the trimmed name to out (AB_NAME_BUF bytes). Inner runs
 *  of spaces are folded to one. */
ab_name_verdict ab_name_check(const char *input, char out[AB_NAME_BUF]);
/** Case-insensitive equality of two valid names (any script). */
bool ab_name_equal(const char *a, const char *b);

#endif
