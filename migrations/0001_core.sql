-- Core tables of the inbox → FSM → outbox pipeline: users, conversation state, the durable
-- inbox of Telegram updates, the outbox of Bot API calls, and the job queue.

CREATE TABLE users (
    id             bigint PRIMARY KEY,             -- Telegram user id (64-bit)
    first_name     text        NOT NULL DEFAULT '',
    username       text,
    language_code  text,
    avatars_count  integer     NOT NULL DEFAULT 0
                   CONSTRAINT users_avatar_limit CHECK (avatars_count BETWEEN 0 AND 10),
    blocked_at     timestamptz,                    -- set when the user blocked the bot (403)
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per chat: the FSM state and its data; any replica resumes from here.
CREATE TABLE chat_state (
    chat_id     bigint PRIMARY KEY,
    user_id     bigint      REFERENCES users (id) ON DELETE CASCADE,
    state       text        NOT NULL DEFAULT 'avatar_menu',
    data        jsonb       NOT NULL DEFAULT '{}',
    version     bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every update Telegram delivered, made durable before the webhook answers 200.
-- The primary key deduplicates re-deliveries; handled rows are kept > 24 h (retention job).
-- payload is json (not jsonb) so the bytes Telegram sent are kept as they came.
CREATE TABLE inbox (
    update_id    bigint PRIMARY KEY,
    chat_id      bigint      NOT NULL,             -- serialization lane: chat, else user, else 0
    kind         text        NOT NULL,
    payload      json        NOT NULL,
    status       text        NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'done', 'failed')),
    attempts     integer     NOT NULL DEFAULT 0,
    last_error   text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    handled_at   timestamptz
);
CREATE INDEX inbox_pending_by_chat ON inbox (chat_id, update_id) WHERE status = 'pending';
CREATE INDEX inbox_handled_at ON inbox (handled_at) WHERE status <> 'pending';

-- Bot API calls to make, written in the same transaction as the state change that caused them.
CREATE TABLE outbox (
    id                bigserial PRIMARY KEY,
    chat_id           bigint      NOT NULL,
    method            text        NOT NULL,
    payload           jsonb       NOT NULL,
    status            text        NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dropped')),
    attempts          integer     NOT NULL DEFAULT 0,
    not_before        timestamptz NOT NULL DEFAULT now(),
    lease_until       timestamptz,
    error_code        integer,
    last_error        text,
    result            jsonb,
    source_update_id  bigint,
    created_at        timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'pending';
CREATE INDEX outbox_open_by_chat ON outbox (chat_id, id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_sending_lease ON outbox (lease_until) WHERE status = 'sending';

-- Long work: photo ingest, training submit and polling, clean-up. Claimed with SKIP LOCKED.
CREATE TABLE jobs (
    id            bigserial PRIMARY KEY,
    kind          text        NOT NULL,
    chat_id       bigint,
    user_id       bigint,
    avatar_id     bigint,
    payload       jsonb       NOT NULL DEFAULT '{}',
    status        text        NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'running', 'done', 'dead')),
    attempts      integer     NOT NULL DEFAULT 0,
    max_attempts  integer     NOT NULL DEFAULT 8 CHECK (max_attempts > 0),
    run_after     timestamptz NOT NULL DEFAULT now(),
    lease_until   timestamptz,
    last_error    text,
    dedup_key     text UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_ready ON jobs (run_after) WHERE status = 'pending';
CREATE INDEX jobs_running_lease ON jobs (lease_until) WHERE status = 'running';
-- The dispatcher reads the oldest pending updates first.
CREATE INDEX inbox_pending_order ON inbox (update_id) WHERE status = 'pending';
