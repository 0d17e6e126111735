-- Job leases that a crash cannot loop on (issue 15): every claim bumps `claims`, the fence a
-- runner's outcome must match (a runner whose lease expired and whose job was handed to
-- another cannot finish it); a lease that expires bumps `lease_expiries`, and a job whose
-- runner died twice while running it is given up at its next claim instead of killing the
-- next replica too. The lease itself is kept alive by a heartbeat while the job runs.
ALTER TABLE jobs
    ADD COLUMN claims         integer NOT NULL DEFAULT 0,
    ADD COLUMN lease_expiries integer NOT NULL DEFAULT 0;
