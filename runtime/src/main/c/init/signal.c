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
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { SENT = 0, FAILED = 1, USAGE = 2, GONE = 3 };

int signal_main(int argc, char **argv) {
    unsigned long long pid, start, sig;
    if (argc != 5 || parse_number(argv[2], 10, INT_MAX, &pid) < 0 || pid == 0 || parse_number(argv[3], 10, ULLONG_MAX, &start) < 0 ||
        parse_number(argv[4], 10, NSIG - 1, &sig) < 0 || sig == 0) {
        fprintf(stderr, "usage: contain-init --signal PID START-TIME SIGNAL (from the contain engine)\n");
        return USAGE;
    }
    int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (pidfd < 0) {
        if (errno == ESRCH) return GONE;
        fprintf(stderr, "pidfd_open %llu (Linux 5.3+): %s\n", pid, strerror(errno));
        return FAILED;
    }
    unsigned long long now;
    if (proc_start_time((pid_t)pid, &now) < 0 || now != start) {
        close(pidfd);
        return GONE;
    }
    if (syscall(SYS_pidfd_send_signal, pidfd, (int)sig, NULL, 0) < 0) {
        int err = errno;
        close(pidfd);
        if (err == ESRCH) return GONE;
        fprintf(stderr, "pidfd_send_signal %llu to %llu: %s\n", sig, pid, strerror(err));
        return FAILED;
    }
    close(pidfd);
    return SENT;
}
