/* contain-init --signal PID START-TIME SIGNAL: the engine's signal to a process it recorded (stop, kill, the OCI
 * kill), through a pidfd opened before the process's start time is compared with the recorded one, so the signal
 * reaches that process or none, even if its pid has been reused meanwhile (the pidfd pins what it was opened for).
 * Mechanism only: the engine chose the process and the signal. In C rather than through JNA from the engine: JNA's
 * first load sets up java.util.logging, ~40 ms of a stop's ~100.
 * Exit 0: sent; 3: the process is gone, or another process has its pid now; 1: failed (why, on stderr); 2: usage. */
#include "init.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { SENT = 0, FAILED = 1, USAGE = 2, GONE = 3 };

/* argv[i] as a decimal number in [min, max], or -1 */
static long long decimal(const char *s, long long min, long long max) {
    if (!*s || *s == '-' || *s == '+') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < (unsigned long long)min || v > (unsigned long long)max) return -1;
    return (long long)v;
}

int signal_main(int argc, char **argv) {
    long long pid = argc == 5 ? decimal(argv[2], 1, INT_MAX) : -1;
    long long start = argc == 5 ? decimal(argv[3], 0, LLONG_MAX) : -1;
    long long sig = argc == 5 ? decimal(argv[4], 1, NSIG - 1) : -1;
    if (pid < 0 || start < 0 || sig < 0) {
        fprintf(stderr, "usage: contain-init --signal PID START-TIME SIGNAL (from the contain engine)\n");
        return USAGE;
    }
    int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (pidfd < 0) {
        if (errno == ESRCH) return GONE;
        fprintf(stderr, "pidfd_open %lld (Linux 5.3+): %s\n", pid, strerror(errno));
        return FAILED;
    }
    unsigned long long now;
    if (proc_start_time((pid_t)pid, &now) < 0 || now != (unsigned long long)start) {
        close(pidfd);
        return GONE;
    }
    if (syscall(SYS_pidfd_send_signal, pidfd, (int)sig, NULL, 0) < 0) {
        int err = errno;
        close(pidfd);
        if (err == ESRCH) return GONE;
        fprintf(stderr, "pidfd_send_signal %lld to %lld: %s\n", sig, pid, strerror(err));
        return FAILED;
    }
    close(pidfd);
    return SENT;
}
