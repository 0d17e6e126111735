-- Charging for trainings and pictures (issue 18, second part), refunds, and the operator's
-- daily ceilings on FAL work.
--
-- The spend is a ledger entry written in the transaction that opens the paid run, and the run
-- points at it (spend_id). Giving it back is a 'refund' entry naming the spend (refund_of,
-- unique): a spend is refunded at most once, whichever path ends the run, however often.
-- The refunds are decided here, beside the statuses they follow, so no way of ending a run
-- (a FAL error, a refused submit, a cancel, the time limit, an operator's cancel) can forget
-- them:
--   a training whose run ends as 'error' (FAL's error, a refused submit, the time limit) is
--   refunded, and one that ends 'cancelled' (only the user cancels) unless FAL had started
--   training it (FAL bills that work);
--   a generation that ends 'failed' or 'cancelled' is refunded in full, and a delivered one
--   for each picture asked for that was not shown (withheld by the safety checker, or not
--   returned).
ALTER TABLE credit_ledger
    ADD COLUMN refund_of bigint UNIQUE REFERENCES credit_ledger (id) ON DELETE CASCADE;
ALTER TABLE fal_requests
    ADD COLUMN spend_id bigint REFERENCES credit_ledger (id) ON DELETE SET NULL;
ALTER TABLE generations
    ADD COLUMN spend_id bigint REFERENCES credit_ledger (id) ON DELETE SET NULL;

-- Gives back up to amount credits of the spend entry (once); the credits given back, or NULL.
CREATE FUNCTION credit_refund(spend bigint, amount bigint) RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO credit_ledger (user_id, delta, reason, reference, refund_of)
    SELECT user_id, least(amount, -delta), 'refund', reference, id FROM credit_ledger
     WHERE id = spend AND delta < 0 AND amount > 0
    ON CONFLICT (refund_of) DO NOTHING
    RETURNING delta
$$;

CREATE FUNCTION fal_requests_refund() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'error' OR NEW.started_at IS NULL THEN
        PERFORM credit_refund(NEW.spend_id,
                              (SELECT -delta FROM credit_ledger WHERE id = NEW.spend_id));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER fal_requests_refund AFTER UPDATE OF status ON fal_requests FOR EACH ROW
    WHEN (NEW.kind = 'training' AND NEW.spend_id IS NOT NULL
          AND OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('error', 'cancelled'))
    EXECUTE FUNCTION fal_requests_refund();

CREATE FUNCTION generations_refund() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    paid  bigint := (SELECT -delta FROM credit_ledger WHERE id = NEW.spend_id);
    shown integer := 0;
BEGIN
    IF NEW.status = 'delivered' THEN
        SELECT count(*) INTO shown FROM jsonb_array_elements(NEW.images) i
         WHERE NOT coalesce((i ->> 'nsfw')::boolean, false);
    END IF;
    PERFORM credit_refund(NEW.spend_id, paid * greatest(NEW.count - shown, 0) / NEW.count);
    RETURN NULL;
END $$;
CREATE TRIGGER generations_refund AFTER UPDATE OF status ON generations FOR EACH ROW
    WHEN (NEW.spend_id IS NOT NULL AND OLD.status IS DISTINCT FROM NEW.status
          AND NEW.status IN ('delivered', 'failed', 'cancelled'))
    EXECUTE FUNCTION generations_refund();

-- FAL work started per UTC day, across all users and replicas, against FAL_DAILY_*_MAX: one
-- row per day and kind, taken with a conditional upsert so two replicas cannot both pass the
-- last free place.
CREATE TABLE fal_daily_usage (
    day  date    NOT NULL,
    kind text    NOT NULL CHECK (kind IN ('trainings', 'images')),
    used integer NOT NULL CHECK (used >= 0),
    PRIMARY KEY (day, kind)
);
