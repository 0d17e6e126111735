/* Submitting a FAL request at most once per press (fal_submits, migration 0008). FAL's queue
 * takes no idempotency key, so a run (a fal_requests row, training or any other kind) moves
 *   preparing -> submitting (an attempt with a fresh nonce, committed synchronously before the
 *                            POST) -> submitted (FAL's request adopted)
 * and, when the POST's outcome is unknown, submitting -> reconciling, which ends when a request
 * of the run is adopted (the POST's late answer, a webhook carrying one of its nonces, FAL's
 * request listing) or, once its window has passed with no sign of one, back to preparing for a
 * new attempt under a new nonce. A definite refusal that may be retried goes back to preparing
 * at once. Every move is conditional on the run's state (and nonce), so of two runners only one
 * moves a run, and a run adopts exactly one request: any other request of it that shows up is
 * an extra, to be cancelled at FAL. */
#ifndef AB_DB_FAL_SUBMIT_H
#define AB_DB_FAL_SUBMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* The states of a run that is not over (SQL, for "status IN " AB_DB_FAL_OPEN_STATES). */
#define AB_DB_FAL_OPEN_STATES                                                                      \
    "('preparing', 'submitting', 'reconciling', 'submitted', 'in_queue', 'in_progress',"           \
    " 'cancelling')"

/**
 * Records a new attempt of run run_id (which must be 'preparing') under nonce and moves the
 * run to 'submitting', with a synchronous commit: on return the attempt is on disk. input_json
 * is what will be POSTed (kept on the attempt and the run), dataset_key may be NULL. job_id,
 * when not 0, is the job doing it: a job queued before the run was opened (an old press's)
 * does not get to submit it. *attempt is the attempt's number (1, 2, ...).
 * @return AB_OK; AB_ERR_CONFLICT when the run is not 'preparing' (another runner, a cancel)
 *         or the job is older than the run.
 */
ab_err ab_db_fal_submit_begin(ab_db *db, const char *run_id, int64_t job_id, const char *nonce,
                              const char *app_id, const char *input_json, const char *dataset_key,
                              int *attempt);

typedef enum {
    AB_ADOPT_ADOPTED, /* the run was waiting for a request and now carries this one */
    AB_ADOPT_ALREADY, /* the run already carries this request (a repeated answer or webhook) */
    AB_ADOPT_EXTRA,   /* the run has another request, or ended: this one is an extra */
    AB_ADOPT_UNKNOWN, /* no attempt has this nonce */
} ab_adopt_result;

/** Where an adoption left things. */
typedef struct {
    ab_adopt_result result;
    char run_id[128]; /* the run's request id after the call ("" when UNKNOWN) */
    char app_id[96];  /* the attempt's app */
    int64_t avatar_id;
} ab_adopt;

/**
 * Attaches FAL's request request_id (with its URLs) to the run of the attempt nonce, if that
 * run is still waiting for one ('submitting', 'reconciling', or 'preparing' a new attempt after
 * an earlier one was superseded: the earlier one's request is as good); records it as an extra
 * of the run otherwise. Must run inside a transaction (ab_db_tx): it locks the run row first, so
 * concurrent adoptions of one run are serialized and exactly one wins.
 */
ab_err ab_db_fal_submit_adopt(ab_db *db, const char *nonce, const char *request_id,
                              const char *status_url, const char *response_url,
                              const char *cancel_url, ab_adopt *out);
/** The attempt nonce: its run's request id and the app it was sent to; AB_ERR_NOT_FOUND. */
ab_err ab_db_fal_submit_lookup(ab_db *db, const char *nonce, char run_id[128], char app_id[96]);

/** The attempt's outcome is unknown: a 'submitting' run with this nonce becomes 'reconciling'
 *  until window_s after the attempt was recorded. *moved false when it was not (any more). */
ab_err ab_db_fal_submit_unknown(ab_db *db, const char *nonce, int window_s, bool *moved);
/** FAL certainly did not take the attempt (refused it, or it never left): the 'submitting'
 *  run with this nonce goes back to 'preparing'. */
ab_err ab_db_fal_submit_refused(ab_db *db, const char *nonce, bool *moved);
/** The reconcile window of the 'reconciling' run with this nonce has passed with no sign of a
 *  request: back to 'preparing' for a new attempt, this one marked superseded (a request of
 *  it that shows up later is an extra). *moved false when not due or not reconciling. */
ab_err ab_db_fal_submit_supersede(ab_db *db, const char *nonce, bool *moved);
/** The distinct inputs of every attempt of run run_id, as JSON texts (free with
 *  ab_db_strings_free). */
ab_err ab_db_fal_submit_inputs(ab_db *db, const char *run_id, char ***inputs, size_t *n);
/** Records request_id as an extra of run run_id (once). */
ab_err ab_db_fal_submit_extra(ab_db *db, const char *run_id, const char *request_id);

/** Appends a webhook delivery to the run's events, once per distinct body (FAL re-delivers the
 *  same webhook up to ~10 times: replays do not grow the row); *open says whether the run is
 *  still open, *generation whether it is a generation's (else a training's); AB_ERR_NOT_FOUND
 *  for an unknown request id. */
ab_err ab_db_fal_event(ab_db *db, const char *request_id, const char *event_json, bool *open,
                       bool *generation);

#endif
