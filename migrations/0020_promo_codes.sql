-- Promo codes (issue 18): the operator creates a code worth some credits, usable a number of
-- times until an expiry; each user redeems a code once. The database is the guard against
-- races: a redemption is a row keyed by (code, user) and `used` can never pass `uses_max`, so
-- two taps, two chats or two replicas cannot redeem twice or past the limit; the credits are a
-- ledger entry ('promo', the code as reference) in the same transaction.
CREATE TABLE promo_codes (
    code       text        PRIMARY KEY CHECK (code ~ '^[A-Z0-9_-]{3,32}$'),
    credits    integer     NOT NULL CHECK (credits > 0 AND credits <= 1000000),
    uses_max   integer     NOT NULL CHECK (uses_max > 0),
    used       integer     NOT NULL DEFAULT 0,
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT promo_codes_used_within CHECK (used >= 0 AND used <= uses_max)
);

CREATE TABLE promo_redemptions (
    code       text        NOT NULL REFERENCES promo_codes (code) ON DELETE CASCADE,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, user_id)
);
