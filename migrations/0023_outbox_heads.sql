-- The senders' next rows as a function that forbids sorting and bitmap scans (issue 19). A
-- chat's rows go out in id order, so a row is deliverable only while it is the oldest open row
-- of its chat. The claim (src/db/outbox.c) used to say so inline, and with statistics taken
-- while nothing was pending (a live outbox, usually) the planner read every pending row
-- through a bitmap scan, ran the per-chat test on each and sorted them, to keep 8: 1,664 rows
-- and 23 ms a claim with two replicas' senders under the bench's backlog (auto_explain,
-- bench/README.md). The only plan left here is the ordered scan of outbox_pending, which stops
-- once it has `lim` rows whatever the backlog. The rows are locked (SKIP LOCKED: another
-- sender's are passed over) for the caller's transaction. SET applies inside the function only.
CREATE FUNCTION ab_outbox_heads(lim integer)
    RETURNS SETOF bigint
    LANGUAGE sql VOLATILE
    SET enable_sort = off
    SET enable_bitmapscan = off
AS $$
    SELECT o.id FROM outbox o
     WHERE o.status = 'pending' AND o.not_before <= now()
       AND o.id = (SELECT min(p.id) FROM outbox p WHERE p.chat_id = o.chat_id
                   AND p.status IN ('pending', 'sending'))
     ORDER BY o.id
     LIMIT lim
       FOR UPDATE SKIP LOCKED
$$;
