/*
 * The plan: "plan VERSION LENGTH\n", then LENGTH bytes of entries, each a key, a field count and the fields,
 * every token NUL-terminated. Decoded strictly into struct plan: an unknown key, a known key with the wrong
 * field count, a malformed number, a relative path where an absolute one belongs, a singular entry given
 * twice: each fails the run with a setup error naming the entry. Nothing is skipped, since a skipped
 * security entry would fail open.
 */
#include "init.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_PLAN (16 * 1024 * 1024)
#define MAX_FILTER 4096 /* BPF_MAXINSNS */

static _Noreturn void refuse(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static _Noreturn void refuse(const char *key, const char *fmt, ...) {
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    fail(FAIL_SETUP, EINVAL, "plan entry \"%.64s\": %s", key, why);
}

static void *allocate(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size);
    if (!p) fail(FAIL_SETUP, ENOMEM, "out of memory reading the plan");
    return p;
}

static unsigned long long number(const char *key, int field, const char *s, int base, unsigned long long max) {
    unsigned long long v;
    if (parse_number(s, base, max, &v) < 0)
        refuse(key, "field %d \"%.64s\" is not %s number%s", field + 1, s, base == 8 ? "an octal" : base == 16 ? "a hex" : "a decimal",
               errno == ERANGE ? " in range" : "");
    return v;
}

static const char *absolute(const char *key, int field, const char *s) {
    if (s[0] != '/') refuse(key, "field %d \"%.200s\" is not an absolute path", field + 1, s);
    return s;
}

/* ---- one decoder per entry ------------------------------------------------------------------------- */

static void d_version(struct plan *p, const char *key, char **f, int n) {
    (void)p, (void)n;
    if (number(key, 0, f[0], 10, ~0ULL) != PLAN_VERSION) refuse(key, "version %.16s, this init speaks %d", f[0], PLAN_VERSION);
}

static void d_clone(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->clone_flags = number(key, 0, f[0], 10, ~0ULL);
}

static void d_join_ns(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    int flag = ns_type(f[0]);
    if (!flag) refuse(key, "unknown namespace type \"%.32s\"", f[0]);
    for (int i = 0; i < p->njoins; i++)
        if (p->joins[i].flag == flag) refuse(key, "the %s namespace given twice", f[0]);
    p->joins[p->njoins++] = (struct ns_join){.flag = flag, .path = absolute(key, 1, f[1]), .fd = -1};
}

static void d_cgroup_join(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    if (p->ncgroup_join == MAX_CGROUP_JOIN) refuse(key, "more than %d", MAX_CGROUP_JOIN);
    p->cgroup_join[p->ncgroup_join++] = absolute(key, 0, f[0]);
}

static void d_clone_into_cgroup(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->clone_into_cgroup = absolute(key, 0, f[0]);
}

static void d_rootfs(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->rootfs = absolute(key, 0, f[0]);
}

static void d_chroot_fallback(struct plan *p, const char *key, char **f, int n) {
    (void)key, (void)f, (void)n;
    p->chroot_fallback = 1;
}

static void d_argv(struct plan *p, const char *key, char **f, int n) {
    (void)key, (void)n;
    p->process.argv = f;
}

static void d_env(struct plan *p, const char *key, char **f, int n) {
    (void)key, (void)n;
    p->process.envp = f;
}

static void d_cwd(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->process.cwd = absolute(key, 0, f[0]);
}

static void d_user(struct plan *p, const char *key, char **f, int n) {
    struct process *pr = &p->process;
    pr->uid = (uid_t)number(key, 0, f[0], 10, 0xfffffffeULL);
    pr->gid = (gid_t)number(key, 1, f[1], 10, 0xfffffffeULL);
    pr->ngroups = (size_t)(n - 2);
    pr->groups = allocate(pr->ngroups, sizeof(gid_t));
    for (int i = 2; i < n; i++) pr->groups[i - 2] = (gid_t)number(key, i, f[i], 10, 0xfffffffeULL);
}

static void d_reaper(struct plan *p, const char *key, char **f, int n) {
    (void)key, (void)f, (void)n;
    p->process.reaper = 1;
}

static void d_caps(struct plan *p, const char *key, char **f, int n) {
    for (int i = 0; i < n; i++) p->process.caps[i] = number(key, i, f[i], 16, ~0ULL);
    p->process.has_caps = 1;
}

static void d_no_new_privs(struct plan *p, const char *key, char **f, int n) {
    (void)key, (void)f, (void)n;
    p->process.no_new_privs = 1;
}

static void d_seccomp(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    struct process *pr = &p->process;
    pr->seccomp_flags = (unsigned int)number(key, 0, f[0], 10, 0xffffffffULL);
    size_t hex = strlen(f[1]);
    size_t len = hex / 2 / sizeof(struct bpf_insn);
    if (hex == 0 || hex % (2 * sizeof(struct bpf_insn)) != 0 || len > MAX_FILTER)
        refuse(key, "the program is %zu hex digits, not 1 to %d instructions of %zu bytes", hex, MAX_FILTER, sizeof(struct bpf_insn));
    unsigned char *bytes = allocate(hex / 2, 1);
    for (size_t i = 0; i < hex / 2; i++) {
        char pair[3] = {f[1][2 * i], f[1][2 * i + 1], 0};
        unsigned long long b;
        if (parse_number(pair, 16, 0xff, &b) < 0) refuse(key, "field 2 has \"%s\" at offset %zu, not lowercase hex", pair, 2 * i);
        bytes[i] = (unsigned char)b;
    }
    pr->filter = (struct bpf_insn *)bytes;
    pr->filter_len = (unsigned short)len;
    pr->has_seccomp = 1;
}

static rlim_t limit(const char *key, int field, const char *s) {
    return strcmp(s, "unlimited") == 0 ? RLIM_INFINITY : (rlim_t)number(key, field, s, 10, RLIM_INFINITY - 1);
}

static void d_rlimit(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    struct rlimit_entry *r = &p->rlimits[p->nrlimits];
    r->resource = (int)number(key, 0, f[0], 10, RLIM_NLIMITS - 1);
    for (int i = 0; i < p->nrlimits; i++)
        if (p->rlimits[i].resource == r->resource) refuse(key, "resource %d given twice", r->resource);
    r->limit.rlim_cur = limit(key, 1, f[1]);
    r->limit.rlim_max = limit(key, 2, f[2]);
    if (r->limit.rlim_cur > r->limit.rlim_max) refuse(key, "soft limit %s above the hard limit %s", f[1], f[2]);
    p->nrlimits++;
}

static void d_oom_score_adj(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    int negative = f[0][0] == '-';
    int v = (int)number(key, 0, f[0] + negative, 10, 1000);
    p->oom_score_adj = negative ? -v : v;
    p->has_oom_score_adj = 1;
}

static void d_detach(struct plan *p, const char *key, char **f, int n) {
    (void)key, (void)f, (void)n;
    p->detach = 1;
}

static void d_log(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->log_path = absolute(key, 0, f[0]);
    p->log_max = number(key, 1, f[1], 10, 1ULL << 40);
    if (p->log_max < 4096) refuse(key, "a log of %llu bytes, less than 4096", p->log_max);
}

static void d_exit_file(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->exit_file = absolute(key, 0, f[0]);
}

static void d_on_exit(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    absolute(key, 0, f[0]);
    p->on_exit = f;
}

static void d_join(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->join = 1;
    p->process.parent_death = 1;
    p->join_pid = (pid_t)number(key, 0, f[0], 10, 0x3fffffffULL);
    if (p->join_pid == 0) refuse(key, "pid 0");
    p->join_start_time = number(key, 1, f[1], 10, ~0ULL);
    p->join_flags = number(key, 2, f[2], 10, 0xffffffffULL);
    unsigned long long known = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP
                               | 0x80 /* CLONE_NEWTIME */;
    if (p->join_flags & ~known) refuse(key, "flags %#llx hold more than namespaces", p->join_flags);
}

static void d_tty(struct plan *p, const char *key, char **f, int n) {
    (void)key, (void)f, (void)n;
    p->tty = 1;
}

static void d_console_socket(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->console_socket = absolute(key, 0, f[0]);
}

static void d_console_size(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->console_rows = (unsigned short)number(key, 0, f[0], 10, 0xffff);
    p->console_cols = (unsigned short)number(key, 1, f[1], 10, 0xffff);
}

static void d_release(struct plan *p, const char *key, char **f, int n) {
    (void)key, (void)f, (void)n;
    p->release = 1;
}

static void d_new_keyring(struct plan *p, const char *key, char **f, int n) {
    (void)key, (void)f, (void)n;
    p->process.new_keyring = 1;
}

static void d_stdin_null(struct plan *p, const char *key, char **f, int n) {
    (void)key, (void)f, (void)n;
    p->stdin_null = 1;
}

static void d_umask(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->process.umask = (mode_t)number(key, 0, f[0], 8, 0777);
    p->process.has_umask = 1;
}

static void d_preserve_fds(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->process.preserve_fds = (int)number(key, 0, f[0], 10, 4096);
}

static void d_exec_fifo(struct plan *p, const char *key, char **f, int n) {
    (void)n;
    p->exec_fifo = absolute(key, 0, f[0]);
}

void decode_hook(const char *key, char **f, int n, struct hook *h) {
    if (n < HOOK_FIELDS) refuse(key, "%d fields, expected at least %d", n, HOOK_FIELDS);
    h->name = f[0];
    h->timeout = number(key, 1, f[1], 10, 86400ULL * 365);
    h->state_prefix = f[2];
    h->state_suffix = f[3];
    h->path = absolute(key, 4, f[4]);
    unsigned long long argc = number(key, 5, f[5], 10, (unsigned long long)(n - HOOK_FIELDS));
    if (argc == 0) refuse(key, "no arguments (argv[0] at least)");
    h->argv = allocate((size_t)argc + 1, sizeof(char *));
    for (unsigned long long i = 0; i < argc; i++) h->argv[i] = f[HOOK_FIELDS + i];
    int nenv = n - HOOK_FIELDS - (int)argc;
    h->envp = allocate((size_t)nenv + 1, sizeof(char *));
    for (int i = 0; i < nenv; i++) h->envp[i] = f[HOOK_FIELDS + (int)argc + i];
}

static void d_start_hook(struct plan *p, const char *key, char **f, int n) {
    struct process *pr = &p->process;
    struct hook *more = realloc(pr->start_hooks, (size_t)(pr->nstart_hooks + 1) * sizeof *more);
    if (!more) fail(FAIL_SETUP, ENOMEM, "out of memory reading the plan");
    pr->start_hooks = more;
    decode_hook(key, f, n, &pr->start_hooks[pr->nstart_hooks++]);
}

/* ---- the table ------------------------------------------------------------------------------------- */

#define ANY (-1)

struct entry_def {
    const char *key;
    int min, max; /* field counts */
    int repeatable;
    void (*decode)(struct plan *p, const char *key, char **fields, int n);
};

static const struct entry_def ENTRIES[] = {
    {"version", 1, 1, 0, d_version},
    {"clone", 1, 1, 0, d_clone},
    {"join_ns", 2, 2, 1, d_join_ns},
    {"cgroup_join", 1, 1, 1, d_cgroup_join},
    {"clone_into_cgroup", 1, 1, 0, d_clone_into_cgroup},
    {"rootfs", 1, 1, 0, d_rootfs},
    {"chroot_fallback", 0, 0, 0, d_chroot_fallback},
    {"argv", 1, ANY, 0, d_argv},
    {"env", 0, ANY, 0, d_env},
    {"cwd", 1, 1, 0, d_cwd},
    {"user", 2, ANY, 0, d_user},
    {"reaper", 0, 0, 0, d_reaper},
    {"caps", CAPS_SETS, CAPS_SETS, 0, d_caps},
    {"no_new_privs", 0, 0, 0, d_no_new_privs},
    {"seccomp", 2, 2, 0, d_seccomp},
    {"rlimit", 3, 3, 1, d_rlimit},
    {"oom_score_adj", 1, 1, 0, d_oom_score_adj},
    {"detach", 0, 0, 0, d_detach},
    {"log", 2, 2, 0, d_log},
    {"exit_file", 1, 1, 0, d_exit_file},
    {"on_exit", 1, ANY, 0, d_on_exit},
    {"join", 3, 3, 0, d_join},
    {"tty", 0, 0, 0, d_tty},
    {"umask", 1, 1, 0, d_umask},
    {"exec_fifo", 1, 1, 0, d_exec_fifo},
    {"console_socket", 1, 1, 0, d_console_socket},
    {"console_size", 2, 2, 0, d_console_size},
    {"release", 0, 0, 0, d_release},
    {"start_hook", HOOK_FIELDS, ANY, 1, d_start_hook},
    {"preserve_fds", 1, 1, 0, d_preserve_fds},
    {"stdin_null", 0, 0, 0, d_stdin_null},
    {"new_keyring", 0, 0, 0, d_new_keyring},
};
#define NENTRIES (int)(sizeof ENTRIES / sizeof *ENTRIES)

static void add_op(struct plan *p, const struct op_def *def, char **f, int n, int *cap) {
    if (p->nops == *cap) {
        *cap *= 2;
        p->ops = realloc(p->ops, (size_t)*cap * sizeof *p->ops);
        if (!p->ops) fail(FAIL_SETUP, ENOMEM, "out of memory reading the plan");
    }
    struct op *op = &p->ops[p->nops++];
    *op = (struct op){.def = def, .args = f, .idmap = -1};
    if (def->container_path >= 0) absolute(def->key, def->container_path, f[def->container_path]);
    if (def->number >= 0) op->number = number(def->key, def->number, f[def->number], def->base, def->max);
    if (!strcmp(def->key, "hook")) {
        op->hook = allocate(1, sizeof *op->hook);
        decode_hook(def->key, f, n, op->hook);
    }
    if (!strcmp(def->key, "idmap")) {
        op->idmap = p->nidmaps;
        p->idmaps[p->nidmaps++] = (struct idmap){.source = absolute(def->key, 0, f[0]), .target = absolute(def->key, 1, f[1]), .fd = -1};
    }
}

static char *token(char **at, char *end, const char *key) {
    char *tok = *at;
    char *nul = tok < end ? memchr(tok, 0, (size_t)(end - tok)) : NULL;
    if (!nul) refuse(key, "the plan ends inside this entry");
    *at = nul + 1;
    return tok;
}

void read_plan(int fd, struct plan *p) {
    char header[64];
    int n = read_line(fd, header, sizeof header);
    if (n == 0) _exit(125); /* the engine started this init early and its run ended before needing it */
    if (n < 0) fail(FAIL_SETUP, EPROTO, "no plan from the engine");
    unsigned long len;
    int version;
    char extra;
    if (sscanf(header, "plan %d %lu%c", &version, &len, &extra) != 2) fail(FAIL_SETUP, EPROTO, "bad plan header '%.32s'", header);
    if (version != PLAN_VERSION) fail(FAIL_SETUP, EPROTO, "plan version %d, this init speaks %d", version, PLAN_VERSION);
    if (len > MAX_PLAN) fail(FAIL_SETUP, E2BIG, "plan of %lu bytes, more than %d", len, MAX_PLAN);
    char *buf = allocate(len + 1, 1);
    if (read_full(fd, buf, len) < 0) fail(FAIL_SETUP, EPROTO, "the plan ended before its %lu bytes", len);
    char *at = buf, *end = buf + len;

    /* every entry takes at least two tokens of two bytes: bounds for the arrays */
    size_t most = len / 4 + 1;
    int op_cap = 64;
    p->ops = allocate((size_t)op_cap, sizeof *p->ops);
    p->idmaps = allocate(most, sizeof *p->idmaps);
    p->rlimits = allocate(RLIM_NLIMITS, sizeof *p->rlimits);
    p->process.status_fd = -1;
    int seen[NENTRIES] = {0};
    while (at < end) {
        char *key = token(&at, end, "(key)");
        unsigned long long count;
        if (parse_number(token(&at, end, key), 10, (unsigned long long)(end - at), &count) < 0)
            refuse(key, "the field count is not a number of fields the plan holds");
        char **f = allocate((size_t)count + 1, sizeof(char *));
        for (unsigned long long i = 0; i < count; i++) f[i] = token(&at, end, key);
        int fields = (int)count;

        const struct op_def *op = find_op(key);
        if (op) {
            if (op->fields >= 0 ? fields != op->fields : fields < -op->fields)
                refuse(key, "%d fields, expected %s%d", fields, op->fields < 0 ? "at least " : "", op->fields < 0 ? -op->fields : op->fields);
            add_op(p, op, f, fields, &op_cap);
            continue;
        }
        int e = 0;
        while (e < NENTRIES && strcmp(ENTRIES[e].key, key) != 0) e++;
        if (e == NENTRIES) refuse(key, "unknown to this init (plan version %d)", PLAN_VERSION);
        const struct entry_def *def = &ENTRIES[e];
        if (fields < def->min || (def->max != ANY && fields > def->max)) {
            if (def->min == def->max) refuse(key, "%d fields, expected %d", fields, def->min);
            refuse(key, "%d fields, expected at least %d", fields, def->min);
        }
        if (seen[e]++ && !def->repeatable) refuse(key, "given twice");
        def->decode(p, key, f, fields);
    }
    if (!seen[0]) refuse("version", "missing");
    if (!p->process.argv) refuse("argv", "missing");
    if (!p->process.envp) p->process.envp = allocate(1, sizeof(char *));
    if (!p->detach && (p->log_path || p->exit_file || p->on_exit))
        refuse(p->log_path ? "log" : p->exit_file ? "exit_file" : "on_exit", "only for a detached container (no detach entry)");
    if (p->detach && !p->join && (!p->log_path || !p->exit_file)) refuse("detach", "needs the log and exit_file entries");
    if (p->join) { /* a process entering a container makes none of it */
        const char *other = p->clone_flags ? "clone" : p->rootfs ? "rootfs" : p->nops ? p->ops[0].def->key : p->njoins ? "join_ns"
                          : p->process.reaper ? "reaper" : p->on_exit ? "on_exit" : p->chroot_fallback ? "chroot_fallback" : NULL;
        if (other) refuse(other, "not with join (exec into a running container)");
    }
    if (p->tty && p->detach) refuse("tty", "not with detach");
    if ((p->console_socket || p->console_rows || p->console_cols) && !p->tty)
        refuse(p->console_socket ? "console_socket" : "console_size", "only with tty");
    if (p->release && !p->join) refuse("release", "only with join (exec into a running container)");
    if (p->release && p->detach) refuse("release", "not with detach (the exec's monitor)");
    if (p->release && p->tty && !p->console_socket) refuse("release", "with tty only with console_socket (no relay stays)");
    if (p->release) { /* the process outlives the host side once released: no parent-death signal */
        p->process.parent_death = 0;
        p->process.outlive_host = 1;
    }
    for (int i = 0; i < p->njoins; i++)
        if ((unsigned long long)p->joins[i].flag & p->clone_flags) refuse("join_ns", "%s: a namespace joined and also made (clone)", p->joins[i].path);
    for (int i = 0; i < p->nops && !p->rootfs; i++)
        if (p->ops[i].def->container_path >= 0) refuse(p->ops[i].def->key, "a container path, and the plan has no rootfs entry");
}
