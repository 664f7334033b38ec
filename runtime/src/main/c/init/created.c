/*
 * The OCI create/start split, as runc does it with its exec fifo. The host side makes a FIFO in the
 * container's state folder before clone and hands its process an O_PATH descriptor of it. At the end of its
 * tail (namespaces, cgroup, mounts, ids, capabilities done; only the last seccomp load and exec left) the
 * process reports "created" through its error pipe and opens the FIFO for writing through /proc/self/fd,
 * which blocks until `start` opens it for reading; then it runs its start hooks (if any), writes one byte (so
 * `start` returns once they ran) and execs. Mechanism only: the
 * engine decides whether a plan is created this way (the exec_fifo entry) and where the FIFO is.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

void exec_fifo_make(struct plan *p) {
    if (!p->exec_fifo) return;
    if (mkfifo(p->exec_fifo, 0622) < 0 || chmod(p->exec_fifo, 0622) < 0) /* 0622: the container's user writes it */
        fail(FAIL_SETUP, errno, "make the exec fifo %s: %s", p->exec_fifo, strerror(errno));
    int fd = open(p->exec_fifo, O_PATH | O_CLOEXEC);
    if (fd <= 0) fail(FAIL_SETUP, fd < 0 ? errno : EBADF, "open the exec fifo %s: %s", p->exec_fifo, strerror(fd < 0 ? errno : EBADF));
    p->process.exec_fifo_fd = fd;
}

int exec_fifo_wait(struct process *p) {
    /* from "created" on, the container outlives the init's host side: it is the caller's (its subreaper's) */
    if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0) fail(FAIL_SETUP, errno, "clear the parent-death signal: %s", strerror(errno));
    struct failure created = {.kind = REPORT_CREATED};
    if (write_full(error_fd, &created, sizeof created) < 0) _exit(125);
    error_fd = -1; /* the engine and the host side may be gone by now: a failure goes to stderr */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p->exec_fifo_fd);
    int fd;
    while ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (fd < 0) fail(FAIL_SETUP, errno, "open the exec fifo (%s, needs /proc in the container): %s", path, strerror(errno));
    close(p->exec_fifo_fd);
    p->exec_fifo_fd = 0;
    return fd;
}

void exec_fifo_release(int fd) {
    if (write_full(fd, "0", 1) < 0) fail(FAIL_SETUP, errno, "write to the exec fifo: %s", strerror(errno));
    close(fd);
}
