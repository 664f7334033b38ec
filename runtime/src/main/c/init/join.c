/*
 * exec: a new process in a running container, through a pidfd of the container's first process.
 *
 * The plan's "join PID START_TIME FLAGS" names that process by pid AND start time (the stamp the engine
 * recorded when it started). The host side opens a pidfd first, then compares the start time: a pidfd
 * pins the process it was opened for, so once both match, every setns through it reaches the container's
 * namespaces even if the process ends and its pid is reused meanwhile (setns then fails, ESRCH).
 *
 *   host side       setns(pidfd, CLONE_NEWPID): only its children go there (the one it clones next)
 *   the new process born in the container's pid namespace (and its v2 cgroup, CLONE_INTO_CGROUP), joins
 *                   its v1 cgroups, then setns(pidfd, every other flag) at once: user first (the kernel's
 *                   order), mnt (its root and cwd become the container's), net, uts, ipc, cgroup, time; then
 *                   root in the user namespace, as the first process is before its tail
 *
 * FLAGS come from the engine (the namespaces the container made): joining one we are already in would
 * fail (a user namespace) or be a no-op. Needs Linux 5.8 (setns with a pidfd).
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Field 22 of /proc/PID/stat, the start time in clock ticks since boot; -1 if the process is gone. */
int proc_start_time(pid_t pid, unsigned long long *out) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *at = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    if (!at) return -1;
    at += 2; /* field 3, the state */
    for (int field = 3; field < 22; field++) {
        at = strchr(at, ' ');
        if (!at) return -1;
        at++;
    }
    char *end;
    errno = 0;
    *out = strtoull(at, &end, 10);
    return errno || end == at ? -1 : 0;
}

int join_open(const struct plan *p) {
    int pidfd = (int)syscall(SYS_pidfd_open, p->join_pid, 0);
    if (pidfd < 0 && errno == ESRCH) fail(FAIL_SETUP, ESRCH, "the container's process %d has ended", (int)p->join_pid);
    if (pidfd < 0) fail(FAIL_SETUP, errno, "open the container's process %d (pidfd_open, Linux 5.3+): %s", (int)p->join_pid, strerror(errno));
    unsigned long long now;
    if (proc_start_time(p->join_pid, &now) < 0 || now != p->join_start_time)
        fail(FAIL_SETUP, ESRCH, "the container's process %d has ended (pid %d is another process now, started at %llu, not %llu)",
             (int)p->join_pid, (int)p->join_pid, now, p->join_start_time);
    return pidfd;
}

void join_pid_namespace(const struct plan *p, int pidfd) {
    if ((p->join_flags & CLONE_NEWPID) && setns(pidfd, CLONE_NEWPID) < 0)
        fail(FAIL_SETUP, errno, "join the container's pid namespace (setns with a pidfd, Linux 5.8+): %s", strerror(errno));
}

void join_namespaces(const struct plan *p, int pidfd) {
    /* nothing of this process (memory, descriptors) may be read or traced from the container before exec,
     * which makes it dumpable again (runc's nsexec does the same) */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) fail(FAIL_SETUP, errno, "make the process non-dumpable: %s", strerror(errno));
    int flags = (int)(p->join_flags & ~(unsigned long long)CLONE_NEWPID);
    if (flags && setns(pidfd, flags) < 0)
        fail(FAIL_SETUP, errno, "join the container's namespaces (setns with a pidfd, flags %#x): %s", (unsigned)flags,
             errno == ESRCH ? "the container's process has ended" : strerror(errno));
    close(pidfd);
    if ((flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        fail(FAIL_SETUP, errno, "become root in the container's user namespace: %s", strerror(errno));
}
