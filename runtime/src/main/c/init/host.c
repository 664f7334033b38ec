/*
 * contain-init, the host side. The engine (a multi-threaded JVM, which must not fork and must not unshare a
 * user namespace) starts this program with two pipes as stdin and stdout, its control channel, and the
 * user's stderr. Java can give a child no other descriptor, so the init takes the engine's own stdin and
 * stdout with pidfd_getfd(2): the same open files (a terminal, a pipe, a file at its offset) the container
 * would have inherited. Over the channel the engine sends a plan (see plan.c), then:
 *
 *   init -> engine   "monitor M"       (run -d only) the init's host side now runs as process M, not the
 *                                      engine's child (which has exited): the container's monitor
 *   init -> engine   "pid N"           the container's first process exists, waiting
 *   engine -> init   "go"              id maps, cgroup and network are ready
 *   init -> engine   "started" | "error setup|exec|cgroup ERRNO MESSAGE"
 *   engine -> init   "signal N"        forward a signal (Ctrl-C, SIGTERM...) to the container
 *                                      (SIGWINCH with -t: the terminal's size copied to the pty instead)
 *   init -> engine   "exit code N" | "exit signal N"
 *
 * OCI create (an exec_fifo entry; see created.c): after "go" the process waits at the fifo, and:
 *   init -> engine   "created"          it waits there, in its namespaces and cgroup, its command not yet exec'd
 *   engine -> init   "release"          the state is recorded: this side exits and leaves the process to the
 *                                      caller (or its subreaper); `start` later opens the fifo
 * OCI exec --detach (a release entry beside join): after "started" the engine may send "release" likewise:
 * the exec'd process (which has no parent-death signal then) is left to the caller's subreaper.
 *
 * A "sync" operation (OCI createRuntime hooks; see hooks.c), after "go":
 *   init -> engine   "sync"             the process waits at it, in its namespaces, before pivot_root
 *   engine -> init   "resume"           the engine's hooks ran: it goes on
 *
 * Before anything else the init runs itself again from a sealed memfd copy, so no process in the container
 * (its first process before exec, the reaper of init: true, a command whose interpreter is /proc/self/exe)
 * has a host file as its executable that it could reopen for writing (CVE-2019-5736).
 *
 * If the engine goes away (its pipe closed) the container is killed: nothing outlives its engine unnoticed.
 *
 * exec is the same conversation with a plan whose "join" entry replaces the clone flags, the root and the
 * operations: the process is cloned into the running container's pid namespace and cgroup and joins the
 * rest through a pidfd (join.c). With "tty" the command's stdio is a pty made inside (tty.c). With
 * "stdin_null" its stdin is /dev/null (exec without -i). With "detach" (exec -d) the host side forks as for
 * run -d ("monitor M"), takes no engine stdio (all /dev/null), and after "detached" stays as the process's
 * parent until it ends, writing nothing.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* clone3's arguments up to the cgroup (CLONE_ARGS_SIZE_VER2), declared here: musl has no <linux/sched.h> */
struct clone3_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define CONTAIN_CLONE_INTO_CGROUP 0x200000000ULL
/* <linux/mount.h> */
struct mount_attr_args {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#define CONTAIN_MOUNT_ATTR_IDMAP 0x00100000
#define CONTAIN_OPEN_TREE_CLONE 1
#define CONTAIN_MFD_EXEC 0x0010U

/* What the host side opened for the container's process before clone. */
struct host {
    int cgroup_fds[MAX_CGROUP_JOIN]; /* v1 "tasks" files; the container's process writes "0" to each */
    int clone_into_fd;              /* v2: the cgroup the process is cloned into (CLONE_INTO_CGROUP), or -1 */
};

/* ---- the sealed copy ------------------------------------------------------------------------------- */

/* Runs this program again from a memfd copy sealed against writing (as runc does), unless it already is
 * that copy. The container's processes are cloned from it, so /proc/PID/exe never names a host file. */
static void run_from_sealed_copy(char **argv) {
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0) fail(FAIL_SETUP, errno, "open the init's own executable: %s", strerror(errno));
    int seals = fcntl(self, F_GET_SEALS);
    if (seals >= 0 && (seals & F_SEAL_WRITE)) {
        close(self);
        return;
    }
    int copy = memfd_create("contain-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | CONTAIN_MFD_EXEC);
    if (copy < 0 && errno == EINVAL) copy = memfd_create("contain-init", MFD_CLOEXEC | MFD_ALLOW_SEALING); /* before 6.3 */
    struct stat st;
    if (copy < 0 || fstat(self, &st) < 0) fail(FAIL_SETUP, errno, "make a sealed copy of the init: %s", strerror(errno));
    for (off_t done = 0; done < st.st_size;) {
        ssize_t n = sendfile(copy, self, NULL, (size_t)(st.st_size - done));
        if (n <= 0) fail(FAIL_SETUP, n < 0 ? errno : EIO, "copy the init into its sealed copy: %s", n < 0 ? strerror(errno) : "short read");
        done += n;
    }
    if (fcntl(copy, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        fail(FAIL_SETUP, errno, "seal the init's copy: %s", strerror(errno));
    close(self);
    syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
    fail(FAIL_SETUP, errno, "run the init from its sealed copy: %s", strerror(errno));
}

/* ---- the container side ---------------------------------------------------------------------------- */

int receive_fd(int sock) {
    char byte;
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1) return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS) return errno = EPROTO, -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

/* cgroup v1: the process moves itself into its cgroups. Writing "0" (the calling thread) to a "tasks" file
 * is the one migration the kernel makes without its global threadgroup lock, whose first taking after a
 * quiet moment waits for an RCU grace period (~10 ms here); the engine writing this pid to cgroup.procs
 * takes it. Single-threaded, the thread is the whole process; its children are born inside. */
static void join_cgroups(struct plan *p, struct host *h) {
    for (int i = 0; i < p->ncgroup_join; i++) {
        if (write(h->cgroup_fds[i], "0", 1) != 1) fail(FAIL_CGROUP, errno, "put the container's process in %s: %s", p->cgroup_join[i], strerror(errno));
        close(h->cgroup_fds[i]);
    }
}

static _Noreturn void container_main(struct plan *p, struct host *h, int go_fd, int idmap_fd, int join_fd, int tty_fd, pid_t parent) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Dies with the init's parent side. In a new pid namespace getppid() is 0: the parent is outside it. */
    pid_t pp = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || (pp != 0 && pp != parent)) _exit(125);
    char go;
    if (read_full(go_fd, &go, 1) < 0 || go != 'G') _exit(125); /* the engine gave up before "go" */
    sync_fd = go_fd; /* a "sync" operation waits on it again (close-on-exec) */
    for (int i = 0; i < p->nidmaps; i++)
        if ((p->idmaps[i].fd = receive_fd(idmap_fd)) < 0) fail(FAIL_SETUP, errno, "idmap %s: receive the idmapped copy: %s", p->idmaps[i].source, strerror(errno));
    if (idmap_fd >= 0) close(idmap_fd);
    join_cgroups(p, h); /* first: the operations below include the cgroup namespace, rooted where it stands */
    if (h->clone_into_fd >= 0) close(h->clone_into_fd);
    if (p->join) {
        join_namespaces(p, join_fd); /* exec: the container exists; nothing to make */
    } else {
        if (ns_join_user(p) || (p->clone_flags & CLONE_NEWUSER)) {
            if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) fail(FAIL_SETUP, errno, "become root in the user namespace: %s", strerror(errno));
        }
        run_operations(p);
    }
    if (p->tty) tty_make(tty_fd, p);
    enter_process(&p->process);
}

/* ---- the host side --------------------------------------------------------------------------------- */

/* clone3's CLONE_INTO_CGROUP: the process is born in its cgroup (Linux 5.7+), so it is never moved: a move
 * takes the kernel's global threadgroup lock, and its first taking after a quiet moment waits for an RCU
 * grace period (~10 ms). Without a cgroup fd, clone(2) stands in for a kernel older than clone3. */
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

/* Moves the control pipes off 0 and 1 (close-on-exec: the command never sees them). */
static void move_control_pipes(int *ctl_in, int *ctl_out) {
    *ctl_in = fcntl(0, F_DUPFD_CLOEXEC, 3);
    *ctl_out = fcntl(1, F_DUPFD_CLOEXEC, 3);
    if (*ctl_in < 0 || *ctl_out < 0) fail(FAIL_SETUP, errno, "move the control pipes: %s", strerror(errno));
    control_fd = *ctl_out;
}

/* Puts the engine's own stdin and stdout on 0 and 1. The pidfd pins the engine: a pid reused after its
 * death cannot be mistaken for it, since the engine must still be our parent once the pidfd exists. A
 * closed descriptor of the engine's stays closed in the container. Returns 0, or an errno for the
 * engine's error line. */
static int open_engine(pid_t engine, int *pidfd) {
    *pidfd = (int)syscall(SYS_pidfd_open, engine, 0);
    if (*pidfd < 0) return errno;
    if (getppid() != engine) return ESRCH;
    return 0;
}

/* OCI --preserve-fds: the engine's descriptors 3..3+N-1 (its caller's, inherited) become this process's 3..3+N-1,
 * without close-on-exec, for the command. The control pipes and the pidfd move above them first. */
static void take_engine_extra_fds(int n, int *ctl_in, int *ctl_out, int *pidfd) {
    int *mine[] = {ctl_in, ctl_out, pidfd};
    for (int i = 0; i < 3; i++) {
        int moved = fcntl(*mine[i], F_DUPFD_CLOEXEC, 3 + n);
        if (moved < 0) fail(FAIL_SETUP, errno, "move the control pipes above the preserved descriptors: %s", strerror(errno));
        close(*mine[i]);
        *mine[i] = moved;
    }
    control_fd = *ctl_out;
    for (int fd = 3; fd < 3 + n; fd++) {
        int theirs = (int)syscall(SYS_pidfd_getfd, *pidfd, fd, 0);
        if (theirs < 0) fail(FAIL_SETUP, errno, "take the caller's descriptor %d (--preserve-fds %d): %s", fd, n, strerror(errno));
        if (theirs == fd) { /* the lowest free number, as it usually is: only its close-on-exec goes */
            if (fcntl(fd, F_SETFD, 0) < 0) fail(FAIL_SETUP, errno, "fcntl: %s", strerror(errno));
        } else {
            if (dup2(theirs, fd) < 0) fail(FAIL_SETUP, errno, "dup2: %s", strerror(errno));
            close(theirs);
        }
    }
}

static int take_engine_stdio(int pidfd) {
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

/* Before clone, as root in the initial namespaces. */
static void prepare(struct plan *p, struct host *h) {
    /* namespaces joined by path (network container:NAME, an OCI config's paths): opened and checked here, by
     * root in the initial namespaces, since the container's own user namespace has no rights over another's */
    ns_open(p);
    /* opened here, by root in the initial namespaces: the container's process only writes */
    for (int i = 0; i < p->ncgroup_join; i++)
        if ((h->cgroup_fds[i] = open(p->cgroup_join[i], O_WRONLY | O_CLOEXEC)) < 0)
            fail(FAIL_CGROUP, errno, "open %s: %s", p->cgroup_join[i], strerror(errno));
    h->clone_into_fd = -1;
    if (p->clone_into_cgroup && (h->clone_into_fd = open(p->clone_into_cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        fail(FAIL_CGROUP, errno, "open %s: %s", p->clone_into_cgroup, strerror(errno));
}

static const char *const RLIMIT_NAMES[] = {"cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
                                           "memlock", "as", "locks", "sigpending", "msgqueue", "nice", "rtprio", "rttime"};

int send_fd(int sock, int fd) {
    char byte = 0;
    char control[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* An idmapped detached copy of SOURCE for the container's user namespace, sent to its process, which
 * attaches it where the plan says. Made here: only root in the initial user namespace may idmap a mount,
 * and only now, once the engine has written the namespace's id maps. */
static void send_idmapped(const struct idmap *m, int userns, int sock) {
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, m->source, CONTAIN_OPEN_TREE_CLONE | O_CLOEXEC | AT_RECURSIVE);
    if (tree < 0) fail(FAIL_SETUP, errno, "idmap %s: copy the mount (open_tree): %s", m->source, strerror(errno));
    struct mount_attr_args attr = {.attr_set = CONTAIN_MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
        fail(FAIL_SETUP, errno, "idmap %s: %s%s", m->source, strerror(errno),
             errno == EINVAL || errno == EPERM ? " (this filesystem or kernel cannot idmap it)" : "");
    if (send_fd(sock, tree) < 0) fail(FAIL_SETUP, errno, "idmap %s: hand it to the container: %s", m->source, strerror(errno));
    close(tree);
}

/* "go": what root in the initial namespaces does for the waiting process before it goes on. */
static void host_go(struct plan *p, pid_t child, int idmap_sock) {
    char path[64];
    if (p->nidmaps) {
        snprintf(path, sizeof path, "/proc/%d/ns/user", child);
        int userns = open(path, O_RDONLY | O_CLOEXEC);
        if (userns < 0) fail(FAIL_SETUP, errno, "open the container's user namespace: %s", strerror(errno));
        for (int i = 0; i < p->nidmaps; i++) send_idmapped(&p->idmaps[i], userns, idmap_sock);
        close(userns);
    }
    for (int i = 0; i < p->nrlimits; i++) {
        const struct rlimit_entry *r = &p->rlimits[i];
        if (prlimit(child, r->resource, &r->limit, NULL) < 0)
            fail(FAIL_SETUP, errno, "set rlimit %s: %s", RLIMIT_NAMES[r->resource], strerror(errno));
    }
    if (p->has_oom_score_adj) {
        snprintf(path, sizeof path, "/proc/%d/oom_score_adj", child);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        char value[16];
        int n = snprintf(value, sizeof value, "%d", p->oom_score_adj);
        if (fd < 0 || write(fd, value, (size_t)n) != n) fail(FAIL_SETUP, errno, "write oom_score_adj %d: %s", p->oom_score_adj, strerror(errno));
        close(fd);
    }
}

static pid_t child = -1;
static int handover_fd = -1; /* run -d: closed at the handover, which lets the engine's own child exit */

/* A failure of the host side after clone: the container's process goes first, then the error line. */
static void kill_child(void) {
    tty_restore();
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
}

/* "--exec PATH ARGV0 [ARG...]": exec PATH with exactly this argv and the environment given, nothing more. The engine
 * runs OCI hooks (prestart, createRuntime, poststart, poststop) through it: Java cannot choose a program's argv[0]. */
static int exec_argv(int argc, char **argv) {
    if (argc < 4 || argv[2][0] != '/') {
        fprintf(stderr, "usage: contain-init --exec /PATH ARGV0 [ARG...]\n");
        return 125;
    }
    execve(argv[2], argv + 3, environ);
    int err = errno;
    fprintf(stderr, "cannot exec %s: %s\n", argv[2], strerror(err));
    return err == ENOENT ? 127 : 126;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "--exec")) return exec_argv(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "--signal")) return signal_main(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "--terminal")) return terminal_main(argc, argv);
    int fast = argc >= 2 && !strcmp(argv[1], "--fast-exec");
    control_fd = fast ? -1 : 1; /* stdout is the engine's control pipe until take_engine_stdio; --fast-exec: the user's */
    if (!fast && (argc != 2 || atoi(argv[1]) <= 0)) {
        fprintf(stderr, "usage: contain-init ENGINE-PID (started by the contain engine, not by hand)\n");
        return 125;
    }
    run_from_sealed_copy(argv);
    prctl(PR_SET_NAME, "contain-init", 0, 0, 0); /* not "memfd:contain-init", in ps and /proc/1/comm */
    for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
    if (fast) return fast_exec(argc, argv); /* the engine's part of an exec, in C (fastexec.c): its child comes to host_main */
    return host_main((pid_t)atoi(argv[1]));
}

/* The conversation with the engine (pid ENGINE, whose child this is), over stdin and stdout. */
int host_main(pid_t engine_pid) {
    int ctl_in, ctl_out;
    move_control_pipes(&ctl_in, &ctl_out);
    int engine;
    int err = open_engine(engine_pid, &engine);
    if (err) fail(FAIL_SETUP, err, "take the engine's stdin and stdout (pidfd_getfd): %s", strerror(err));
    struct plan plan = {0};
    read_plan(ctl_in, &plan);
    if (plan.process.preserve_fds) take_engine_extra_fds(plan.process.preserve_fds, &ctl_in, &ctl_out, &engine);
    int log_pipe = -1;
    if (plan.detach) {
        /* The monitor is a child of this process, which stays only until the handover: a JVM thread waits
         * in waitpid on every child the JVM started, and the JVM's exit waits ~300 ms for a thread still in
         * native code. Staying that long keeps the engine's pipes open: Java closes them once its child ends. */
        int hold[2];
        if (pipe2(hold, O_CLOEXEC) < 0) fail(FAIL_SETUP, errno, "pipe: %s", strerror(errno));
        pid_t monitor = fork();
        if (monitor < 0) fail(FAIL_SETUP, errno, "fork the monitor: %s", strerror(errno));
        if (monitor > 0) {
            /* the engine's own child, in its process group: a Ctrl-C or hang-up is the engine's to handle (it
             * tears the run down); ending here would end the engine's pipes before the monitor's answers */
            int ignored[] = {SIGINT, SIGQUIT, SIGHUP, SIGTERM};
            for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++) signal(ignored[i], SIG_IGN);
            close(hold[1]);
            close(ctl_in);
            close(ctl_out);
            close(0);
            close(1);
            char c;
            while (read(hold[0], &c, 1) < 0 && errno == EINTR) {
            }
            _exit(0); /* the monitor has been handed the container, or has ended */
        }
        close(hold[0]);
        handover_fd = hold[1];
        send_line(ctl_out, "monitor %d", getpid());
        log_pipe = monitor_stdio(&plan);
        close(engine);
    } else {
        err = take_engine_stdio(engine);
        if (err) fail(FAIL_SETUP, err, "take the engine's stdin and stdout (pidfd_getfd): %s", strerror(err));
        int null = plan.stdin_null ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1;
        if (plan.stdin_null && (null < 0 || dup2(null, 0) < 0)) fail(FAIL_SETUP, errno, "stdin from /dev/null: %s", strerror(errno));
        if (null >= 0) close(null);
    }
    tty_size_from_terminal(&plan); /* -t: the pty is made with the user's size, before the command can look */
    /* A session of our own: the terminal's Ctrl-C reaches the engine only, which forwards it once. With -t
     * the terminal is raw (no Ctrl-C signal), and this process stays in its foreground group for SIGWINCH. */
    if (!plan.tty || plan.console_socket || !isatty(0)) setsid(); /* no terminal to follow: as without -t (a terminal's Ctrl-C forwarded once) */
    int join_fd = -1;
    if (plan.join) {
        join_fd = join_open(&plan);
        join_pid_namespace(&plan, join_fd); /* the clone below is born there */
    }
    struct host host;
    prepare(&plan, &host);
    exec_fifo_make(&plan);

    int go_pipe[2], err_pipe[2], status_pipe[2] = {-1, -1}, idmap_sock[2] = {-1, -1}, tty_sock[2] = {-1, -1};
    if (pipe2(go_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0 ||
        (plan.tty && !plan.console_socket && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, tty_sock) < 0) ||
        (plan.process.reaper && pipe2(status_pipe, O_CLOEXEC | O_NONBLOCK) < 0) ||
        (plan.nidmaps && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, idmap_sock) < 0))
        fail(FAIL_SETUP, errno, "pipe: %s", strerror(errno));
    if (plan.console_socket) tty_sock[1] = tty_console_connect(&plan); /* the process sends the master there: no relay */
    sigset_t forwarded;
    sigemptyset(&forwarded);
    int forward[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD};
    for (size_t i = 0; i < sizeof forward / sizeof *forward; i++) sigaddset(&forwarded, forward[i]);
    sigprocmask(SIG_BLOCK, &forwarded, NULL);

    pid_t parent = getpid();
    ns_enter_before_clone(&plan);
    child = clone_container(plan.join ? 0 : plan.clone_flags, host.clone_into_fd);
    if (child > 0) ns_leave_after_clone(&plan);
    if (child < 0 && host.clone_into_fd >= 0) fail(FAIL_CGROUP, errno, "clone into the container's cgroup (Linux 5.7+): %s", strerror(errno));
    if (child < 0) fail(FAIL_SETUP, errno, "clone: %s", strerror(errno));
    if (child == 0) {
        close(ctl_in);
        close(ctl_out);
        control_fd = -1;
        close(go_pipe[1]);
        close(err_pipe[0]);
        if (status_pipe[0] >= 0) close(status_pipe[0]);
        if (idmap_sock[0] >= 0) close(idmap_sock[0]);
        if (log_pipe >= 0) close(log_pipe);
        if (tty_sock[0] >= 0) close(tty_sock[0]);
        error_fd = err_pipe[1];
        plan.process.status_fd = status_pipe[1];
        container_main(&plan, &host, go_pipe[0], idmap_sock[1], join_fd, tty_sock[1], parent);
    }
    before_host_failure = kill_child;
    close(go_pipe[0]);
    close(err_pipe[1]);
    if (status_pipe[1] >= 0) close(status_pipe[1]);
    if (idmap_sock[1] >= 0) close(idmap_sock[1]);
    if (tty_sock[1] >= 0) close(tty_sock[1]);
    if (join_fd >= 0) close(join_fd);
    for (int i = 0; i < plan.ncgroup_join; i++) close(host.cgroup_fds[i]); /* the container's process has its own */
    if (host.clone_into_fd >= 0) close(host.clone_into_fd);
    if (plan.detach) monitor_detach_stdio();
    int sigfd = signalfd(-1, &forwarded, SFD_CLOEXEC);
    /* a write to a gone engine fails with EPIPE instead of killing this process before it kills the
     * container (which, cloned already, keeps the default action for its command) */
    signal(SIGPIPE, SIG_IGN);
    send_line(ctl_out, "pid %d", child);

    char line[256];
    int started = 0;
    struct failure failure = {0};
    size_t failure_len = 0;
    int detached = 0;     /* the engine has handed the container to this monitor */
    int created = 0;      /* OCI create: the process waits at the exec fifo */
    int synced = 0;       /* the process waits at a "sync" operation for "resume" */
    int running = 0;      /* the command was exec'd */
    int ended = 0, end_status = 0; /* it ended before the engine had handed it over */
    /* -t: the pty's master comes over fds[4]; then the user's terminal (fds[5]) and the master (fds[6]) */
    struct pollfd fds[7] = {{.fd = ctl_in, .events = POLLIN}, {.fd = sigfd, .events = POLLIN}, {.fd = err_pipe[0], .events = POLLIN},
                            {.fd = log_pipe, .events = POLLIN}, {.fd = tty_sock[0], .events = POLLIN}, {.fd = -1, .events = POLLIN},
                            {.fd = -1, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 7, -1) < 0) {
            if (errno == EINTR) continue;
            fail(FAIL_SETUP, errno, "poll: %s", strerror(errno));
        }
        if (fds[0].revents) {
            int n = read_line(ctl_in, line, sizeof line);
            if (n <= 0 && detached) {
                fds[0].fd = -1;
                close(ctl_in);
            } else if (n <= 0) { /* the engine is gone before handing the container over: so is the container */
                kill_child();
                _exit(137);
            }
            int sig;
            if (n <= 0) {
                /* handed over: nothing more from the engine */
            } else if (!strcmp(line, "detached") && plan.detach && running) {
                /* the engine has made this process the container's owner: from now on its leaving is no signal */
                detached = 1;
                /* the answer first: closing handover_fd ends the engine's child, and when it has ended the JVM
                 * keeps only what is already in this pipe (its reaper drains and closes it) */
                send_line(ctl_out, "monitoring");
                close(handover_fd);
                if (ended) monitor_finish(&plan, log_pipe, end_status);
            } else if (!strcmp(line, "release") && ((plan.exec_fifo && created) || (plan.release && running))) {
                _exit(0); /* the process stays (waiting at the fifo, or exec'd): no contain process is left behind */
            } else if (!strcmp(line, "go")) {
                host_go(&plan, child, idmap_sock[0]);
                write_full(go_pipe[1], "G", 1); /* kept open for "resume" */
            } else if (!strcmp(line, "resume") && synced) {
                synced = 0;
                write_full(go_pipe[1], "G", 1);
            } else if (sscanf(line, "signal %d", &sig) == 1 && sig == SIGWINCH && plan.tty) {
                tty_resize(); /* the engine's terminal changed size (this process may have left its foreground group) */
            } else if (sscanf(line, "signal %d", &sig) == 1 && child > 0) {
                kill(child, sig);
            }
        }
        if (fds[2].revents) {
            ssize_t n = read(err_pipe[0], (char *)&failure + failure_len, sizeof failure - failure_len);
            if (n > 0) failure_len += (size_t)n;
            if (failure_len == sizeof failure && failure.kind == REPORT_CREATED && plan.exec_fifo && !created) {
                created = 1;
                failure_len = 0;
                send_line(ctl_out, "created");
            } else if (failure_len == sizeof failure && failure.kind == REPORT_SYNC && !synced) {
                synced = 1;
                failure_len = 0;
                send_line(ctl_out, "sync");
            } else if (n <= 0 || failure_len == sizeof failure) {
                if (failure_len == sizeof failure)
                    send_line(ctl_out, "error %s %d %s", failure_kind_name(failure.kind), failure.err, failure.message);
                else if (!started)
                    send_line(ctl_out, "started"), running = 1;
                started = 1;
                fds[2].fd = -1;
                close(err_pipe[0]);
            }
        }
        if (fds[3].revents && monitor_log(&plan, log_pipe) == 0) fds[3].fd = -1; /* read again at the end */
        if (fds[4].revents) {
            fds[6].fd = tty_start(tty_sock[0]);
            fds[5].fd = 0;
            fds[4].fd = -1;
            close(tty_sock[0]);
        }
        if (fds[5].revents && !tty_copy(0, fds[6].fd)) fds[5].fd = -1; /* the user's input ended */
        if (fds[6].revents && !tty_copy(fds[6].fd, 1)) fds[6].fd = -1; /* every holder of the pty closed it */
        if (fds[1].revents) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof si) != sizeof si) continue;
            if (si.ssi_signo == SIGWINCH && plan.tty) { /* the user's terminal changed size: the kernel tells the pty's group */
                tty_resize();
                continue;
            }
            if (si.ssi_signo != SIGCHLD) {
                if (child > 0) kill(child, (int)si.ssi_signo);
                continue;
            }
            /* release: an early end stays a zombie, which the release hands with its status to the caller's
             * subreaper (conmon waits for this pid), as runc's exec'd process is never runc's child */
            if (plan.release) continue;
            int status;
            if (waitpid(child, &status, WNOHANG) != child) continue;
            child = -1;
            before_host_failure = tty_restore;
            if (plan.tty) tty_drain(1);
            tty_restore();
            if (fds[2].fd >= 0) { /* drain a failure report written just before the exit */
                ssize_t n;
                while (failure_len < sizeof failure && (n = read(err_pipe[0], (char *)&failure + failure_len, sizeof failure - failure_len)) > 0)
                    failure_len += (size_t)n;
                if (failure_len == sizeof failure)
                    send_line(ctl_out, "error %s %d %s", failure_kind_name(failure.kind), failure.err, failure.message);
            }
            /* init: true: the reaper passes on how the command itself ended (its own exit says 128+N) */
            int command;
            if (status_pipe[0] >= 0 && read(status_pipe[0], &command, sizeof command) == sizeof command) status = command;
            if (plan.detach && running && detached) monitor_finish(&plan, log_pipe, status);
            if (plan.detach && running) { /* the engine is handing it over: finish once it has */
                ended = 1;
                end_status = status;
                fds[1].fd = -1;
                continue;
            }
            if (WIFEXITED(status)) send_line(ctl_out, "exit code %d", WEXITSTATUS(status));
            else send_line(ctl_out, "exit signal %d", WTERMSIG(status));
            return 0;
        }
    }
}
