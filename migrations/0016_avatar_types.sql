-- What an avatar depicts is the style trainer's "mode": a person or character, an art style, a
-- product or object, or anything (general). The value stored is that mode, so the trainer gets
-- it as it is; the first model's 'custom' (never chosen by anyone: nothing asked for it) is
-- 'general'. Portrait avatars stay 'character'.
ALTER TABLE avatars DROP CONSTRAINT avatars_avatar_type_check;
UPDATE avatars SET avatar_type = 'general' WHERE avatar_type = 'custom';
ALTER TABLE avatars ADD CONSTRAINT avatars_avatar_type_check
    CHECK (avatar_type IN ('character', 'style', 'product', 'general'));
