/* Where a URL points: the host part parsed by libcurl's URL API, judged by where it can be
 * reached from. Used to refuse handing FAL a dataset URL that only this cluster can open. */
#ifndef AB_CORE_URL_H
#define AB_CORE_URL_H

#include <stdbool.h>

/** True when the URL's host is only reachable from inside: loopback, private, link-local or
 *  unique-local addresses, "localhost", a name without a dot, or a name under .local,
 *  .internal, .svc, .cluster.local, .lan or .home. An unparsable URL counts as internal. */
bool ab_url_host_is_internal(const char *url);
/** NULL when anyone on the internet can fetch the URL (https and a host that is not
 *  internal), else why not, in words for an operator. */
const char *ab_url_public_problem(const char *url);

#endif
