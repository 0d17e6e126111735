-- Credits (issue 18): an append-only ledger of every change of a user's credits, the balance
-- kept beside the user, and one row per Telegram Stars payment.
--
-- The balance is users.credits, never below zero (CHECK). It changes only through the ledger:
-- inserting an entry moves the balance in the same statement (a BEFORE INSERT trigger, which
-- also records the balance after the entry), and any other write of users.credits is refused.
-- So the balance is always the sum of the user's entries, two spends racing on one user queue
-- on the user's row, and a spend past zero fails as a whole, entry and balance together.
ALTER TABLE users
    ADD COLUMN credits bigint NOT NULL DEFAULT 0
        CONSTRAINT users_credits_not_negative CHECK (credits >= 0);

CREATE TABLE credit_ledger (
    id            bigserial PRIMARY KEY,
    user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    delta         bigint      NOT NULL CHECK (delta <> 0),
    reason        text        NOT NULL CHECK (reason IN ('welcome', 'purchase', 'training',
                                  'images', 'refund', 'promo', 'adjustment')),
    reference     text,       -- payment charge id, training run, generation, promo code, note
    balance_after bigint      NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_ledger_user ON credit_ledger (user_id, id DESC);
-- the welcome gift, once per user
CREATE UNIQUE INDEX credit_ledger_one_welcome ON credit_ledger (user_id) WHERE reason = 'welcome';

CREATE FUNCTION credit_ledger_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET credits = credits + NEW.delta WHERE id = NEW.user_id
        RETURNING credits INTO NEW.balance_after;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user %', NEW.user_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER credit_ledger_apply BEFORE INSERT ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION credit_ledger_apply();

-- Append-only: entries are never changed. (Deleting a user, e.g. erase-user, still removes
-- theirs with the user.)
CREATE FUNCTION credit_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'credit_ledger is append-only' USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION credit_ledger_append_only();

-- users.credits moves only with a ledger entry (the trigger above runs at depth 2).
CREATE FUNCTION users_credits_by_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.credits IS DISTINCT FROM OLD.credits AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'users.credits changes only through credit_ledger'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER users_credits_by_ledger BEFORE UPDATE OF credits ON users
    FOR EACH ROW EXECUTE FUNCTION users_credits_by_ledger();

-- One row per Telegram Stars payment: its charge id is the key, so a successful_payment
-- delivered twice credits once. Kept when the user is erased (the operator's record of the
-- sale, needed to refund it).
CREATE TABLE payments (
    telegram_payment_charge_id text PRIMARY KEY,
    provider_payment_charge_id text,
    user_id                    bigint      NOT NULL,
    currency                   text        NOT NULL,
    total_amount               integer     NOT NULL CHECK (total_amount > 0),
    credits                    integer     NOT NULL CHECK (credits > 0),
    invoice_payload            text        NOT NULL,
    status                     text        NOT NULL DEFAULT 'paid'
                                           CHECK (status IN ('paid', 'refunded')),
    created_at                 timestamptz NOT NULL DEFAULT now(),
    refunded_at                timestamptz
);
CREATE INDEX payments_user ON payments (user_id, created_at);
