/* `avatarbot healthcheck`: GET /healthz on this machine's HTTP_PORT; exit 0 when it answers
 * 200. The container's HEALTHCHECK, so the runtime image needs no curl. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/commands.h"
#include "core/http_client.h"

int ab_cmd_healthcheck(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *port = getenv("HTTP_PORT");
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%s/healthz", port && *port ? port : "8080");
    ab_http_client *c = ab_http_client_new();
    if (!c)
        return 1;
    ab_http_request req = {.method = "GET", .url = url, .timeout_s = 3, .max_response = 4096};
    ab_http_response resp;
    ab_err err = ab_http_perform(c, &req, &resp);
    int ok = err == AB_OK && resp.status == 200;
    if (!ok)
        fprintf(stderr, "healthcheck: %s\n", err == AB_OK ? "unhealthy" : resp.error);
    ab_http_response_free(&resp);
    ab_http_client_free(c);
    return ok ? 0 : 1;
}
