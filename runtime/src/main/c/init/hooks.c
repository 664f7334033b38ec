/*
 * OCI hooks the container's process runs itself (mechanism only: the engine decides which hook runs where,
 * with what, and its timeout): "hook" operations (createContainer: in the container's namespaces, before
 * pivot_root, the path resolved in the runtime's root) and "start_hook" entries (startContainer: inside the
 * container, after the exec fifo opened, just before the command). Each is forked and exec'd with the
 * container's state on its stdin: the engine's text around the pid, which only this process knows (its pid
 * as it sees it). A hook that fails to exec, exits non-zero, is killed, or outlives its timeout fails the run.
 * "sync" operations stop the process until the engine, told "sync", has run its own hooks (createRuntime).
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int sync_fd = -1;

static void write_state(int fd, const struct hook *h) {
    char pid[24];
    snprintf(pid, sizeof pid, "%d", getpid());
    /* a hook that does not read its stdin may have ended: no SIGPIPE for this process */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGPIPE, &ignore, &old);
    if (write_full(fd, h->state_prefix, strlen(h->state_prefix)) == 0 && write_full(fd, pid, strlen(pid)) == 0)
        write_full(fd, h->state_suffix, strlen(h->state_suffix));
    sigaction(SIGPIPE, &old, NULL);
    close(fd);
}

void hook_run(const struct hook *h) {
    int in[2], exec_err[2];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(exec_err, O_CLOEXEC) < 0) fail(FAIL_SETUP, errno, "hook %s: pipe: %s", h->name, strerror(errno));
    pid_t pid = fork();
    if (pid < 0) fail(FAIL_SETUP, errno, "hook %s: fork: %s", h->name, strerror(errno));
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (dup2(in[0], 0) < 0) _exit(127);
        execve(h->path, h->argv, h->envp);
        int e = errno;
        write_full(exec_err[1], &e, sizeof e);
        _exit(127);
    }
    close(in[0]);
    close(exec_err[1]);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    write_state(in[1], h);
    int e;
    if (read_full(exec_err[0], &e, sizeof e) == 0) {
        waitpid(pid, NULL, 0);
        fail(FAIL_SETUP, e, "hook %s: exec %s: %s", h->name, h->path, strerror(e));
    }
    close(exec_err[0]);
    if (h->timeout > 0 && pidfd >= 0) {
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int n;
        while ((n = poll(&p, 1, (int)(h->timeout * 1000))) < 0 && errno == EINTR) {
        }
        if (n == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            fail(FAIL_SETUP, ETIMEDOUT, "hook %s (%s): still running after its timeout of %llu s, killed", h->name, h->path, h->timeout);
        }
    }
    if (pidfd >= 0) close(pidfd);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) fail(FAIL_SETUP, errno, "hook %s: wait: %s", h->name, strerror(errno));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        fail(FAIL_SETUP, 0, "hook %s (%s): exited with code %d", h->name, h->path, WEXITSTATUS(status));
    if (WIFSIGNALED(status)) fail(FAIL_SETUP, 0, "hook %s (%s): killed by signal %d", h->name, h->path, WTERMSIG(status));
}

void sync_with_engine(void) {
    struct failure report = {.kind = REPORT_SYNC};
    if (error_fd < 0 || sync_fd < 0 || write_full(error_fd, &report, sizeof report) < 0) fail(FAIL_SETUP, EPROTO, "sync: no engine to wait for");
    char go;
    if (read_full(sync_fd, &go, 1) < 0 || go != 'G') _exit(125); /* the engine gave up: its teardown kills us anyway */
}
