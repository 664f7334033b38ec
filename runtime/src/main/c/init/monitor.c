/*
 * The monitor of a detached container (run -d): the init's host side stays after the engine has gone, as
 * conmon does for podman. It holds the read end of the pipe that is the command's stdout and stderr and
 * appends what comes to the log (renamed to LOG.1 when it reaches the plan's size, one old file kept),
 * forwards signals, reaps the command, writes how it ended to the exit file (a new file renamed over the
 * old: a reader sees all of it or nothing), and then execs the plan's on_exit command (the engine's
 * teardown) with the log as its stdout and stderr, so a teardown failure is read with `contain logs`.
 * Mechanism only: the paths, the size and the teardown's argv come from the plan.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int log_fd = -1;
static unsigned long long log_size;

static void open_log(const struct plan *p, int truncate) {
    log_fd = open(p->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0640);
    if (log_fd < 0) fail(FAIL_SETUP, errno, "open the log %s: %s", p->log_path, strerror(errno));
    struct stat st;
    log_size = fstat(log_fd, &st) == 0 ? (unsigned long long)st.st_size : 0;
}

/* Before clone: the container's stdin is /dev/null, its stdout and stderr the log pipe's write end; with no
 * log (exec -d), /dev/null too, and -1. */
int monitor_stdio(struct plan *p) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (!p->log_path) {
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) fail(FAIL_SETUP, errno, "open /dev/null: %s", strerror(errno));
        close(null);
        return -1;
    }
    int pipefd[2];
    if (null < 0 || pipe2(pipefd, O_CLOEXEC) < 0) fail(FAIL_SETUP, errno, "make the log pipe: %s", strerror(errno));
    if (dup2(null, 0) < 0 || dup2(pipefd[1], 1) < 0 || dup2(pipefd[1], 2) < 0) fail(FAIL_SETUP, errno, "dup2: %s", strerror(errno));
    close(null);
    close(pipefd[1]);
    open_log(p, 0);
    return pipefd[0];
}

/* After clone, in the monitor: it holds no write end of the log pipe (the pipe ends when the container's
 * processes do) and not the engine's stderr (a caller reading it to its end would wait for the container). */
void monitor_detach_stdio(void) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 1);
        dup2(null, 2);
        close(null);
    }
}

static char buffer[16384];

static void append(const struct plan *p, const char *data, size_t len) {
    if (write_full(log_fd, data, len) < 0) return; /* a full disk: the output is lost, the container runs on */
    log_size += len;
    if (log_size >= p->log_max) {
        char old[PATH_MAX];
        snprintf(old, sizeof old, "%s.1", p->log_path);
        rename(p->log_path, old);
        close(log_fd);
        open_log(p, 1);
    }
}

/* What is in the pipe now, appended to the log; 0 at the pipe's end. */
int monitor_log(struct plan *p, int log_pipe) {
    ssize_t n = read(log_pipe, buffer, sizeof buffer);
    if (n > 0) append(p, buffer, (size_t)n);
    return n < 0 && errno == EINTR ? 1 : (int)n;
}

static void write_exit(const struct plan *p, int status) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    char text[96], fresh[PATH_MAX];
    int n = WIFEXITED(status) ? snprintf(text, sizeof text, "code %d %lld\n", WEXITSTATUS(status), ms)
                              : snprintf(text, sizeof text, "signal %d %lld\n", WTERMSIG(status), ms);
    snprintf(fresh, sizeof fresh, "%s.new", p->exit_file);
    int fd = open(fresh, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write_full(fd, text, (size_t)n) < 0 || close(fd) < 0 || rename(fresh, p->exit_file) < 0) {
        char line[PATH_MAX + 64];
        int m = snprintf(line, sizeof line, "contain-init: cannot write %s: %s\n", p->exit_file, strerror(errno));
        write_full(log_fd, line, (size_t)m);
    }
}

/* The command has ended: the rest of its output (its other processes may hold the pipe a moment longer:
 * at most 200 ms of silence is waited for), the exit file, then the teardown. */
_Noreturn void monitor_finish(struct plan *p, int log_pipe, int status) {
    struct pollfd pfd = {.fd = log_pipe, .events = POLLIN};
    while (log_pipe >= 0 && poll(&pfd, 1, 200) > 0) {
        ssize_t n = read(log_pipe, buffer, sizeof buffer);
        if (n <= 0) break;
        append(p, buffer, (size_t)n);
    }
    if (log_pipe >= 0) close(log_pipe);
    if (p->exit_file) write_exit(p, status);
    if (!p->on_exit) _exit(0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* exec keeps the blocked mask and ignored signals */
    signal(SIGPIPE, SIG_DFL);
    execve(p->on_exit[0], p->on_exit, environ);
    char line[PATH_MAX + 64];
    int m = snprintf(line, sizeof line, "contain-init: cannot run the teardown %s: %s\n", p->on_exit[0], strerror(errno));
    write_full(2, line, (size_t)m);
    _exit(125);
}
