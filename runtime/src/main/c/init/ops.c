/*
 * The operations, one function each, run in the plan's order by the container's process after "go", in
 * its own mount namespace and before pivot_root. A target is a container path: it is opened inside the
 * container's root with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so a symlink in the image or a
 * layer (absolute, or climbing with "..") resolves as it would inside the container and never leads to the
 * host; folders are made one component at a time from a resolved parent (mkdirat); the mount itself goes
 * onto /proc/self/fd/N of the resolved O_PATH descriptor, as runc does. Sources of bind mounts are host
 * paths, chosen by the engine. Errors name the container path.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Declared here: musl has no <linux/openat2.h> or <linux/mount.h>. */
struct open_how_args {
    uint64_t flags, mode, resolve;
};
#define CONTAIN_RESOLVE_NO_MAGICLINKS 0x02
#define CONTAIN_RESOLVE_IN_ROOT 0x10
struct mount_attr_args {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#define CONTAIN_MOUNT_ATTR_RDONLY 0x1
#define CONTAIN_MOVE_MOUNT_F_EMPTY_PATH 0x4

static const char *root_path;
static int root_fd = -1;
static struct stat root_stat;

static int root(void) {
    if (root_fd < 0) {
        root_fd = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0 || fstat(root_fd, &root_stat) < 0) fail(FAIL_SETUP, errno, "open the container's root: %s", strerror(errno));
    }
    return root_fd;
}

/* After a mount on the root itself (the overlay), paths start from the new top: open the root again. */
static void root_maybe_covered(int fd) {
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_dev == root_stat.st_dev && st.st_ino == root_stat.st_ino) {
        close(root_fd);
        root_fd = -1;
    }
}

/* Opens PATH, a container path, inside the root: symlinks (absolute ones too) and ".." stay inside it, and
 * magic links (/proc/PID/root, /proc/PID/fd/N) are refused. -1 with errno on failure. */
static int in_root(const char *path, int flags, mode_t mode) {
    struct open_how_args how = {.flags = (uint64_t)(flags | O_CLOEXEC), .mode = mode,
                                .resolve = CONTAIN_RESOLVE_IN_ROOT | CONTAIN_RESOLVE_NO_MAGICLINKS};
    for (int attempt = 0;; attempt++) { /* EAGAIN: a rename raced with the lookup; the kernel asks to retry */
        long fd = syscall(SYS_openat2, root(), path, &how, sizeof how);
        if (fd >= 0 || errno != EAGAIN || attempt == 16) return (int)fd;
    }
}

static const char *fd_path(int fd, char buf[32]) {
    snprintf(buf, 32, "/proc/self/fd/%d", fd);
    return buf;
}

/* "/a/b/c" -> parent "/a/b", name "c"; "/c" -> "/", "c". */
static const char *split(const char *path, char *parent, size_t size) {
    const char *slash = strrchr(path, '/');
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= size) n = size - 1;
    memcpy(parent, path, n);
    parent[n] = 0;
    return slash + 1;
}

/* mkdir -p inside the root: from the deepest folder that exists (found with RESOLVE_IN_ROOT), each missing
 * component made with mkdirat in its parent and opened with O_NOFOLLOW; a component that turns out to be a
 * symlink (or "..") is resolved inside the root again. Returns an O_PATH descriptor of the folder. */
static int mkdir_in_root(const char *what, const char *path, mode_t mode) {
    int fd = in_root(path, O_PATH | O_DIRECTORY, 0);
    if (fd >= 0) return fd;
    if (errno != ENOENT) fail(FAIL_SETUP, errno, "%s %s: %s", what, path, strerror(errno));
    char buf[4096];
    if (strlen(path) >= sizeof buf) fail(FAIL_SETUP, ENAMETOOLONG, "%s %s: %s", what, path, strerror(ENAMETOOLONG));
    strcpy(buf, path);
    char *end = buf + strlen(buf);
    int parent = -1;
    while (parent < 0) { /* strip the last component until what is left exists */
        while (end > buf + 1 && end[-1] == '/') end--;
        while (end > buf + 1 && end[-1] != '/') end--;
        char saved = *end;
        *end = 0;
        parent = in_root(buf, O_PATH | O_DIRECTORY, 0);
        int err = errno;
        *end = saved;
        if (parent < 0 && (err != ENOENT || end == buf + 1)) fail(FAIL_SETUP, err, "%s %s: %s", what, path, strerror(err));
    }
    for (char *name = end; *name;) {
        while (*name == '/') name++;
        if (!*name) break;
        char *stop = strchrnul(name, '/');
        char saved = *stop;
        *stop = 0; /* buf is now the path up to this component */
        int next = -1;
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
            if (mkdirat(parent, name, mode) < 0 && errno != EEXIST) fail(FAIL_SETUP, errno, "%s %s: mkdir %s: %s", what, path, buf, strerror(errno));
            next = openat(parent, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (next < 0) next = in_root(buf, O_PATH | O_DIRECTORY, 0);
        if (next < 0) {
            int err = errno;
            struct stat st;
            /* a dangling symlink is not followed to make its target (runc's securejoin refuses it too) */
            if (err == ENOENT && fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                fail(FAIL_SETUP, err, "%s %s: %s is a symlink to a path missing in the container", what, path, buf);
            fail(FAIL_SETUP, err, "%s %s: %s: %s", what, path, buf, strerror(err));
        }
        close(parent);
        parent = next;
        *stop = saved;
        name = stop;
    }
    return parent;
}

/*
 * A bind remount (to make a mount read-only) must keep the flags the kernel locked on a mount inherited
 * from a more privileged namespace (nosuid, nodev, noexec, atime), or it fails with EPERM.
 */
static unsigned long locked_flags(int fd) {
    struct statvfs sv;
    if (fstatvfs(fd, &sv) < 0) return 0;
    unsigned long flags = 0;
    if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

static int remount_read_only(int fd) {
    char buf[32];
    return mount(NULL, fd_path(fd, buf), NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(fd), NULL);
}

/* ---- the operations -------------------------------------------------------------------------------- */

/* Nothing mounted in the container's namespace propagates back to the host's. */
static void op_make_private(struct plan *plan, const struct op *op) {
    (void)plan, (void)op;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail(FAIL_SETUP, errno, "make the container's mounts private: %s", strerror(errno));
}

/* linux.rootfsPropagation: the namespace's "/" (the host's copy before pivot_root, the container's root after) made
 * shared, slave, private or unbindable (recursively with MS_REC), as the engine says. */
static void op_root_propagation(struct plan *plan, const struct op *op) {
    (void)plan;
    unsigned long flags = (unsigned long)op->number;
    if (flags & ~(unsigned long)(MS_REC | MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE) || !(flags & ~(unsigned long)MS_REC))
        fail(FAIL_SETUP, EINVAL, "plan entry \"root_propagation\": flags %#lx are not one propagation", flags);
    if (mount(NULL, "/", NULL, flags, NULL) < 0) fail(FAIL_SETUP, errno, "set the propagation of / (flags %#lx): %s", flags, strerror(errno));
}

static void op_idmap(struct plan *plan, const struct op *op) {
    struct idmap *m = &plan->idmaps[op->idmap];
    if (m->fd < 0) fail(FAIL_SETUP, EPROTO, "idmap %s: no idmapped copy arrived from the host side", m->source);
    if (syscall(SYS_move_mount, m->fd, "", AT_FDCWD, m->target, CONTAIN_MOVE_MOUNT_F_EMPTY_PATH) < 0)
        fail(FAIL_SETUP, errno, "attach the idmapped copy of %s at %s: %s", m->source, m->target, strerror(errno));
    close(m->fd);
    m->fd = -1;
}

static void op_mount(struct plan *plan, const struct op *op) {
    (void)plan;
    char **a = op->args, buf[32];
    const char *source = a[0][0] ? a[0] : "none", *type = a[2][0] ? a[2] : NULL;
    unsigned long flags = (unsigned long)op->number;
    int fd = in_root(a[1], O_PATH, 0);
    if (fd < 0) fail(FAIL_SETUP, errno, "mount %s on %s: %s", source, a[1], strerror(errno));
    if (flags & MS_REMOUNT) flags |= locked_flags(fd);
    if (mount(a[0][0] ? a[0] : NULL, fd_path(fd, buf), type, flags, a[4][0] ? a[4] : NULL) < 0)
        fail(FAIL_SETUP, errno, "mount %s on %s (type %s): %s", source, a[1], type ? type : "none", strerror(errno));
    root_maybe_covered(fd);
    close(fd);
}

static void op_mkdir(struct plan *plan, const struct op *op) {
    (void)plan;
    close(mkdir_in_root("mkdir", op->args[0], (mode_t)op->number));
}

/* An empty file to bind a file onto; what exists already (a file, a folder, a device) is left as it is. */
static void op_touch(struct plan *plan, const struct op *op) {
    (void)plan;
    const char *path = op->args[0];
    int fd = in_root(path, O_PATH, 0);
    /* O_NONBLOCK: a FIFO put there meanwhile fails instead of blocking the run */
    if (fd < 0 && errno == ENOENT) fd = in_root(path, O_CREAT | O_WRONLY | O_NONBLOCK | O_NOCTTY, 0644);
    if (fd < 0 && errno == ENOENT) { /* its folder is missing too */
        char parent[4096];
        split(path, parent, sizeof parent);
        close(mkdir_in_root("create", parent, 0755));
        fd = in_root(path, O_CREAT | O_WRONLY | O_NONBLOCK | O_NOCTTY, 0644);
    }
    if (fd < 0) fail(FAIL_SETUP, errno, "create %s: %s", path, strerror(errno));
    close(fd);
}

static void op_symlink(struct plan *plan, const struct op *op) {
    (void)plan;
    char parent[4096];
    const char *name = split(op->args[1], parent, sizeof parent);
    int dir = mkdir_in_root("symlink", parent, 0755);
    if (symlinkat(op->args[0], dir, name) < 0 && errno != EEXIST)
        fail(FAIL_SETUP, errno, "symlink %s -> %s: %s", op->args[1], op->args[0], strerror(errno));
    close(dir);
}

/* A folder gets an empty read-only tmpfs, anything else /dev/null bound read-only; a missing path is skipped. */
static void op_mask(struct plan *plan, const struct op *op) {
    (void)plan;
    const char *path = op->args[0];
    char buf[32];
    struct stat st;
    int fd = in_root(path, O_PATH, 0);
    if (fd < 0 && errno == ENOENT) return;
    if (fd < 0 || fstat(fd, &st) < 0) fail(FAIL_SETUP, errno, "mask %s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        if (mount("tmpfs", fd_path(fd, buf), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
            fail(FAIL_SETUP, errno, "mask %s: mount an empty read-only tmpfs: %s", path, strerror(errno));
    } else {
        if (mount("/dev/null", fd_path(fd, buf), NULL, MS_BIND, NULL) < 0)
            fail(FAIL_SETUP, errno, "mask %s: bind /dev/null: %s", path, strerror(errno));
        int top = in_root(path, O_PATH, 0);
        if (top < 0 || remount_read_only(top) < 0) fail(FAIL_SETUP, errno, "mask %s: make it read-only: %s", path, strerror(errno));
        close(top);
    }
    close(fd);
}

/* Bound onto itself with what is mounted below it, then made read-only (recursively where the kernel can). */
static void op_readonly(struct plan *plan, const struct op *op) {
    (void)plan;
    const char *path = op->args[0];
    char buf[32];
    int fd = in_root(path, O_PATH, 0);
    if (fd < 0 && errno == ENOENT) return;
    if (fd < 0) fail(FAIL_SETUP, errno, "readonly %s: %s", path, strerror(errno));
    fd_path(fd, buf);
    if (mount(buf, buf, NULL, MS_BIND | MS_REC, NULL) < 0) fail(FAIL_SETUP, errno, "readonly %s: bind it onto itself: %s", path, strerror(errno));
    close(fd);
    int top = in_root(path, O_PATH, 0);
    if (top < 0) fail(FAIL_SETUP, errno, "readonly %s: %s", path, strerror(errno));
    struct mount_attr_args attr = {.attr_set = CONTAIN_MOUNT_ATTR_RDONLY};
    if (syscall(SYS_mount_setattr, top, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0 &&
        (errno != ENOSYS || remount_read_only(top) < 0))
        fail(FAIL_SETUP, errno, "readonly %s: make it read-only: %s", path, strerror(errno));
    close(top);
}

/* unshare(2) after "go": the cgroup namespace is made once the process is in its cgroup, so that is its root. */
static void op_unshare(struct plan *plan, const struct op *op) {
    (void)plan;
    if (unshare((int)op->number) < 0) fail(FAIL_SETUP, errno, "unshare 0x%llx: %s", op->number, strerror(errno));
}

static void op_loopback_up(struct plan *plan, const struct op *op) {
    (void)plan, (void)op;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) fail(FAIL_SETUP, errno, "find lo: %s", strerror(errno));
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) fail(FAIL_SETUP, errno, "bring up lo: %s", strerror(errno));
    close(fd);
}

static void op_hostname(struct plan *plan, const struct op *op) {
    (void)plan;
    if (sethostname(op->args[0], strlen(op->args[0])) < 0) fail(FAIL_SETUP, errno, "sethostname %s: %s", op->args[0], strerror(errno));
}

/* pivot_root(".", ".") stacks the old root under the new one; detaching it leaves only the new root. */
static void op_pivot_root(struct plan *plan, const struct op *op) {
    const char *path = op->args[0];
    int fd = in_root(path, O_PATH | O_DIRECTORY, 0);
    if (fd < 0 || fchdir(fd) < 0) fail(FAIL_SETUP, errno, "pivot_root %s: %s", path, strerror(errno));
    close(fd);
    close(root_fd);
    root_fd = -1;
    if (syscall(SYS_pivot_root, ".", ".") == 0) {
        if (umount2(".", MNT_DETACH) < 0) fail(FAIL_SETUP, errno, "detach the host's root: %s", strerror(errno));
    } else if (errno == EINVAL && plan->chroot_fallback) {
        /* the host's root cannot be pivoted away (an initramfs root): the engine allowed chroot, which does not
         * detach the host's mounts from the container's namespace, so say so */
        fprintf(stderr, "contain-init: pivot_root %s: %s; falling back to chroot, the host's mounts stay "
                        "reachable by a privileged process\n", path, strerror(EINVAL));
        if (chroot(".") < 0) fail(FAIL_SETUP, errno, "chroot %s: %s", path, strerror(errno));
    } else {
        fail(FAIL_SETUP, errno, "pivot_root %s: %s%s", path, strerror(errno),
             errno == EINVAL ? " (not a mount point, or the host's root is an initramfs; the plan allows no chroot)" : "");
    }
    if (chdir("/") < 0) fail(FAIL_SETUP, errno, "chdir /: %s", strerror(errno));
}

/* A value into an existing file (a sysctl under /proc/sys): never created, never through a symlink out of the root. */
static void op_write(struct plan *plan, const struct op *op) {
    (void)plan;
    const char *path = op->args[0], *value = op->args[1];
    int fd = in_root(path, O_WRONLY | O_TRUNC | O_NOCTTY | O_NONBLOCK, 0);
    if (fd < 0 || write_full(fd, value, strlen(value)) < 0) fail(FAIL_SETUP, errno, "write \"%s\" to %s: %s", value, path, strerror(errno));
    close(fd);
}

/* createContainer: forked and exec'd in the container's namespaces, before pivot_root (hooks.c) */
static void op_hook(struct plan *plan, const struct op *op) {
    (void)plan;
    hook_run(op->hook);
}

/* the engine runs its createRuntime hooks while this process waits here */
static void op_sync(struct plan *plan, const struct op *op) {
    (void)plan, (void)op;
    sync_with_engine();
}

/* A device node or FIFO (an OCI config's linux.devices): PATH TYPE(c|b|p) MAJOR MINOR MODE UID GID. Its mode is set
 * exactly (no umask) and its owner; one already there of the same kind and number is kept and given them. */
static void op_mknod(struct plan *plan, const struct op *op) {
    (void)plan;
    char **a = op->args, parent[4096];
    unsigned long long major, minor, uid, gid;
    if (strlen(a[1]) != 1 || !strchr("cbp", a[1][0]) || parse_number(a[2], 10, 0xfff, &major) < 0 || parse_number(a[3], 10, 0xfffff, &minor) < 0 ||
        parse_number(a[5], 10, 0xfffffffeULL, &uid) < 0 || parse_number(a[6], 10, 0xfffffffeULL, &gid) < 0)
        fail(FAIL_SETUP, EINVAL, "plan entry \"mknod\": %s: type %.8s, numbers %.16s %.16s %.16s %.16s: not a device", a[0], a[1], a[2], a[3], a[5], a[6]);
    mode_t type = a[1][0] == 'c' ? S_IFCHR : a[1][0] == 'b' ? S_IFBLK : S_IFIFO;
    dev_t dev = type == S_IFIFO ? 0 : makedev((unsigned)major, (unsigned)minor);
    const char *name = split(a[0], parent, sizeof parent);
    int dir = mkdir_in_root("mknod", parent, 0755);
    struct stat st;
    if (mknodat(dir, name, type | 0600, dev) < 0) {
        if (errno != EEXIST || fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || (st.st_mode & S_IFMT) != type || (type != S_IFIFO && st.st_rdev != dev))
            fail(FAIL_SETUP, errno == EEXIST ? EEXIST : errno, "mknod %s: %s", a[0], errno == EEXIST ? "something else is there already" : strerror(errno));
    }
    if (fchmodat(dir, name, (mode_t)op->number, 0) < 0 || fchownat(dir, name, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0)
        fail(FAIL_SETUP, errno, "mknod %s: set its mode %llo and owner %llu:%llu: %s", a[0], op->number, uid, gid, strerror(errno));
    close(dir);
}

#define NONE (-1)
static const struct op_def OPS[] = {
    {"mknod", 7, 0, 4, 8, 07777, op_mknod},
    {"make_private", 0, NONE, NONE, 0, 0, op_make_private},
    {"root_propagation", 1, NONE, 0, 10, 0xffffffffUL, op_root_propagation},
    {"idmap", 2, NONE, NONE, 0, 0, op_idmap},
    {"mount", 5, 1, 3, 10, ~0UL, op_mount},
    {"mkdir", 2, 0, 1, 8, 07777, op_mkdir},
    {"touch", 1, 0, NONE, 0, 0, op_touch},
    {"symlink", 2, 1, NONE, 0, 0, op_symlink},
    {"mask", 1, 0, NONE, 0, 0, op_mask},
    {"readonly", 1, 0, NONE, 0, 0, op_readonly},
    {"unshare", 1, NONE, 0, 10, 0x7fffffff, op_unshare},
    {"loopback_up", 0, NONE, NONE, 0, 0, op_loopback_up},
    {"hostname", 1, NONE, NONE, 0, 0, op_hostname},
    {"write", 2, 0, NONE, 0, 0, op_write},
    {"pivot_root", 1, 0, NONE, 0, 0, op_pivot_root},
    {"hook", -HOOK_FIELDS, NONE, NONE, 0, 0, op_hook}, /* fields < 0: at least that many */
    {"sync", 0, NONE, NONE, 0, 0, op_sync},
};

const struct op_def *find_op(const char *key) {
    for (size_t i = 0; i < sizeof OPS / sizeof *OPS; i++)
        if (!strcmp(OPS[i].key, key)) return &OPS[i];
    return NULL;
}

void run_operations(struct plan *plan) {
    root_path = plan->rootfs;
    for (int i = 0; i < plan->nops; i++) plan->ops[i].def->run(plan, &plan->ops[i]);
    if (root_fd >= 0) close(root_fd);
    root_fd = -1;
}
