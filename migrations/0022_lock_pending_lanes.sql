-- Lanes found and locked in one pass (issue 19). The dispatchers of every replica read the
-- same oldest lanes with ab_pending_lanes, then raced for their locks: the loser's round came
-- back short or empty and it read again (1 ms a read, one per ~8 updates under load). Here a
-- lane is taken while the ordered scan passes it: a lane another dispatcher holds is skipped
-- like a lane already seen, so two dispatchers take the oldest 16 and the next 16, each in one
-- statement (with the claim of each lane's oldest update, src/db/inbox.c). Same walk as
-- ab_pending_lanes (0009): one lane per chat, oldest first, no sort. The locks are the
-- dispatcher's session locks, let go with pg_advisory_unlock_all() after its round; VOLATILE,
-- so it runs once per call and is never inlined.
CREATE FUNCTION ab_lock_pending_lanes(lim integer, low bigint)
    RETURNS TABLE (chat_id bigint, update_id bigint)
    LANGUAGE sql VOLATILE
    SET enable_sort = off
AS $$
    WITH RECURSIVE lanes (chat_id, update_id, seen) AS (
        (SELECT i.chat_id, i.update_id, ARRAY[i.chat_id]
           FROM inbox i
          WHERE i.status = 'pending' AND i.update_id + 0 >= low
            AND pg_try_advisory_lock(i.chat_id)
          ORDER BY i.update_id + 0
          LIMIT 1)
        UNION ALL
        SELECT n.chat_id, n.update_id, l.seen || n.chat_id
          FROM lanes l
         CROSS JOIN LATERAL (
               SELECT i.chat_id, i.update_id
                 FROM inbox i
                WHERE i.status = 'pending' AND i.update_id + 0 > l.update_id
                  AND i.chat_id <> ALL (l.seen)
                  AND pg_try_advisory_lock(i.chat_id)
                ORDER BY i.update_id + 0
                LIMIT 1) n
         WHERE cardinality(l.seen) < lim
    )
    SELECT chat_id, update_id FROM lanes
$$;

-- ab_pending_lanes stays: replicas of the previous release call it until a rolling update
-- has replaced them all.
