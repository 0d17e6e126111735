-- The job claim counts a user's running jobs (JOBS_PER_USER): an index over the running ones.
CREATE INDEX jobs_running_user ON jobs (user_id) WHERE status = 'running';
