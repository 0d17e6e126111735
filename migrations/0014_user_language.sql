-- The language a user picked in the bot (/language or the main menu's button): the code of a
-- catalogue, e.g. 'ru'. NULL follows Telegram's language_code, as before.
ALTER TABLE users
    ADD COLUMN language text CHECK (language ~ '^[a-z]{2,3}(-[a-z0-9]{2,8})*$');
