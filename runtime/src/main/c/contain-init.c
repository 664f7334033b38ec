/*
 * contain-init: the small static program that creates a container's namespaces and execs its command.
 *
 * Policy lives in Java, mechanism here. The engine (a multi-threaded JVM, which must not fork and must
 * not unshare a user namespace) starts this program with two pipes as stdin and stdout, its control
 * channel, and the user's stderr. Java can give a child no other descriptor, so the init takes the
 * engine's own stdin and stdout with pidfd_getfd(2): the same open files (a terminal, a pipe, a file at
 * its offset) the container would have inherited. Over the channel the engine sends a plan: clone
 * flags, an ordered list of operations (mounts, mkdirs, symlinks, pivot_root, hostname), the user, the
 * environment and argv. Then:
 *
 *   init -> engine   "pid N"           the container's first process exists, waiting
 *   engine -> init   "go"              id maps, cgroup and network are ready
 *   init -> engine   "started" | "error setup|exec|cgroup ERRNO MESSAGE"
 *   engine -> init   "signal N"        forward a signal (Ctrl-C, SIGTERM...) to the container
 *   init -> engine   "exit code N" | "exit signal N"
 *
 * If the engine goes away (its pipe closed) the container is killed: nothing outlives its engine unnoticed.
 * The plan format is versioned and open: entries are key, count, fields; unknown keys are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PLAN_VERSION "1"
#define MAX_PLAN (16 * 1024 * 1024)

extern char **environ;

/* ---- plan ---------------------------------------------------------------------------------------- */

struct entry {
    const char *key;
    int argc;
    char **argv;
};

struct plan {
    struct entry *entries;
    int count;
    unsigned long long clone_flags;
    char **argv;
    char **envp;
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    int ngroups;
    const char *cwd;
    int reaper;
    /* v1 "tasks" files, opened by the host side; the container's process writes "0" to each (see join_cgroups) */
    int cgroup_fds[16];
    const char *cgroup_paths[16];
    int ncgroups;
    /* v2: the cgroup the container's process is cloned into (CLONE_INTO_CGROUP), or -1 */
    int clone_into_fd;
};

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "contain-init: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(125);
}

static int read_full(int fd, void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, (char *)buf + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, (const char *)buf + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

static void send_line(int fd, const char *fmt, ...) {
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n > (int)sizeof line - 2) n = sizeof line - 2;
    line[n] = '\n';
    write_full(fd, line, (size_t)n + 1);
}

/* Reads one '\n'-terminated line; returns its length, 0 on EOF, -1 on error. */
static int read_line(int fd, char *buf, size_t size) {
    size_t n = 0;
    while (n + 1 < size) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return r == 0 && n == 0 ? 0 : -1;
        if (c == '\n') break;
        buf[n++] = c;
    }
    buf[n] = 0;
    return (int)n + 1;
}

static char *next_token(char **cursor, char *end) {
    char *tok = *cursor;
    char *nul = memchr(tok, 0, (size_t)(end - tok));
    if (!nul) die("plan: truncated token");
    *cursor = nul + 1;
    return tok;
}

static char **dup_args(struct entry *e) {
    char **v = calloc((size_t)e->argc + 1, sizeof(char *));
    if (!v) die("out of memory");
    for (int i = 0; i < e->argc; i++) v[i] = e->argv[i];
    return v;
}

static void read_plan(int fd, struct plan *p) {
    char header[64];
    int n = read_line(fd, header, sizeof header);
    if (n == 0) _exit(125); /* the engine started this init early and its run ended before needing it */
    if (n < 0) die("no plan from the engine");
    unsigned long len;
    char version[16];
    if (sscanf(header, "plan %15s %lu", version, &len) != 2) die("bad plan header '%s'", header);
    if (strcmp(version, PLAN_VERSION) != 0) die("plan version %s, this init speaks %s", version, PLAN_VERSION);
    if (len > MAX_PLAN) die("plan too large");
    char *buf = malloc(len + 1);
    if (!buf || read_full(fd, buf, len) < 0) die("short plan");
    buf[len] = 0;
    char *cur = buf, *end = buf + len;
    int cap = 64;
    p->entries = calloc((size_t)cap, sizeof(struct entry));
    while (cur < end) {
        if (p->count == cap) {
            cap *= 2;
            p->entries = realloc(p->entries, (size_t)cap * sizeof(struct entry));
            if (!p->entries) die("out of memory");
        }
        struct entry *e = &p->entries[p->count++];
        e->key = next_token(&cur, end);
        e->argc = atoi(next_token(&cur, end));
        e->argv = calloc((size_t)e->argc + 1, sizeof(char *));
        for (int i = 0; i < e->argc; i++) e->argv[i] = next_token(&cur, end);
    }
    p->envp = calloc(1, sizeof(char *));
    for (int i = 0; i < p->count; i++) {
        struct entry *e = &p->entries[i];
        if (!strcmp(e->key, "clone") && e->argc == 1) p->clone_flags = strtoull(e->argv[0], NULL, 10);
        else if (!strcmp(e->key, "argv")) p->argv = dup_args(e);
        else if (!strcmp(e->key, "env")) p->envp = dup_args(e);
        else if (!strcmp(e->key, "cwd") && e->argc == 1) p->cwd = e->argv[0];
        else if (!strcmp(e->key, "reaper")) p->reaper = 1;
        else if (!strcmp(e->key, "user") && e->argc >= 2) {
            p->uid = (uid_t)strtoul(e->argv[0], NULL, 10);
            p->gid = (gid_t)strtoul(e->argv[1], NULL, 10);
            p->ngroups = e->argc - 2;
            p->groups = calloc((size_t)p->ngroups + 1, sizeof(gid_t));
            for (int g = 0; g < p->ngroups; g++) p->groups[g] = (gid_t)strtoul(e->argv[2 + g], NULL, 10);
        }
    }
    if (!p->argv || !p->argv[0]) die("plan has no argv");
}

/* ---- the container side ---------------------------------------------------------------------------- */

/* What the container process reports through its close-on-exec error pipe. */
struct failure {
    int kind; /* 1 setup, 2 exec, 3 cgroup */
    int err;
    char message[1024];
};

static int error_fd = -1;

static const char *failure_kind(int kind) {
    return kind == 2 ? "exec" : kind == 3 ? "cgroup" : "setup";
}

static void fail(int kind, int err, const char *fmt, ...) {
    struct failure f = {.kind = kind, .err = err};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.message, sizeof f.message, fmt, ap);
    va_end(ap);
    write_full(error_fd, &f, sizeof f);
    _exit(kind == 2 ? (err == ENOENT ? 127 : 126) : 125);
}

static int mkdir_p(const char *path, mode_t mode) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) return errno = ENAMETOOLONG, -1;
    strcpy(buf, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
    return 0;
}

/*
 * A bind remount (to make a mount read-only) must keep the flags the kernel locked on a mount inherited
 * from a more privileged namespace (nosuid, nodev, noexec, atime), or it fails with EPERM.
 */
static unsigned long locked_flags(const char *target) {
    struct statvfs sv;
    if (statvfs(target, &sv) < 0) return 0;
    unsigned long flags = 0;
    if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

static void run_operation(struct entry *e) {
    char **a = e->argv;
    if (!strcmp(e->key, "mount") && e->argc == 5) {
        unsigned long flags = strtoul(a[3], NULL, 10);
        if ((flags & MS_REMOUNT) && (flags & MS_BIND)) flags |= locked_flags(a[1]);
        const char *src = a[0][0] ? a[0] : NULL, *type = a[2][0] ? a[2] : NULL, *data = a[4][0] ? a[4] : NULL;
        if (mount(src, a[1], type, flags, data) < 0)
            fail(1, errno, "mount %s on %s (type %s): %s", a[0][0] ? a[0] : "none", a[1], type ? type : "none", strerror(errno));
    } else if (!strcmp(e->key, "mkdir") && e->argc == 2) {
        if (mkdir_p(a[0], (mode_t)strtoul(a[1], NULL, 8)) < 0) fail(1, errno, "mkdir %s: %s", a[0], strerror(errno));
    } else if (!strcmp(e->key, "touch") && e->argc == 1) {
        int fd = open(a[0], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) fail(1, errno, "create %s: %s", a[0], strerror(errno));
        close(fd);
    } else if (!strcmp(e->key, "symlink") && e->argc == 2) {
        if (symlink(a[0], a[1]) < 0 && errno != EEXIST) fail(1, errno, "symlink %s -> %s: %s", a[1], a[0], strerror(errno));
    } else if (!strcmp(e->key, "pivot_root") && e->argc == 1) {
        /* pivot_root(".", ".") stacks the old root under the new one; detaching it leaves only the new root. */
        if (chdir(a[0]) < 0) fail(1, errno, "chdir %s: %s", a[0], strerror(errno));
        if (syscall(SYS_pivot_root, ".", ".") == 0) {
            if (umount2(".", MNT_DETACH) < 0) fail(1, errno, "detach the old root: %s", strerror(errno));
        } else if (errno == EINVAL) {
            /* the host's root cannot be pivoted away (an initramfs root): chroot is the only way left, and
             * it does not detach the host's mounts from the container's namespace, so say so */
            fprintf(stderr, "contain-init: pivot_root %s: %s; falling back to chroot, the host's mounts stay "
                            "reachable by a privileged process\n", a[0], strerror(EINVAL));
            if (chroot(".") < 0) fail(1, errno, "chroot %s: %s", a[0], strerror(errno));
        } else {
            fail(1, errno, "pivot_root %s: %s", a[0], strerror(errno));
        }
        if (chdir("/") < 0) fail(1, errno, "chdir /: %s", strerror(errno));
    } else if (!strcmp(e->key, "unshare") && e->argc == 1) {
        if (unshare((int)strtoul(a[0], NULL, 10)) < 0) fail(1, errno, "unshare %s: %s", a[0], strerror(errno));
    } else if (!strcmp(e->key, "loopback_up") && e->argc == 0) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {0};
        strcpy(ifr.ifr_name, "lo");
        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) fail(1, errno, "find lo: %s", strerror(errno));
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) fail(1, errno, "bring up lo: %s", strerror(errno));
        close(fd);
    } else if (!strcmp(e->key, "hostname") && e->argc == 1) {
        if (sethostname(a[0], strlen(a[0])) < 0) fail(1, errno, "sethostname %s: %s", a[0], strerror(errno));
    }
    /* other keys are configuration (argv, env, user...) or newer operations this init does not know */
}

static pid_t command_pid;

static void forward_to_command(int sig) {
    if (command_pid > 0) kill(command_pid, sig);
}

/* With init: true, PID 1 is this loop: it forwards signals to the command and reaps every zombie. */
static void reap_as_pid1(void) {
    struct sigaction sa = {.sa_handler = forward_to_command};
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD) sigaction(sig, &sa, NULL);
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) _exit(125);
        if (pid == command_pid) _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
}

static void exec_command(struct plan *p) {
    environ = p->envp; /* execvp searches the container's PATH */
    execvp(p->argv[0], p->argv);
    fail(2, errno, "exec \"%s\": %s", p->argv[0], strerror(errno));
}

/* cgroup v1: the process moves itself into its cgroups. Writing "0" (the calling thread) to a "tasks" file
 * is the one migration the kernel makes without its global threadgroup lock, whose first taking after a
 * quiet moment waits for an RCU grace period (~10 ms here); the engine writing this pid to cgroup.procs
 * takes it. Single-threaded, the thread is the whole process; its children are born inside. */
static void join_cgroups(struct plan *p) {
    for (int i = 0; i < p->ncgroups; i++) {
        if (write(p->cgroup_fds[i], "0", 1) != 1) fail(3, errno, "put the container's process in %s: %s", p->cgroup_paths[i], strerror(errno));
        close(p->cgroup_fds[i]);
    }
}

static void container_main(struct plan *p, int go_fd, pid_t parent) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Dies with the init's parent side. In a new pid namespace getppid() is 0: the parent is outside it. */
    pid_t pp = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || (pp != 0 && pp != parent)) _exit(125);
    char go;
    if (read_full(go_fd, &go, 1) < 0 || go != 'G') _exit(125); /* the engine gave up before "go" */
    close(go_fd);
    join_cgroups(p); /* first: the operations below include the cgroup namespace, rooted where it stands */
    if (p->clone_flags & CLONE_NEWUSER) {
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) fail(1, errno, "become root in the user namespace: %s", strerror(errno));
    }
    for (int i = 0; i < p->count; i++) run_operation(&p->entries[i]);
    if (setgroups((size_t)p->ngroups, p->groups) < 0 && errno != EPERM) fail(1, errno, "setgroups: %s", strerror(errno));
    if (setresgid(p->gid, p->gid, p->gid) < 0) fail(1, errno, "setgid %u: %s", p->gid, strerror(errno));
    if (setresuid(p->uid, p->uid, p->uid) < 0) fail(1, errno, "setuid %u: %s", p->uid, strerror(errno));
    if (p->cwd && chdir(p->cwd) < 0) fail(1, errno, "chdir to workdir %s: %s", p->cwd, strerror(errno));
    if (p->reaper) {
        command_pid = fork();
        if (command_pid < 0) fail(1, errno, "fork the command: %s", strerror(errno));
        if (command_pid == 0) exec_command(p);
        close(error_fd); /* the command holds its own copy until exec */
        reap_as_pid1();
    }
    exec_command(p);
}

/* ---- the engine side ------------------------------------------------------------------------------- */

/* clone3's arguments up to the cgroup (CLONE_ARGS_SIZE_VER2), declared here: musl has no <linux/sched.h> */
struct clone3_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define CONTAIN_CLONE_INTO_CGROUP 0x200000000ULL

/* cgroup v2: the process is born in its cgroup (Linux 5.7+), so it is never moved: a move takes the
 * kernel's global threadgroup lock, and its first taking after a quiet moment waits for an RCU grace
 * period (~10 ms). Without a cgroup fd, clone(2) stands in for a kernel older than clone3. */
static pid_t clone_container(unsigned long long flags, int cgroup_fd) {
    struct clone3_args args = {.flags = flags, .exit_signal = SIGCHLD};
    if (cgroup_fd >= 0) {
        args.flags |= CONTAIN_CLONE_INTO_CGROUP;
        args.cgroup = (uint64_t)cgroup_fd;
    }
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0 && errno == ENOSYS && cgroup_fd < 0) pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
    return (pid_t)pid;
}

/* Moves the control pipes off 0 and 1 (close-on-exec: the command never sees them) and puts the engine's
 * own stdin and stdout there. The pidfd pins the engine: a pid reused after its death cannot be mistaken
 * for it, since the engine must still be our parent once the pidfd exists. A closed descriptor of the
 * engine's stays closed in the container. Returns 0, or an errno for the engine's error line. */
static int take_engine_stdio(pid_t engine, int *ctl_in, int *ctl_out) {
    *ctl_in = fcntl(0, F_DUPFD_CLOEXEC, 3);
    *ctl_out = fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (*ctl_in < 0 || *ctl_out < 0) die("move the control pipes: %s", strerror(errno));
    int pidfd = (int)syscall(SYS_pidfd_open, engine, 0);
    if (pidfd < 0) return errno;
    if (getppid() != engine) return ESRCH;
    for (int fd = 0; fd <= 1; fd++) {
        int theirs = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
        if (theirs < 0 && errno != EBADF) return errno;
        if (theirs < 0) {
            close(fd);
        } else if (theirs != fd) {
            if (dup2(theirs, fd) < 0) return errno;
            close(theirs);
        }
    }
    close(pidfd);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2 || atoi(argv[1]) <= 0) {
        fprintf(stderr, "usage: contain-init ENGINE-PID (started by the contain engine, not by hand)\n");
        return 125;
    }
    for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
    int ctl_in, ctl_out;
    int err = take_engine_stdio((pid_t)atoi(argv[1]), &ctl_in, &ctl_out);
    if (err) {
        send_line(ctl_out, "error setup %d take the engine's stdin and stdout (pidfd_getfd): %s", err, strerror(err));
        return 125;
    }
    struct plan plan = {.clone_into_fd = -1};
    read_plan(ctl_in, &plan);
    /* A session of our own: the terminal's Ctrl-C reaches the engine only, which forwards it once. */
    setsid();

    /* Before clone, as root in the initial namespaces.
     * network container:NAME: the first process shares another container's network namespace. Joined here,
     * by the init's host side (root in the initial user namespace), since the container's own user
     * namespace has no rights over a sibling's network namespace. */
    for (int i = 0; i < plan.count; i++) {
        struct entry *e = &plan.entries[i];
        if (!strcmp(e->key, "join_netns") && e->argc == 1) {
            int fd = open(e->argv[0], O_RDONLY | O_CLOEXEC);
            if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
                send_line(ctl_out, "error setup %d join the network namespace %s: %s", errno, e->argv[0], strerror(errno));
                return 125;
            }
            close(fd);
        } else if (!strcmp(e->key, "cgroup_join") && e->argc == 1) {
            /* opened here, by root in the initial namespaces: the container's process only writes */
            int fd = plan.ncgroups < (int)(sizeof plan.cgroup_fds / sizeof *plan.cgroup_fds) ? open(e->argv[0], O_WRONLY | O_CLOEXEC) : (errno = E2BIG, -1);
            if (fd < 0) {
                send_line(ctl_out, "error cgroup %d open %s: %s", errno, e->argv[0], strerror(errno));
                return 125;
            }
            plan.cgroup_paths[plan.ncgroups] = e->argv[0];
            plan.cgroup_fds[plan.ncgroups++] = fd;
        } else if (!strcmp(e->key, "clone_into_cgroup") && e->argc == 1) {
            plan.clone_into_fd = open(e->argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (plan.clone_into_fd < 0) {
                send_line(ctl_out, "error cgroup %d open %s: %s", errno, e->argv[0], strerror(errno));
                return 125;
            }
        }
    }

    int go_pipe[2], err_pipe[2];
    if (pipe2(go_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
    sigset_t forwarded;
    sigemptyset(&forwarded);
    int forward[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};
    for (size_t i = 0; i < sizeof forward / sizeof *forward; i++) sigaddset(&forwarded, forward[i]);
    sigprocmask(SIG_BLOCK, &forwarded, NULL);

    pid_t parent = getpid();
    pid_t child = clone_container(plan.clone_flags, plan.clone_into_fd);
    if (child < 0 && plan.clone_into_fd >= 0) {
        send_line(ctl_out, "error cgroup %d clone into the container's cgroup (Linux 5.7+): %s", errno, strerror(errno));
        return 125;
    }
    if (child < 0) {
        send_line(ctl_out, "error setup %d clone: %s", errno, strerror(errno));
        return 125;
    }
    if (child == 0) {
        close(ctl_in);
        close(ctl_out);
        close(go_pipe[1]);
        close(err_pipe[0]);
        error_fd = err_pipe[1];
        container_main(&plan, go_pipe[0], parent);
    }
    close(go_pipe[0]);
    close(err_pipe[1]);
    for (int i = 0; i < plan.ncgroups; i++) close(plan.cgroup_fds[i]); /* the container's process has its own */
    if (plan.clone_into_fd >= 0) close(plan.clone_into_fd);
    int sigfd = signalfd(-1, &forwarded, SFD_CLOEXEC);
    /* a write to a gone engine fails with EPIPE instead of killing this process before it kills the
     * container (which, cloned already, keeps the default action for its command) */
    signal(SIGPIPE, SIG_IGN);
    send_line(ctl_out, "pid %d", child);

    char line[256];
    int started = 0;
    struct failure failure = {0};
    size_t failure_len = 0;
    struct pollfd fds[3] = {{.fd = ctl_in, .events = POLLIN}, {.fd = sigfd, .events = POLLIN}, {.fd = err_pipe[0], .events = POLLIN}};
    for (;;) {
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll: %s", strerror(errno));
        }
        if (fds[0].revents) {
            int n = read_line(ctl_in, line, sizeof line);
            if (n <= 0) { /* the engine is gone: so is the container */
                kill(child, SIGKILL);
                waitpid(child, NULL, 0);
                return 137;
            }
            int sig;
            if (!strcmp(line, "go")) write_full(go_pipe[1], "G", 1), close(go_pipe[1]);
            else if (sscanf(line, "signal %d", &sig) == 1) kill(child, sig);
        }
        if (fds[2].revents) {
            ssize_t n = read(err_pipe[0], (char *)&failure + failure_len, sizeof failure - failure_len);
            if (n > 0) failure_len += (size_t)n;
            if (n <= 0 || failure_len == sizeof failure) {
                if (failure_len == sizeof failure)
                    send_line(ctl_out, "error %s %d %s", failure_kind(failure.kind), failure.err, failure.message);
                else if (!started)
                    send_line(ctl_out, "started");
                started = 1;
                fds[2].fd = -1;
                close(err_pipe[0]);
            }
        }
        if (fds[1].revents) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof si) != sizeof si) continue;
            if (si.ssi_signo != SIGCHLD) {
                kill(child, (int)si.ssi_signo);
                continue;
            }
            int status;
            if (waitpid(child, &status, WNOHANG) != child) continue;
            if (fds[2].fd >= 0) { /* drain a failure report written just before the exit */
                ssize_t n;
                while (failure_len < sizeof failure && (n = read(err_pipe[0], (char *)&failure + failure_len, sizeof failure - failure_len)) > 0)
                    failure_len += (size_t)n;
                if (failure_len == sizeof failure)
                    send_line(ctl_out, "error %s %d %s", failure_kind(failure.kind), failure.err, failure.message);
            }
            if (WIFEXITED(status)) send_line(ctl_out, "exit code %d", WEXITSTATUS(status));
            else send_line(ctl_out, "exit signal %d", WTERMSIG(status));
            return 0;
        }
    }
}
