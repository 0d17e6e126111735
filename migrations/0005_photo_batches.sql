-- Photos arrive one by one or as albums (updates sharing media_group_id, with no count and no
-- "last" marker). Each album, and each single photo, is a batch with one status message in the
-- chat that the ingest jobs edit as its photos are checked. The message's id is only known
-- once the sender has delivered it, so the sender records it here, and edits that target the
-- batch are resolved against it when they are sent.
CREATE TABLE photo_batches (
    id                 bigserial PRIMARY KEY,
    chat_id            bigint      NOT NULL,
    avatar_id          bigint      NOT NULL REFERENCES avatars (id) ON DELETE CASCADE,
    media_group_id     text        NOT NULL,   -- the album's id, or 'single:<update_id>'
    status_message_id  bigint,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (chat_id, media_group_id)
);
ALTER TABLE avatar_photos ADD COLUMN batch_id bigint REFERENCES photo_batches (id) ON DELETE SET NULL;
CREATE INDEX avatar_photos_by_batch ON avatar_photos (batch_id);
-- A sendMessage that becomes a batch's status message, or an edit of that message.
ALTER TABLE outbox ADD COLUMN batch_id bigint;
CREATE INDEX outbox_open_by_batch ON outbox (batch_id) WHERE status = 'pending' AND batch_id IS NOT NULL;
