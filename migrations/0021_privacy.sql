-- The privacy notice (issue 20): a user agrees to it before their first upload; when they did
-- is kept with the user (and goes with them on /forget).
ALTER TABLE users ADD COLUMN privacy_accepted_at timestamptz;
