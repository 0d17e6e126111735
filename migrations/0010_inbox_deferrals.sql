-- A step that failed because the database could not serve it then (a statement or lock
-- timeout, too many connections, the connection lost) is not the update's fault: its attempt is
-- given back and it waits (not_before), with a back-off that grows with its deferrals, instead
-- of being set aside after three such failures with an apology to the user (issue 15).
ALTER TABLE inbox
    ADD COLUMN not_before timestamptz,
    ADD COLUMN deferrals  integer NOT NULL DEFAULT 0;
