-- Pictures made with a trained avatar (issue 17). A generation is a FAL request like a
-- training, so it is a fal_requests row of kind 'generation' and goes through the same
-- submit-once attempts (fal_submits), webhook and poll; the generations row says what the user
-- asked for and what came back. A user has at most one generation running; an avatar may have
-- a generation running beside its (re)training, so the one-open-run-per-avatar index now
-- covers trainings only.
ALTER TABLE fal_requests
    ADD COLUMN kind text NOT NULL DEFAULT 'training' CHECK (kind IN ('training', 'generation'));
DROP INDEX fal_requests_open_per_avatar;
CREATE UNIQUE INDEX fal_requests_open_training_per_avatar ON fal_requests (avatar_id)
    WHERE kind = 'training' AND status IN ('preparing', 'submitting', 'reconciling', 'submitted',
                                           'in_queue', 'in_progress', 'cancelling');
CREATE UNIQUE INDEX fal_requests_open_generation_per_user ON fal_requests (user_id)
    WHERE kind = 'generation' AND status IN ('preparing', 'submitting', 'reconciling',
                                             'submitted', 'in_queue', 'in_progress', 'cancelling');

CREATE TABLE generations (
    id            bigserial   PRIMARY KEY,
    user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    avatar_id     bigint      NOT NULL REFERENCES avatars (id) ON DELETE CASCADE,
    -- its FAL request: the run's placeholder id until FAL's is adopted
    request_id    text        UNIQUE REFERENCES fal_requests (request_id)
                              ON UPDATE CASCADE ON DELETE SET NULL,
    chat_id       bigint      NOT NULL,
    preset        text,                   -- a preset's id, or NULL for the user's own prompt
    prompt        text        NOT NULL,   -- the scene as sent, without the trigger word
    aspect        text        NOT NULL CHECK (aspect IN ('1:1', '3:4', '4:3', '9:16', '16:9')),
    count         integer     NOT NULL CHECK (count BETWEEN 1 AND 4),
    seed          bigint      NOT NULL,
    mode          text        NOT NULL CHECK (mode IN ('live', 'simulate')),
    status        text        NOT NULL DEFAULT 'running'
                  CHECK (status IN ('running', 'delivered', 'failed', 'cancelled')),
    -- [{url, width, height, nsfw, key}] as FAL returned them (key: our stored copy)
    images        jsonb       NOT NULL DEFAULT '[]',
    file_ids      jsonb       NOT NULL DEFAULT '[]',   -- Telegram's, of the delivered pictures
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX generations_by_avatar ON generations (avatar_id, id);
CREATE INDEX generations_by_user_day ON generations (user_id, created_at);

-- The pictures' delivery records the file_ids Telegram gave them (db/outbox.c), like a
-- status message records its message id through batch_id.
ALTER TABLE outbox ADD COLUMN generation_id bigint;
