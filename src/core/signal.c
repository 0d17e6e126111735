/* Condition-variable signal with a sequence number, so a raise between checking for work and
 * starting to wait is never lost. */
#include "core/signal.h"

#include <time.h>

void ab_signal_init(ab_signal *s)
{
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &attr);
    pthread_condattr_destroy(&attr);
    s->seq = 0;
}

void ab_signal_destroy(ab_signal *s)
{
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
}

void ab_signal_raise(ab_signal *s)
{
    pthread_mutex_lock(&s->lock);
    s->seq++;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void ab_signal_raise_one(ab_signal *s)
{
    pthread_mutex_lock(&s->lock);
    s->seq++;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

unsigned long ab_signal_seq(ab_signal *s)
{
    pthread_mutex_lock(&s->lock);
    unsigned long seq = s->seq;
    pthread_mutex_unlock(&s->lock);
    return seq;
}

void ab_signal_wait(ab_signal *s, unsigned long seen, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->lock);
    while (s->seq == seen) {
        if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) != 0)
            break;
    }
    pthread_mutex_unlock(&s->lock);
}
