/*
 * contain exec's native fast path: `contain exec [-i] NAME [--] CMD [ARG...]` with no JVM. launcher.sh recognises
 * that form (no -u, -e, -w, -t, -d; of the global options only --root and --run-root) and runs
 *
 *   contain-init --fast-exec LAUNCHER PLAN NAME i|- N ARG...
 *
 * ARG... are the launcher's own arguments, the command from the Nth on (counted from 0). PLAN is the exec-plan in
 * the container's state folder, written by the engine when the container started: the entries the engine sends
 * for this form of exec (InitPlan.fastExec), all but the argv. This side plays the engine's part of the exec, as
 * mechanism only: it checks that PLAN is root's and 0600, adds the argv entry (and stdin_null without -i), forks
 * the host side (host_main: its stdin and stdout the control pipes; the user's stdio it takes from this process, as
 * from the engine), and speaks the engine's side of the conversation: "go" after "pid", SIGINT, SIGTERM and SIGHUP
 * forwarded as the engine forwards them, and the end passed on as the engine passes it on (the command's code,
 * 128+N for signal N, 127/126 and the init's message when it cannot be run). The join itself is the init's, with
 * its checks: a pidfd of the container's first process and its start time (a stopped container, a reused pid).
 *
 * Where the engine would explain why no exec was made (no such container, not running, a setup failure before the
 * command ran), this side runs LAUNCHER ARG... again with CONTAIN_FAST_EXEC=off: the engine makes its own checks and
 * says it in its words. Nothing of the command has run then. CONTAIN_FAST_EXEC=trace says which path ran.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_STORED (16 * 1024 * 1024) /* plan.c's MAX_PLAN */

static const char *container;
static int trace;
static int to_init = -1;
static pid_t init_pid = -1;

/* The engine's names (engine/Signals), for its message about an init that died. */
static const char *const SIGNAL_NAMES[] = {"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
                                           "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
                                           "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
                                           "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

/* The init's host side gone: its status (0 when it was not started or is gone already). */
static int end_init(void) {
    int status = 0;
    if (to_init >= 0) close(to_init); /* an init still waiting reads the end: it kills the process, as for a gone engine */
    to_init = -1;
    if (init_pid > 0)
        while (waitpid(init_pid, &status, 0) < 0 && errno == EINTR) {
        }
    init_pid = -1;
    return status;
}

/* The engine's path instead: ARGV is LAUNCHER ARG... */
static _Noreturn void fall_back(char **argv, const char *why) {
    end_init();
    if (trace) fprintf(stderr, "trace: exec: the engine's path: %s\n", why);
    if (setenv("CONTAIN_FAST_EXEC", "off", 1) == 0) execv(argv[0], argv);
    fprintf(stderr, "contain: %s: exec: cannot run %s: %s\n", container, argv[0], strerror(errno));
    _exit(125);
}

static _Noreturn void finish(int code) {
    end_init();
    _exit(code);
}

static void forward(int sig) {
    char line[32];
    int n = snprintf(line, sizeof line, "signal %d\n", sig);
    if (to_init >= 0 && write(to_init, line, (size_t)n) < 0) {
        /* the init is gone: its end is being read */
    }
}

/* A descriptor above stdio: a pipe made while the user's stdin or stdout is closed must not take its place. */
static int above_stdio(int fd) {
    if (fd > 2) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return moved;
}

/* The stored plan (checked: root's, 0600, a regular file), its argv and stdin choice added, after the header. */
static char *plan_message(int fd, const char *path, char **cmd, int ncmd, int stdin_null, size_t *len) {
    struct stat st;
    if (fstat(fd, &st) < 0) {
        fprintf(stderr, "contain: %s: exec: cannot read %s: %s\n", container, path, strerror(errno));
        _exit(125);
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 07777) != 0600 || st.st_size > MAX_STORED) {
        fprintf(stderr, "contain: %s: exec: refused the stored exec plan %s: %s owned by uid %u with mode %04o, "
                        "%lld bytes (the engine writes a file owned by root, mode 0600)\n", container, path,
                S_ISREG(st.st_mode) ? "a file" : "not a file,", (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (long long)st.st_size);
        _exit(125);
    }
    size_t stored = (size_t)st.st_size, more = 32 + (stdin_null ? 16 : 0);
    for (int i = 0; i < ncmd; i++) more += strlen(cmd[i]) + 1;
    char *buf = malloc(64 + stored + more);
    if (!buf) {
        fprintf(stderr, "contain: %s: exec: out of memory\n", container);
        _exit(125);
    }
    char *body = buf + 64;
    if (read_full(fd, body, stored) < 0) {
        fprintf(stderr, "contain: %s: exec: cannot read %s: %s\n", container, path, errno ? strerror(errno) : "short read");
        _exit(125);
    }
    char *at = body + stored;
    at += sprintf(at, "argv%c%d%c", 0, ncmd, 0);
    for (int i = 0; i < ncmd; i++) {
        size_t n = strlen(cmd[i]) + 1;
        memcpy(at, cmd[i], n);
        at += n;
    }
    if (stdin_null) at += sprintf(at, "stdin_null%c0%c", 0, 0);
    size_t entries = (size_t)(at - body);
    char header[64];
    int h = snprintf(header, sizeof header, "plan %d %zu\n", PLAN_VERSION, entries);
    memcpy(body - h, header, (size_t)h);
    *len = (size_t)h + entries;
    return body - h;
}

int fast_exec(int argc, char **argv) {
    unsigned long long skip;
    if (argc < 8 || (strcmp(argv[5], "i") && strcmp(argv[5], "-")) || parse_number(argv[6], 10, (unsigned long long)(argc - 8), &skip) < 0) {
        fprintf(stderr, "usage: contain-init --fast-exec LAUNCHER PLAN NAME i|- N ARG... (run by contain's launcher)\n");
        return 125;
    }
    const char *path = argv[3];
    container = argv[4];
    const char *mode = getenv("CONTAIN_FAST_EXEC");
    trace = mode && !strcmp(mode, "trace");
    argv[6] = argv[2]; /* LAUNCHER ARG...: the engine's path, if it comes to that */
    char **again = argv + 6;
    char **cmd = argv + 7 + skip;
    int ncmd = argc - 7 - (int)skip;

    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ELOOP) {
        fprintf(stderr, "contain: %s: exec: refused the stored exec plan %s: a symbolic link (the engine writes a file)\n", container, path);
        return 125;
    }
    if (fd < 0) fall_back(again, errno == ENOENT ? "no stored exec plan (the container has gone meanwhile)" : strerror(errno));
    size_t len;
    char *message = plan_message(fd, path, cmd, ncmd, argv[5][0] == '-', &len);
    close(fd);
    if (trace) fprintf(stderr, "trace: exec: the native path: %s\n", path);

    int down[2], up[2];
    if (pipe2(down, O_CLOEXEC) < 0 || pipe2(up, O_CLOEXEC) < 0 || (down[0] = above_stdio(down[0])) < 0 ||
        (down[1] = above_stdio(down[1])) < 0 || (up[0] = above_stdio(up[0])) < 0 || (up[1] = above_stdio(up[1])) < 0) {
        fprintf(stderr, "contain: %s: exec: pipe: %s\n", container, strerror(errno));
        return 125;
    }
    init_pid = fork();
    if (init_pid < 0) {
        fprintf(stderr, "contain: %s: exec: fork: %s\n", container, strerror(errno));
        return 125;
    }
    if (init_pid == 0) { /* the host side, as the engine starts it: the control pipes on stdin and stdout */
        if (dup2(down[0], 0) < 0 || dup2(up[1], 1) < 0) _exit(125);
        close(down[0]), close(down[1]), close(up[0]), close(up[1]);
        control_fd = 1;
        _exit(host_main(getppid()));
    }
    close(down[0]);
    close(up[1]);
    to_init = down[1];
    prctl(PR_SET_NAME, "contain", 0, 0, 0);
    signal(SIGPIPE, SIG_IGN); /* a gone init is read as its end */
    struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    int forwarded[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaction(forwarded[i], &sa, NULL);
    write_full(to_init, message, len); /* an init that failed has closed its end: its error line follows */

    char line[4096];
    int started = 0, code, err;
    for (;;) {
        if (read_line(up[0], line, sizeof line) <= 0) break;
        char kind[16];
        int at = 0;
        if (!strncmp(line, "pid ", 4)) {
            write_full(to_init, "go\n", 3);
        } else if (!strcmp(line, "started")) {
            started = 1;
        } else if (sscanf(line, "exit code %d", &code) == 1) {
            finish(code);
        } else if (sscanf(line, "exit signal %d", &code) == 1) {
            finish(128 + code);
        } else if (sscanf(line, "error %15s %d %n", kind, &err, &at) == 2) {
            const char *why = at > 0 ? line + at : "";
            if (!strcmp(kind, "exec")) { /* the command itself: docker's codes, the engine's words */
                fprintf(stderr, "contain: %s: %s\n", container, why);
                finish(err == ENOENT ? 127 : 126);
            }
            if (!started) fall_back(again, why);
            fprintf(stderr, "contain: %s: %s: %s\n", container, kind, why); /* as the engine: the init's stage */
            finish(125);
        }
    }
    if (!started) fall_back(again, "the native init ended before the process started");
    pid_t pid = init_pid;
    int status = end_init();
    if (WIFSIGNALED(status))
        fprintf(stderr, "contain: %s: exec: the native init (pid %d) was killed by signal %d (%s) without reporting the process's exit; "
                        "the process was killed with it\n", container, (int)pid, WTERMSIG(status),
                WTERMSIG(status) < 32 ? SIGNAL_NAMES[WTERMSIG(status)] : "SIGRT");
    else
        fprintf(stderr, "contain: %s: exec: the native init (pid %d) ended without reporting the process's exit; the process was "
                        "killed with it\n", container, (int)pid);
    return 125;
}
