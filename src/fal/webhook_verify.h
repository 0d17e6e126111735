/* Verification of FAL webhook signatures: FAL signs every webhook POST with Ed25519 and
 * publishes the public keys as a JWKS. A request is genuine when one of those keys verifies
 * X-Fal-Webhook-Signature over
 *     request_id "\n" user_id "\n" timestamp "\n" hex(sha256(raw body))
 * and its timestamp lies within 300 s of our clock. The verifier caches the fetched keys
 * (parsed, not as text) and is shared by all HTTP connection threads. */
#ifndef AB_FAL_WEBHOOK_VERIFY_H
#define AB_FAL_WEBHOOK_VERIFY_H

#include <stddef.h>
#include <time.h>

#include "core/error.h"

/** FAL's published key set, used when FAL_JWKS_URL is not set. */
#define AB_FAL_JWKS_URL_DEFAULT "https://rest.alpha.fal.ai/.well-known/jwks.json"
/** Largest accepted distance between X-Fal-Webhook-Timestamp and now, in seconds. */
#define AB_FAL_SIG_WINDOW_S 300

typedef struct ab_fal_verifier ab_fal_verifier;

/**
 * Creates a verifier with its own HTTP client. Fetches nothing yet.
 * @param jwks_url where the JWKS lives (copied); NULL means AB_FAL_JWKS_URL_DEFAULT.
 * @param cache_s  how long a fetched JWKS is trusted, clamped to 60..86400; 0 or less means 3600.
 * @return the verifier (caller frees with ab_fal_verifier_free), NULL when out of memory.
 */
ab_fal_verifier *ab_fal_verifier_new(const char *jwks_url, int cache_s);
/** Frees the verifier; NULL is fine. No ab_fal_verify call may be running. */
void ab_fal_verifier_free(ab_fal_verifier *v);

/** The four FAL webhook headers as received (borrowed); any may be NULL (header missing). */
typedef struct {
    const char *request_id; /* X-Fal-Webhook-Request-Id */
    const char *user_id;    /* X-Fal-Webhook-User-Id */
    const char *timestamp;  /* X-Fal-Webhook-Timestamp, unix seconds in decimal */
    const char *signature;  /* X-Fal-Webhook-Signature, 128 hex digits (64-byte Ed25519) */
} ab_fal_sig_headers;

/**
 * Verifies one webhook delivery. Thread-safe.
 *
 * Headers and the timestamp window are checked before any network access, so junk never
 * causes a fetch. The JWKS is fetched when none is cached or the cached one is cache_s old;
 * when no cached key verifies a well-formed, in-window signature and the cache is at least
 * 60 s old, it is fetched once more (key rotation) and the check repeated. After a failed
 * fetch no new fetch is tried for 5 s (the same error is returned), bounding retry storms.
 * now is the wall clock (time(NULL)); it is also the clock of the cache.
 *
 * @param body the raw request body exactly as received (body_len bytes; NULL when 0).
 * @return AB_OK: genuine.
 *         AB_ERR_INVALID: a header missing or malformed, timestamp outside ±300 s of now, or no
 *         key verifies (forged or tampered): answer 401.
 *         AB_ERR_HTTP / AB_ERR_TIMEOUT: the JWKS could not be fetched (transport failure);
 *         AB_ERR_REMOTE: it was fetched but unusable (status not 200, not JSON, or no Ed25519
 *         key in it); AB_ERR_NOMEM. For all of these nothing was verified: answer 503 so FAL
 *         retries. Never AB_OK without a verified signature.
 */
ab_err ab_fal_verify(ab_fal_verifier *v, const ab_fal_sig_headers *h, const void *body,
                     size_t body_len, time_t now);

/**
 * The checks of ab_fal_verify that need neither the body nor the keys: every header present
 * and well-formed, the timestamp within AB_FAL_SIG_WINDOW_S of now. Run on the headers alone,
 * before a body is read. AB_OK or AB_ERR_INVALID.
 */
ab_err ab_fal_check_headers(const ab_fal_sig_headers *h, time_t now);

/**
 * The pure part of ab_fal_verify (no network, no cache): verifies against a JWKS document
 * given as JSON text, e.g. {"keys":[{"kty":"OKP","crv":"Ed25519","x":"<base64url>"}]}.
 * A key is usable when its "x" decodes (base64url, '=' padding optional) to 32 bytes and its
 * "kty"/"crv", when present, are "OKP"/"Ed25519"; other keys are skipped. Any usable key
 * verifying is enough. Headers are checked first, exactly as by ab_fal_verify.
 * @return AB_OK; AB_ERR_INVALID as for ab_fal_verify; AB_ERR_REMOTE when jwks_json is NULL,
 *         not JSON, or holds no usable key; AB_ERR_NOMEM.
 */
ab_err ab_fal_verify_with_jwks(const char *jwks_json, const ab_fal_sig_headers *h, const void *body,
                               size_t body_len, time_t now);

#endif
