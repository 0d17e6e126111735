-- At most one paid FAL request per press. FAL's queue takes no idempotency key, so every POST
-- to it is an attempt recorded (with synchronous commit) before it is sent, under a random
-- nonce that also rides in its webhook URL (/fal/webhook?run=<nonce>). While an attempt may be
-- on the wire its run is 'submitting'; when its outcome is unknown (a timeout, a dropped
-- connection, an unreadable 2xx, a crash) the run is 'reconciling': it adopts the request FAL
-- turns out to know (its webhook carries the nonce; FAL's request listing shows its input) and
-- is submitted again only once a reconcile window passes without any sign of it. Nothing here
-- is training-specific: any fal_requests row can go through the same attempts.
ALTER TABLE fal_requests
    ADD COLUMN opened_at        timestamptz NOT NULL DEFAULT now(),  -- the press that opened it
    ADD COLUMN submit_nonce     text,         -- the attempt of the current submit
    ADD COLUMN submitting_at    timestamptz,  -- when that attempt was recorded (before its POST)
    ADD COLUMN reconcile_until  timestamptz,  -- 'reconciling': no new attempt before this
    ADD COLUMN extra_requests   text[]      NOT NULL DEFAULT '{}';  -- FAL requests of this run
                                              -- that it did not adopt (cancelled or ignored)
-- runs opened before this migration: opened when their row was made (a run still preparing has
-- not been submitted, so submitted_at is still its insert time), so their jobs still own them
UPDATE fal_requests SET opened_at = submitted_at;
ALTER TABLE fal_requests DROP CONSTRAINT fal_requests_status_check;
ALTER TABLE fal_requests ADD CONSTRAINT fal_requests_status_check
    CHECK (status IN ('preparing', 'submitting', 'reconciling', 'submitted', 'in_queue',
                      'in_progress', 'completed', 'error', 'cancelled'));
DROP INDEX fal_requests_open_per_avatar;
CREATE UNIQUE INDEX fal_requests_open_per_avatar ON fal_requests (avatar_id)
    WHERE status IN ('preparing', 'submitting', 'reconciling', 'submitted', 'in_queue',
                     'in_progress');

-- One row per POST to FAL's queue (or per simulated one). run_id follows the run's request_id
-- when it changes from its placeholder to FAL's id.
CREATE TABLE fal_submits (
    nonce       text        PRIMARY KEY,
    run_id      text        NOT NULL REFERENCES fal_requests (request_id)
                            ON UPDATE CASCADE ON DELETE CASCADE,
    attempt     integer     NOT NULL,
    app_id      text        NOT NULL,
    input       jsonb,
    outcome     text        NOT NULL DEFAULT 'sending'
                CHECK (outcome IN ('sending', 'accepted', 'refused', 'unknown', 'superseded')),
    request_id  text,       -- FAL's request of this attempt, once known
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, attempt)
);
