/* A wake-up signal between threads: raised when there may be new work (a local insert or a
 * PostgreSQL NOTIFY), waited on with a timeout so polling remains the fallback. */
#ifndef AB_CORE_SIGNAL_H
#define AB_CORE_SIGNAL_H

#include <pthread.h>

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned long seq;
} ab_signal;

void ab_signal_init(ab_signal *s);
void ab_signal_destroy(ab_signal *s);
/** Wakes every waiter. */
void ab_signal_raise(ab_signal *s);
/** Wakes one waiter (the one that finds work wakes the next: a cascade, not a stampede). */
void ab_signal_raise_one(ab_signal *s);
/** Current sequence number; pass it to ab_signal_wait to not miss raises in between. */
unsigned long ab_signal_seq(ab_signal *s);
/** Waits until the signal is raised after `seen` or timeout_ms pass. */
void ab_signal_wait(ab_signal *s, unsigned long seen, int timeout_ms);
/** Sleeps up to ms, cut short when the signal is raised after `seen` (for interruptible
 *  pauses). */
#define ab_signal_sleep ab_signal_wait

#endif
