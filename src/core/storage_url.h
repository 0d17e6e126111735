/* What a STORAGE_URL may look like: s3://BUCKET or file:///ABSOLUTE/DIR. A syntax check with
 * no storage behind it, so that the configuration (core) can refuse a bad value at start-up
 * and storage can refuse it again when opened, without core depending on storage. */
#ifndef AB_CORE_STORAGE_URL_H
#define AB_CORE_STORAGE_URL_H

/** NULL when url is a usable STORAGE_URL, else the reason (a static string). */
const char *ab_storage_url_problem(const char *url);

#endif
