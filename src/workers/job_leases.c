/* The leases of the jobs this process is running, kept alive by the janitor's heartbeat.
 *
 * A job's lease must outlast its longest honest run (a slow download, a big dataset build)
 * yet expire soon after its replica dies, so that another replica takes the job over. Rather
 * than one long lease, runners hold a short one (JOB_LEASE_SECONDS) that the janitor renews
 * every third of it for as long as the job runs here; a killed replica stops renewing, and
 * its jobs come back within one lease. Renewal is fenced on the claim, so a runner that lost
 * its lease (a database outage longer than the lease) cannot take it back from the runner
 * that has the job now. */
#include <pthread.h>

#include "workers/jobs.h"

#define MAX_RUNNING 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static ab_job_lease running[MAX_RUNNING];
static int n_running;

void ab_job_lease_hold(const ab_job *job)
{
    pthread_mutex_lock(&lock);
    if (n_running < MAX_RUNNING)
        running[n_running++] = (ab_job_lease){job->id, job->claim};
    pthread_mutex_unlock(&lock);
}

void ab_job_lease_release(const ab_job *job)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < n_running; i++) {
        if (running[i].id == job->id && running[i].claim == job->claim) {
            running[i] = running[--n_running];
            break;
        }
    }
    pthread_mutex_unlock(&lock);
}

ab_err ab_job_leases_renew(ab_db *db, int lease_s)
{
    ab_job_lease copy[MAX_RUNNING];
    pthread_mutex_lock(&lock);
    int n = n_running;
    for (int i = 0; i < n; i++)
        copy[i] = running[i];
    pthread_mutex_unlock(&lock);
    return ab_db_jobs_heartbeat(db, copy, n, lease_s);
}
