-- Lanes by each lane's oldest pending update (issue 15, fairness). ab_pending_lanes returned
-- the oldest `lim` pending updates, so one chat with a backlog (a group, a user forwarding
-- hundreds of messages) filled every round and hid every other chat until its backlog was
-- nearly gone. Now it walks the same ordered index but returns one row per lane: after each
-- lane found it looks for the next pending update of a lane not yet seen, so the round's
-- lanes are the chats whose oldest pending updates are oldest, one each. A backlog costs a
-- skip over its rows (an index range with a filter), not a stall of everyone else.
CREATE OR REPLACE FUNCTION ab_pending_lanes(lim integer, low bigint)
    RETURNS TABLE (chat_id bigint, update_id bigint)
    LANGUAGE sql STABLE
    SET enable_sort = off
AS $$
    WITH RECURSIVE lanes (chat_id, update_id, seen) AS (
        (SELECT i.chat_id, i.update_id, ARRAY[i.chat_id]
           FROM inbox i
          WHERE i.status = 'pending' AND i.update_id + 0 >= low
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
                ORDER BY i.update_id + 0
                LIMIT 1) n
         WHERE cardinality(l.seen) < lim
    )
    SELECT chat_id, update_id FROM lanes
$$;
