/* The process's own figures for /metrics, read from /proc at scrape time: CPU seconds,
 * resident memory, open file descriptors, start time (Prometheus' standard process_* names). */
#ifndef AB_CORE_PROCESS_STATS_H
#define AB_CORE_PROCESS_STATS_H

/** Sets the process_* metrics from /proc/self (a figure that cannot be read is left out). */
void ab_process_stats_update(void);

#endif
