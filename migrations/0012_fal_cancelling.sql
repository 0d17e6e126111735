-- A run that FAL may still be training is not ended here until FAL says it has ended (issue
-- 15): when we ask FAL to stop one (the user's cancel that FAL refused or could not be sent,
-- or the time limit) the run is 'cancelling' and stays open, so its avatar stays 'training'
-- and no second paid training of it (or of its user) starts beside it, until FAL reports the
-- request ended or no longer knows it. cancel_reason is what its end is then called.
ALTER TABLE fal_requests
    ADD COLUMN cancel_reason text CHECK (cancel_reason IN ('user', 'time_limit'));
ALTER TABLE fal_requests DROP CONSTRAINT fal_requests_status_check;
ALTER TABLE fal_requests ADD CONSTRAINT fal_requests_status_check
    CHECK (status IN ('preparing', 'submitting', 'reconciling', 'submitted', 'in_queue',
                      'in_progress', 'cancelling', 'completed', 'error', 'cancelled'));
DROP INDEX fal_requests_open_per_avatar;
CREATE UNIQUE INDEX fal_requests_open_per_avatar ON fal_requests (avatar_id)
    WHERE status IN ('preparing', 'submitting', 'reconciling', 'submitted', 'in_queue',
                     'in_progress', 'cancelling');
