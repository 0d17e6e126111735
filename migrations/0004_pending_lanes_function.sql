-- "Which chats have the oldest pending updates?", as a function that forbids sorting.
-- The inbox is a queue: ANALYZE usually sees it empty, so a cached plan believes one row is
-- pending and prefers reading every pending row of inbox_pending_by_chat and sorting them;
-- with a backlog of 20k that took 13-24 ms per call (measured with auto_explain in
-- bench/run.sh). The only plan without a sort is the ordered scan of inbox_pending_order,
-- which stops after `lim` rows whatever the backlog. SET applies inside the function only.
CREATE FUNCTION ab_pending_lanes(lim integer, low bigint)
    RETURNS TABLE (chat_id bigint, update_id bigint)
    LANGUAGE sql STABLE
    SET enable_sort = off
AS $$
    SELECT i.chat_id, i.update_id
      FROM inbox i
     WHERE i.status = 'pending' AND i.update_id + 0 >= low
     ORDER BY i.update_id + 0
     LIMIT lim
$$;
