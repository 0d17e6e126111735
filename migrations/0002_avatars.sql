-- The product's data: avatars, their photos and FAL requests, with the limits enforced by the
-- database itself so that concurrent requests on any replica cannot break them.

CREATE TABLE avatars (
    id                     bigserial PRIMARY KEY,
    user_id                bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                   text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 40),
    gender                 text        NOT NULL CHECK (gender IN ('male', 'female', 'other')),
    avatar_type            text        NOT NULL DEFAULT 'character'
                           CHECK (avatar_type IN ('character', 'style', 'custom')),
    training_type          text        NOT NULL CHECK (training_type IN ('portrait', 'style')),
    status                 text        NOT NULL DEFAULT 'draft'
                           CHECK (status IN ('draft', 'uploading', 'ready', 'training',
                                             'completed', 'error', 'cancelled')),
    training_progress      integer     NOT NULL DEFAULT 0 CHECK (training_progress BETWEEN 0 AND 100),
    fal_mode               text        CHECK (fal_mode IN ('live', 'simulate')),
    trainer                text,                   -- FAL app id that trained it
    fal_request_id         text,
    finetune_id            text,                   -- flux-pro-trainer result
    lora_url               text,                   -- LoRA trainers' diffusers_lora_file.url
    trigger_phrase         text,
    avatar_data            jsonb       NOT NULL DEFAULT '{}',
    training_config        jsonb       NOT NULL DEFAULT '{}',
    photos_count           integer     NOT NULL DEFAULT 0 CHECK (photos_count BETWEEN 0 AND 50),
    training_started_at    timestamptz,
    training_completed_at  timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX avatars_name_per_user ON avatars (user_id, lower(name));
-- One training at a time per user.
CREATE UNIQUE INDEX avatars_one_training_per_user ON avatars (user_id) WHERE status = 'training';
CREATE INDEX avatars_by_user ON avatars (user_id, created_at);

-- users.avatars_count carries a CHECK (≤ 10). Updating the user's row serializes concurrent
-- inserts for one user, so the eleventh avatar fails with check_violation, race-free.
CREATE FUNCTION avatars_count_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE users SET avatars_count = avatars_count + 1 WHERE id = NEW.user_id;
        RETURN NEW;
    ELSE
        UPDATE users SET avatars_count = avatars_count - 1 WHERE id = OLD.user_id;
        RETURN OLD;
    END IF;
END $$;
CREATE TRIGGER avatars_count_maintain AFTER INSERT OR DELETE ON avatars
    FOR EACH ROW EXECUTE FUNCTION avatars_count_maintain();

-- The avatar's life cycle: draft → uploading → ready → training → completed | error |
-- cancelled, back to ready from error or cancelled for a retry, and back to uploading (or
-- draft) when photos are removed below the minimum.
CREATE FUNCTION avatars_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF (OLD.status, NEW.status) IN (
        ('draft', 'uploading'), ('draft', 'ready'),
        ('uploading', 'ready'), ('uploading', 'draft'),
        ('ready', 'uploading'), ('ready', 'training'),
        ('training', 'completed'), ('training', 'error'), ('training', 'cancelled'),
        ('error', 'ready'), ('cancelled', 'ready')) THEN
        NEW.updated_at := now();
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'avatar % cannot go from % to %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER avatars_status_guard BEFORE UPDATE OF status ON avatars
    FOR EACH ROW EXECUTE FUNCTION avatars_status_guard();

CREATE TABLE avatar_photos (
    id                       bigserial PRIMARY KEY,
    avatar_id                bigint      NOT NULL REFERENCES avatars (id) ON DELETE CASCADE,
    user_id                  bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    telegram_file_id         text,
    telegram_file_unique_id  text,
    media_group_id           text,
    storage_key              text,
    file_hash                text,                 -- hex SHA-256 of the original bytes
    perceptual_hash          bigint,               -- 64-bit dHash
    file_size                integer CHECK (file_size >= 0),
    width                    integer,
    height                   integer,
    mime_type                text,
    validation_status        text        NOT NULL DEFAULT 'pending'
                             CHECK (validation_status IN ('pending', 'valid', 'invalid', 'duplicate')),
    validation_error         text,
    has_face                 boolean,
    face_box                 jsonb,
    quality_score            real CHECK (quality_score BETWEEN 0 AND 1),
    photo_metadata           jsonb       NOT NULL DEFAULT '{}',
    upload_order             integer,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX avatar_photos_by_avatar ON avatar_photos (avatar_id, id);
CREATE UNIQUE INDEX avatar_photos_valid_hash ON avatar_photos (avatar_id, file_hash)
    WHERE validation_status = 'valid';

-- avatars.photos_count counts valid photos and carries a CHECK (≤ 50); the row update
-- serializes concurrent validations of one avatar's photos.
CREATE FUNCTION avatar_photos_count_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta integer := 0;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.validation_status = 'valid' THEN
        delta := delta - 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.validation_status = 'valid' THEN
        delta := delta + 1;
    END IF;
    IF delta <> 0 THEN
        UPDATE avatars SET photos_count = photos_count + delta
         WHERE id = COALESCE(NEW.avatar_id, OLD.avatar_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER avatar_photos_count_maintain AFTER INSERT OR UPDATE OF validation_status OR DELETE
    ON avatar_photos FOR EACH ROW EXECUTE FUNCTION avatar_photos_count_maintain();

-- One row per FAL queue request, with every webhook event received for it.
CREATE TABLE fal_requests (
    request_id    text PRIMARY KEY,
    avatar_id     bigint      REFERENCES avatars (id) ON DELETE SET NULL,
    user_id       bigint,
    app_id        text        NOT NULL,
    status        text        NOT NULL DEFAULT 'submitted'
                  CHECK (status IN ('submitted', 'in_queue', 'in_progress', 'completed',
                                    'error', 'cancelled')),
    input         jsonb,
    status_url    text,
    response_url  text,
    cancel_url    text,
    result        jsonb,
    error         text,
    events        jsonb       NOT NULL DEFAULT '[]',
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fal_requests_by_avatar ON fal_requests (avatar_id);
