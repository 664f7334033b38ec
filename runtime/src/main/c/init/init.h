/*
 * contain-init: the small static program that creates a container's namespaces and execs its command.
 * Policy lives in Java, mechanism here. One file per concern, as crun's libcrun does:
 *
 *   host.c     the host side: main, the sealed copy, clone, the conversation with the engine, "go"
 *              work that needs root in the initial namespaces (idmapped mounts, rlimits, oom_score_adj)
 *   plan.c     the plan, decoded strictly into struct plan (an unknown key, a wrong field count or a
 *              malformed number fails the run, naming the entry: a skipped security entry fails open)
 *   ops.c      the operations (mounts, folders, pivot_root...), one function each, from a table; every
 *              container path resolved inside the container's root (openat2 RESOLVE_IN_ROOT)
 *   process.c  enter_process(): ids, capabilities, no_new_privs, descriptors, seccomp, exec; the reaper
 *   util.c     pipes, lines, numbers, failures
 *   monitor.c  run -d: the host side stays as the container's monitor (log, exit file, teardown)
 *   join.c     exec: a new process joins a running container through a pidfd of its first process
 *   tty.c      -t: a pty made inside the container, relayed to the engine's terminal in raw mode
 *   created.c  the OCI create/start split: the exec fifo the process waits on before exec, the write op
 *   hooks.c    OCI hooks the process forks and execs (createContainer, startContainer); the sync point
 *   nsjoin.c   namespaces joined by path (join_ns): opened and type-checked, entered around the clone
 *   fastexec.c contain exec's native fast path: the engine's part of an exec (a plan the engine stored, the argv
 *              added), then the same conversation with this program's host side, which it forks
 *   signal.c   --signal: the engine's signal to a recorded process, through a pidfd, its start time checked
 *   terminal.c --terminal: the settings of the terminal on stdin, printed (save) or set again (set)
 *
 * The protocol is described in the README ("How it works").
 */
#ifndef CONTAIN_INIT_H
#define CONTAIN_INIT_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define PLAN_VERSION 2
#define MAX_CGROUP_JOIN 16
#define MAX_NS_JOIN 8

/* ---- failures -------------------------------------------------------------------------------------- */

enum failure_kind { FAIL_SETUP = 1, FAIL_EXEC = 2, FAIL_CGROUP = 3 };
/* Not a failure: the container's process reports through the error pipe that it waits at the exec fifo. */
#define REPORT_CREATED 4
/* Not a failure: the process waits at a "sync" operation until the engine has run its hooks (see hooks.c). */
#define REPORT_SYNC 5

/* What the container's process reports through its close-on-exec error pipe. */
struct failure {
    int kind;
    int err;
    char message[1024];
};

/* Host side: the engine's reply pipe. Container side: -1. */
extern int control_fd;
/* Container side: the close-on-exec failure pipe to the host side. Host side: -1. */
extern int error_fd;
/* Host side: what a failure does first (after clone: kill the container's process). */
extern void (*before_host_failure)(void);

/* Reports a failure (as an "error KIND ERRNO MESSAGE" line on the host side, through the error pipe on the
 * container side) and exits: 125 for setup and cgroup, 127/126 for exec. */
_Noreturn void fail(enum failure_kind kind, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *failure_kind_name(int kind);

int read_full(int fd, void *buf, size_t len);
int write_full(int fd, const void *buf, size_t len);
int read_line(int fd, char *buf, size_t size);
void send_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Digits only in BASE (no sign, no prefix, no spaces), at most MAX: 0, or -1 with errno EINVAL/ERANGE. */
int parse_number(const char *s, int base, unsigned long long max, unsigned long long *out);

/* ---- the plan -------------------------------------------------------------------------------------- */

struct plan;
struct op;

struct op_def {
    const char *key;
    int fields;
    int container_path; /* index of a field that is a container path (absolute, resolved in the root), or -1 */
    int number;         /* index of a numeric field, or -1 */
    int base;           /* its base */
    unsigned long long max; /* and its largest value */
    void (*run)(struct plan *plan, const struct op *op);
};

/* A hook (hooks.c): fields NAME TIMEOUT STATE-BEFORE-PID STATE-AFTER-PID PATH ARGC ARGS... ENV... */
#define HOOK_FIELDS 6
struct hook {
    const char *name;          /* for errors: the engine's label ("createContainer[0]") */
    unsigned long long timeout; /* seconds; 0: none */
    const char *state_prefix, *state_suffix;
    const char *path;
    char **argv, **envp;
};

struct op {
    const struct op_def *def;
    char **args;
    unsigned long long number; /* the numeric field, decoded */
    int idmap;                 /* idmap: its index in plan->idmaps */
    struct hook *hook;         /* hook: decoded */
};

/* A detached idmapped copy of SOURCE, made by the host side after "go", attached at TARGET by the op. */
struct idmap {
    const char *source;
    const char *target;
    int fd;
};

struct rlimit_entry {
    int resource;
    struct rlimit limit;
};

/* A BPF instruction (struct sock_filter), declared here: musl has no <linux/filter.h>. */
struct bpf_insn {
    uint16_t code;
    uint8_t jt;
    uint8_t jf;
    uint32_t k;
};

enum cap_set { CAPS_BOUNDING, CAPS_EFFECTIVE, CAPS_PERMITTED, CAPS_INHERITABLE, CAPS_AMBIENT, CAPS_SETS };

/* What enter_process() needs: the container's first process, and later a process exec'd into it. */
struct process {
    char **argv;
    char **envp;
    const char *cwd;
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    size_t ngroups;
    int has_caps;
    uint64_t caps[CAPS_SETS];
    int no_new_privs;
    int new_keyring; /* join a new anonymous session keyring first: the caller's keys are not the container's */
    int has_seccomp;
    unsigned int seccomp_flags;
    struct bpf_insn *filter;
    unsigned short filter_len;
    int reaper;    /* init: true: PID 1 stays, forks the command, forwards signals, reaps */
    int has_umask;
    mode_t umask;
    int exec_fifo_fd; /* OCI create: an O_PATH fd of the exec fifo, opened for writing before exec; 0: none */
    int status_fd; /* the reaper's pipe to the host side: the command's own wait status, or -1 */
    int parent_death; /* exec: SIGKILL when the host side dies, set again after the ids change */
    int outlive_host; /* exec with release: no parent-death signal, the process outlives the host side */
    struct hook *start_hooks; /* run just before exec, after the exec fifo opened */
    int nstart_hooks;
    int preserve_fds; /* OCI --preserve-fds (and LISTEN_FDS): the engine's descriptors 3..3+N-1 reach the command as they are */
};

/* A namespace joined by path (nsjoin.c): flag is its CLONE_NEW* type; fd is opened by ns_open. */
struct ns_join {
    int flag;
    const char *path;
    int fd;
};

struct plan {
    unsigned long long clone_flags;
    struct ns_join joins[MAX_NS_JOIN]; /* "join_ns TYPE PATH", each type at most once */
    int njoins;
    const char *cgroup_join[MAX_CGROUP_JOIN];
    int ncgroup_join;
    const char *clone_into_cgroup;
    const char *rootfs;
    int chroot_fallback;
    struct op *ops;
    int nops;
    struct idmap *idmaps;
    int nidmaps;
    struct rlimit_entry *rlimits;
    int nrlimits;
    int has_oom_score_adj;
    int oom_score_adj;
    /* run -d: the host side stays as the container's monitor (monitor.c) */
    int detach;                  /* the engine's stdio is not taken; its leaving does not end the container (with join:
                                  * exec -d, the monitor stays as the exec'd process's parent until it ends) */
    const char *log_path;        /* the command's stdout and stderr go here, rotated at log_max bytes (none: /dev/null) */
    unsigned long long log_max;
    const char *exit_file;       /* "code N TIME_MS" or "signal N TIME_MS", written by rename when it ends */
    char **on_exit;              /* then the monitor execs this (the engine's teardown), as conmon's exit command */
    /* exec (join.c): a new process in a running container instead of a new container */
    int join;
    pid_t join_pid;                      /* the container's first process, by pid */
    unsigned long long join_start_time;  /* and start time: a reused pid is refused */
    unsigned long long join_flags;       /* the namespaces to join (CLONE_NEW*) */
    int tty;                             /* tty.c: the command's stdio is a pty made inside the container */
    const char *console_socket;          /* tty: its master goes to this unix socket (SCM_RIGHTS), not relayed */
    unsigned short console_rows, console_cols; /* tty: the pty's window size, if not 0 */
    int release;                         /* exec: after "started", "release" leaves the process to the caller */
    int stdin_null;                      /* the command's stdin is /dev/null, not the engine's (exec without -i) */
    const char *exec_fifo;       /* OCI create: made by the host side; the process waits at it until "start" */
    struct process process;
};

/* plan.c: reads "plan VERSION LENGTH\n" and the entries; refuses what it does not know (fail() exits). */
void read_plan(int fd, struct plan *plan);

/* ops.c */
const struct op_def *find_op(const char *key);
void run_operations(struct plan *plan);

/* monitor.c: run -d. Before clone: stdin /dev/null, stdout and stderr a pipe the monitor reads. After:
 * the monitor holds no write end of it. When the command ends: the log drained, the exit file, on_exit. */
int monitor_stdio(struct plan *plan);
void monitor_detach_stdio(void);
int monitor_log(struct plan *plan, int log_pipe);
_Noreturn void monitor_finish(struct plan *plan, int log_pipe, int status);

/* join.c: exec. join_open on the host side (pidfd, stamp checked), join_pid_namespace there before the
 * clone; join_namespaces in the new process (the pidfd closed after) */
int join_open(const struct plan *plan);
/* field 22 of /proc/PID/stat, the start time in clock ticks since boot; -1 if the process is gone */
int proc_start_time(pid_t pid, unsigned long long *out);
void join_pid_namespace(const struct plan *plan, int pidfd);
void join_namespaces(const struct plan *plan, int pidfd);

/* tty.c: -t. tty_make on the container side (stdio become the pty, the master sent over SOCK); on the host
 * side tty_size_from_terminal (before the clone), tty_start (receives the master, the user's terminal raw),
 * tty_resize, tty_copy (0 at an end), tty_drain, tty_restore */
void tty_make(int sock, const struct plan *plan);
/* tty.c: console_socket: connected by the host side before clone (a host path), handed to the process */
int tty_console_connect(const struct plan *plan);
int tty_start(int sock);
void tty_size_from_terminal(struct plan *plan);
void tty_resize(void);
int tty_copy(int from, int to);
void tty_drain(int to);
void tty_restore(void);

/* host.c: a descriptor over a unix socket (SCM_RIGHTS) */
int send_fd(int sock, int fd);
int receive_fd(int sock);
/* created.c: OCI create. The host side makes the fifo before clone; the process, in its tail, says it is
 * created and blocks opening the fifo for writing until `start` opens it for reading. */
void exec_fifo_make(struct plan *plan);
int exec_fifo_wait(struct process *process);  /* returns the fifo, open: */
void exec_fifo_release(int fd);              /* its byte written: `start` returns */

/* hooks.c. decode_hook: in plan.c, strict as every entry (fields at least HOOK_FIELDS). sync_fd: the
 * container side's end of the go pipe, kept for "sync" operations. */
void decode_hook(const char *key, char **f, int n, struct hook *h);
void hook_run(const struct hook *h);
extern int sync_fd;
void sync_with_engine(void);

/* nsjoin.c: namespaces joined by path. ns_type: a CLONE_NEW* flag for a /proc/PID/ns name, or 0. On the host
 * side ns_open (each checked to be of its type), ns_enter_before_clone and ns_leave_after_clone around the
 * clone (all but user); in the new process ns_join_user (1 when it joined one), which closes the rest. */
int ns_type(const char *name);
void ns_open(struct plan *plan);
void ns_enter_before_clone(struct plan *plan);
void ns_leave_after_clone(struct plan *plan);
int ns_join_user(struct plan *plan);

/* host.c: the host side's conversation with its engine (ENGINE: its parent), over stdin and stdout */
int host_main(pid_t engine);
/* fastexec.c: "--fast-exec ...", run by launcher.sh for contain exec [-i] NAME -- CMD (see there) */
int fast_exec(int argc, char **argv);

/* signal.c: --signal PID START-TIME SIGNAL (exit 0 sent, 3 gone, 1 failed, 2 usage) */
int signal_main(int argc, char **argv);
/* terminal.c: --terminal save | --terminal set HEX, on stdin (exit 0 done, 3 no terminal, 1 failed, 2 usage) */
int terminal_main(int argc, char **argv);

/* process.c */
_Noreturn void enter_process(struct process *process);

#endif
