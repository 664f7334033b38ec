/*
 * enter_process(): the tail every process entering a container goes through, the first one now and one
 * exec'd into a running container later. In order:
 *
 *   keyring       a new anonymous session keyring (KEYCTL_JOIN_SESSION_KEYRING, as runc): the keys of the
 *                 caller's session (possessed, so reachable whatever the ids) stay behind; first, before a
 *                 seccomp profile that denies keyctl is loaded
 *   seccomp       first, when no_new_privs is off: loading it then needs CAP_SYS_ADMIN (runc's order)
 *   bounding set  every capability not in the plan's bounding mask dropped (needs CAP_SETPCAP: before ids)
 *   ids           setgroups, setresgid, setresuid; with a caps entry PR_SET_KEEPCAPS keeps the permitted
 *                 set across a change to a non-root uid, so the plan's masks decide, not the kernel's rule
 *   cwd
 *   no_new_privs
 *   capabilities  effective, permitted, inheritable (capset), then ambient cleared and raised per the plan
 *   descriptors   every one above 2 close-on-exec (close_range): nothing of the host's reaches the command
 *   seccomp       last, when no_new_privs is on
 *   exec          (with init: true, PID 1 forks the command first and stays as its reaper)
 *
 * rlimits and oom_score_adj are set by the host side (root in the initial namespaces) before "go" lets
 * this process on: a user namespace cannot raise a hard limit.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Declared here: musl has no <linux/capability.h>, <linux/seccomp.h> or <linux/close_range.h>. */
struct cap_header {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};
#define CONTAIN_CAP_VERSION_3 0x20080522
struct seccomp_prog {
    unsigned short len;
    struct bpf_insn *filter;
};
#define CONTAIN_SECCOMP_SET_MODE_FILTER 1
#define CONTAIN_CLOSE_RANGE_CLOEXEC (1U << 2)
#define CONTAIN_KEYCTL_JOIN_SESSION_KEYRING 1

static void load_seccomp(const struct process *p) {
    struct seccomp_prog prog = {.len = p->filter_len, .filter = p->filter};
    if (syscall(SYS_seccomp, CONTAIN_SECCOMP_SET_MODE_FILTER, p->seccomp_flags, &prog) < 0)
        fail(FAIL_SETUP, errno, "load the seccomp filter (%u instructions, flags %u): %s", p->filter_len, p->seccomp_flags, strerror(errno));
}

static void drop_bounding(uint64_t keep) {
    for (int cap = 0; cap < 64; cap++) {
        if (keep & (1ULL << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            if (errno == EINVAL) break; /* past the kernel's last capability */
            fail(FAIL_SETUP, errno, "drop capability %d from the bounding set: %s", cap, strerror(errno));
        }
    }
}

static void set_caps(const struct process *p) {
    struct cap_header header = {.version = CONTAIN_CAP_VERSION_3};
    struct cap_data data[2];
    for (int i = 0; i < 2; i++) {
        data[i].effective = (uint32_t)(p->caps[CAPS_EFFECTIVE] >> (32 * i));
        data[i].permitted = (uint32_t)(p->caps[CAPS_PERMITTED] >> (32 * i));
        data[i].inheritable = (uint32_t)(p->caps[CAPS_INHERITABLE] >> (32 * i));
    }
    if (syscall(SYS_capset, &header, data) < 0)
        fail(FAIL_SETUP, errno, "set the capabilities (effective %llx, permitted %llx, inheritable %llx): %s",
             (unsigned long long)p->caps[CAPS_EFFECTIVE], (unsigned long long)p->caps[CAPS_PERMITTED],
             (unsigned long long)p->caps[CAPS_INHERITABLE], strerror(errno));
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) fail(FAIL_SETUP, errno, "clear the ambient capabilities: %s", strerror(errno));
    for (int cap = 0; cap < 64; cap++)
        if ((p->caps[CAPS_AMBIENT] & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            fail(FAIL_SETUP, errno, "raise capability %d in the ambient set: %s", cap, strerror(errno));
}

/* close_range(2) (Linux 5.9; CLOSE_RANGE_CLOEXEC 5.11), or one descriptor at a time. */
static void close_fds(unsigned int from, unsigned int to, unsigned int flags) {
    if (from > to || syscall(SYS_close_range, from, to, flags) == 0) return;
    for (unsigned int fd = from; fd <= to && fd < 65536; fd++) {
        if (flags & CONTAIN_CLOSE_RANGE_CLOEXEC) fcntl((int)fd, F_SETFD, FD_CLOEXEC);
        else close((int)fd);
    }
}

static pid_t command_pid;

static void forward_to_command(int sig) {
    if (command_pid > 0) kill(command_pid, sig);
}

/* With init: true, PID 1 is this loop: it forwards signals to the command and reaps every zombie. The
 * command's own wait status goes to the host side, so a command killed by a signal is reported as such. */
static _Noreturn void reap_as_pid1(int status_fd) {
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) _exit(125);
        if (pid == command_pid) {
            if (status_fd >= 0) write_full(status_fd, &status, sizeof status);
            _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
    }
}

/* Returns in the command's process; PID 1 stays in the reaper. */
static void start_reaper(struct process *p) {
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old); /* no signal lost between fork and the handlers */
    command_pid = fork();
    if (command_pid < 0) fail(FAIL_SETUP, errno, "fork the command: %s", strerror(errno));
    if (command_pid == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        return;
    }
    /* nothing in the container may open this process's executable, memory or descriptors (/proc/1/...) */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    int keep = p->status_fd;
    if (keep >= 3) {
        close_fds(3, (unsigned int)keep - 1, 0);
        close_fds((unsigned int)keep + 1, ~0U, 0);
    } else {
        close_fds(3, ~0U, 0);
    }
    error_fd = -1; /* closed: the command holds its own copy until exec */
    struct sigaction sa = {.sa_handler = forward_to_command};
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD) sigaction(sig, &sa, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    reap_as_pid1(keep);
}

_Noreturn void enter_process(struct process *p) {
    /* ENOSYS: a kernel without keys has no keyring to leave behind */
    if (p->new_keyring && syscall(SYS_keyctl, CONTAIN_KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
        fail(FAIL_SETUP, errno, "join a new session keyring: %s", strerror(errno));
    if (p->has_seccomp && !p->no_new_privs) load_seccomp(p);
    if (p->has_caps) drop_bounding(p->caps[CAPS_BOUNDING]);
    if (setgroups(p->ngroups, p->groups) < 0 && errno != EPERM) fail(FAIL_SETUP, errno, "setgroups: %s", strerror(errno));
    if (p->has_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail(FAIL_SETUP, errno, "keep capabilities across setuid: %s", strerror(errno));
    if (setresgid(p->gid, p->gid, p->gid) < 0) fail(FAIL_SETUP, errno, "setgid %u: %s", p->gid, strerror(errno));
    if (setresuid(p->uid, p->uid, p->uid) < 0) fail(FAIL_SETUP, errno, "setuid %u: %s", p->uid, strerror(errno));
    /* a change of ids clears the parent-death signal: an exec'd process must still die with its host side */
    if (p->parent_death && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) fail(FAIL_SETUP, errno, "set the parent-death signal: %s", strerror(errno));
    if (p->outlive_host && prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0) fail(FAIL_SETUP, errno, "clear the parent-death signal: %s", strerror(errno));
    if (p->cwd && chdir(p->cwd) < 0) fail(FAIL_SETUP, errno, "chdir to workdir %s: %s", p->cwd, strerror(errno));
    if (p->has_umask) umask(p->umask);
    if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(FAIL_SETUP, errno, "set no_new_privs: %s", strerror(errno));
    if (p->has_caps) set_caps(p);
    /* the error pipe must stay open until exec; the caller's preserved descriptors (below it) stay open after */
    close_fds(3 + (unsigned int)p->preserve_fds, ~0U, CONTAIN_CLOSE_RANGE_CLOEXEC);
    int fifo = p->exec_fifo_fd > 0 ? exec_fifo_wait(p) : -1;
    for (int i = 0; i < p->nstart_hooks; i++) hook_run(&p->start_hooks[i]); /* a failure: `start` reads no byte */
    if (fifo >= 0) exec_fifo_release(fifo);
    if (p->has_seccomp && p->no_new_privs) load_seccomp(p);
    if (p->reaper) start_reaper(p);
    environ = p->envp; /* execvp searches the container's PATH */
    execvp(p->argv[0], p->argv);
    fail(FAIL_EXEC, errno, "exec \"%s\": %s", p->argv[0], strerror(errno));
}
