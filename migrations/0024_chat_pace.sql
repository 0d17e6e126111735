-- Per-chat pacing shared by every replica (issue 20). Telegram allows about one message per
-- second to a chat; each replica paced its chats in memory, so a chat whose messages two
-- replicas sent in turn could get twice that. A chat's messages already go out one at a time
-- across replicas (the next row is claimable only once the previous is marked sent), so the
-- pace is a GCRA clock kept here: the mark of a delivered message moves its chat's
-- theoretical arrival time (tat) on by one interval, and the claim returns it with the row.
-- A row per chat messaged lately; the janitor deletes those whose tat has passed.
CREATE TABLE chat_pace (
    chat_id bigint      PRIMARY KEY,
    tat     timestamptz NOT NULL
) WITH (fillfactor = 50); -- room for the tat's HOT updates

-- The chat's clock as the claim returns it, read in a snapshot of its own: the claim's heads
-- (ab_outbox_heads, VOLATILE) are found in a snapshot taken after the claim statement began,
-- so a row can be a head because its chat's previous message was marked sent after that; the
-- statement's own snapshot would then still show the clock from before that message. A
-- VOLATILE function reads in a newer snapshot, which has the mark and the clock it moved
-- (one statement wrote both).
CREATE FUNCTION ab_chat_pace_ahead(chat bigint)
    RETURNS float8
    LANGUAGE sql VOLATILE
AS $$
    SELECT extract(epoch FROM p.tat - now())::float8 FROM chat_pace p WHERE p.chat_id = chat
$$;
