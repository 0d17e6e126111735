-- The replicas that are alive, each seen by its janitor every few seconds. Telegram's global
-- message rate is per bot, not per replica: each replica paces its senders at its share of
-- TELEGRAM_RATE_GLOBAL, the configured rate divided by the replicas alive.
CREATE TABLE replicas (
    id          text        PRIMARY KEY,    -- host name, pid and a random part
    started_at  timestamptz NOT NULL DEFAULT now(),
    seen_at     timestamptz NOT NULL DEFAULT now()
);
