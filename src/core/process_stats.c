/* Process figures from /proc (see process_stats.h). */
#include "core/process_stats.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/metrics.h"

/* The system's boot time, seconds since the epoch (/proc/stat "btime"). */
static double boot_time(void)
{
    FILE *f = fopen("/proc/stat", "r");
    char line[256];
    double btime = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "btime %lf", &btime) == 1)
            break;
    if (f)
        fclose(f);
    return btime;
}

void ab_process_stats_update(void)
{
    double ticks = (double)sysconf(_SC_CLK_TCK);
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    /* the command name may hold spaces and parentheses: fields count from the last ')' */
    const char *p = strrchr(buf, ')');
    unsigned long utime, stime;
    unsigned long long start;
    if (p && ticks > 0 &&
        sscanf(p + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d "
               "%*d %llu",
               &utime, &stime, &start) == 3) {
        ab_metrics_set(AB_M_PROCESS_CPU_SECONDS, NULL, (double)(utime + stime) / ticks);
        double btime = boot_time();
        if (btime > 0)
            ab_metrics_set(AB_M_PROCESS_START_SECONDS, NULL, btime + (double)start / ticks);
    }
    long pages = 0, resident = 0;
    f = fopen("/proc/self/statm", "r");
    if (f && fscanf(f, "%ld %ld", &pages, &resident) == 2)
        ab_metrics_set(AB_M_PROCESS_RSS_BYTES, NULL,
                       (double)resident * (double)sysconf(_SC_PAGESIZE));
    if (f)
        fclose(f);
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        int fds = 0;
        for (struct dirent *e; (e = readdir(d));)
            fds += e->d_name[0] != '.';
        closedir(d);
        ab_metrics_set(AB_M_PROCESS_OPEN_FDS, NULL, fds - 1); /* not the one reading it */
    }
}
