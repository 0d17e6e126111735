-- Training runs on FAL. A run is one fal_requests row from the moment training starts (its
-- request_id is FAL's once submitted; 'pending:<avatar>:<n>' before that, 'sim-…' when
-- simulated). The row also carries what the progress message needs: the chat, the language,
-- the status message (a photo_batches row doubles as the registry of "a message the sender
-- delivers and later edits"), and the last text shown, so edits are throttled and never
-- repeat the same text.
ALTER TABLE fal_requests
    ADD COLUMN mode               text        NOT NULL DEFAULT 'live'
                                  CHECK (mode IN ('live', 'simulate')),
    ADD COLUMN chat_id            bigint,
    ADD COLUMN language           text,
    ADD COLUMN training_type      text,
    ADD COLUMN status_batch_id    bigint REFERENCES photo_batches (id) ON DELETE SET NULL,
    ADD COLUMN progress           integer     NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    ADD COLUMN progress_text      text,
    ADD COLUMN progress_edited_at timestamptz,
    ADD COLUMN started_at         timestamptz,     -- FAL reported IN_PROGRESS first
    ADD COLUMN dataset_key        text;
ALTER TABLE fal_requests DROP CONSTRAINT fal_requests_status_check;
ALTER TABLE fal_requests ADD CONSTRAINT fal_requests_status_check
    CHECK (status IN ('preparing', 'submitted', 'in_queue', 'in_progress', 'completed', 'error',
                      'cancelled'));
-- At most one open run per avatar (the avatar's one-training-per-user index covers users).
CREATE UNIQUE INDEX fal_requests_open_per_avatar ON fal_requests (avatar_id)
    WHERE status IN ('preparing', 'submitted', 'in_queue', 'in_progress');

-- A training that FAL never accepted (submit refused, or retries exhausted) puts the avatar
-- back to 'ready' with its photos; the rest of the life cycle is unchanged.
CREATE OR REPLACE FUNCTION avatars_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF (OLD.status, NEW.status) IN (
        ('draft', 'uploading'), ('draft', 'ready'),
        ('uploading', 'ready'), ('uploading', 'draft'),
        ('ready', 'uploading'), ('ready', 'training'),
        ('training', 'completed'), ('training', 'error'), ('training', 'cancelled'),
        ('training', 'ready'),
        ('error', 'ready'), ('cancelled', 'ready')) THEN
        NEW.updated_at := now();
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'avatar % cannot go from % to %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'check_violation';
END $$;
