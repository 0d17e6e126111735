/* The table behind ab_err: names, HTTP statuses and blame. */
#include "core/error.h"

static const struct {
    const char *name;
    int http_status;
    int ours;
} ERROR_TABLE[] = {
#define AB_ERR_ROW(code, name, status, ours) {name, status, ours},
    AB_ERRORS(AB_ERR_ROW)
#undef AB_ERR_ROW
};

const char *ab_err_name(ab_err err)
{
    return (unsigned)err < AB_ERR__COUNT ? ERROR_TABLE[err].name : "unknown";
}

int ab_err_http_status(ab_err err)
{
    return (unsigned)err < AB_ERR__COUNT ? ERROR_TABLE[err].http_status : 500;
}

int ab_err_is_ours(ab_err err)
{
    return (unsigned)err < AB_ERR__COUNT ? ERROR_TABLE[err].ours : 1;
}
