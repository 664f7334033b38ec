/*
 * Namespaces joined by path (the plan's "join_ns TYPE PATH" entries): an OCI config's
 * linux.namespaces[].path, a pod's shared network, ipc or uts namespace, `network: container:NAME`.
 *
 *   host side, before clone   every path opened (by root in the initial namespaces, in the host's mount
 *                             namespace) and checked to be a namespace of its type (NS_GET_NSTYPE); then
 *                             setns into each but user, clone (the process is born in them: pid and time
 *                             only take effect for children), and setns back, so the host side (the
 *                             monitor, its log and exit file, the exec fifo) stays where it was
 *   the new process           setns into a joined user namespace first thing, then root in it; the
 *                             engine makes the other new namespaces after that (unshare ops) so they
 *                             belong to it. A new user namespace instead is made by clone, after the
 *                             joins, and owns only the namespaces clone makes
 *
 * Which namespaces are joined, and whether that is allowed, is the engine's choice; this only does it.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define CONTAIN_NS_GET_NSTYPE 0xb703 /* _IO(0xb7, 0x3), <linux/nsfs.h>, Linux 4.11 */
#define CONTAIN_CLONE_NEWTIME 0x80

static const struct {
    const char *name;
    int flag;
} TYPES[] = {
    {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS}, {"pid", CLONE_NEWPID}, {"net", CLONE_NEWNET},
    {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS}, {"cgroup", CLONE_NEWCGROUP}, {"time", CONTAIN_CLONE_NEWTIME},
};

int ns_type(const char *name) {
    for (size_t i = 0; i < sizeof TYPES / sizeof *TYPES; i++)
        if (!strcmp(TYPES[i].name, name)) return TYPES[i].flag;
    return 0;
}

static const char *type_name(int flag) {
    for (size_t i = 0; i < sizeof TYPES / sizeof *TYPES; i++)
        if (TYPES[i].flag == flag) return TYPES[i].name;
    return "?";
}

void ns_open(struct plan *p) {
    for (int i = 0; i < p->njoins; i++) {
        struct ns_join *j = &p->joins[i];
        j->fd = open(j->path, O_RDONLY | O_CLOEXEC);
        if (j->fd < 0) fail(FAIL_SETUP, errno, "join the %s namespace %s: %s", type_name(j->flag), j->path, strerror(errno));
        int type = ioctl(j->fd, CONTAIN_NS_GET_NSTYPE);
        if (type < 0 && (errno == ENOTTY || errno == EINVAL))
            fail(FAIL_SETUP, EINVAL, "join the %s namespace %s: not a namespace", type_name(j->flag), j->path);
        if (type < 0) fail(FAIL_SETUP, errno, "join the %s namespace %s: its type (NS_GET_NSTYPE): %s", type_name(j->flag), j->path, strerror(errno));
        if (type != j->flag)
            fail(FAIL_SETUP, EINVAL, "join the %s namespace %s: it is a namespace of type %s", type_name(j->flag), j->path, type_name(type));
    }
}

/* The host side's own namespaces, to come back to after clone. */
static int saved[sizeof TYPES / sizeof *TYPES];

void ns_enter_before_clone(struct plan *p) {
    for (int i = 0; i < p->njoins; i++) {
        struct ns_join *j = &p->joins[i];
        saved[i] = -1;
        if (j->flag == CLONE_NEWUSER) continue; /* the process joins it itself: no way back for this side */
        char own[64];
        snprintf(own, sizeof own, "/proc/self/ns/%s", type_name(j->flag));
        if ((saved[i] = open(own, O_RDONLY | O_CLOEXEC)) < 0) fail(FAIL_SETUP, errno, "open %s: %s", own, strerror(errno));
        if (setns(j->fd, j->flag) < 0) fail(FAIL_SETUP, errno, "join the %s namespace %s: %s", type_name(j->flag), j->path, strerror(errno));
    }
}

void ns_leave_after_clone(struct plan *p) {
    for (int i = p->njoins - 1; i >= 0; i--) {
        struct ns_join *j = &p->joins[i];
        if (saved[i] >= 0) {
            if (setns(saved[i], j->flag) < 0) fail(FAIL_SETUP, errno, "return to the init's own %s namespace: %s", type_name(j->flag), strerror(errno));
            close(saved[i]);
        }
        close(j->fd); /* the process has its own copy of a user namespace's */
        j->fd = -1;
    }
}

int ns_join_user(struct plan *p) {
    int joined = 0;
    for (int i = 0; i < p->njoins; i++) {
        struct ns_join *j = &p->joins[i];
        if (saved[i] >= 0) close(saved[i]); /* the host side's own namespaces are nothing the container may hold */
        if (j->fd < 0) continue;
        if (j->flag == CLONE_NEWUSER) {
            if (setns(j->fd, CLONE_NEWUSER) < 0) fail(FAIL_SETUP, errno, "join the user namespace %s: %s", j->path, strerror(errno));
            joined = 1;
        }
        close(j->fd);
        j->fd = -1;
    }
    return joined;
}
