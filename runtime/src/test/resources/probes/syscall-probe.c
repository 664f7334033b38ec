/*
 * A security probe run inside a test container: tries each syscall named on the command line and prints
 * "NAME ok" or "NAME ERRNO". Every attempt is harmless if it succeeds (a key in this process's own keyring,
 * a search that reads nothing, a socket closed at once, a personality set back, a child that exits at once).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY_SPEC_PROCESS_KEYRING (-2)
#define KEY_SPEC_SESSION_KEYRING (-3)
#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_SEARCH 10
#define READ_IMPLIES_EXEC_FLAG 0x0400000

static const char *name(int e) {
    switch (e) {
    case EPERM: return "EPERM";
    case ENOSYS: return "ENOSYS";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case ENOKEY: return "ENOKEY";
    case EDQUOT: return "EDQUOT";
    default: return strerror(e);
    }
}

static long child_exits(long rc) {
    if (rc == 0) _exit(0);
    if (rc > 0) waitpid((pid_t) rc, NULL, 0);
    return rc;
}

static long attempt(const char *what) {
    if (!strcmp(what, "add_key"))
        return syscall(SYS_add_key, "user", "contain-probe", "x", 1, KEY_SPEC_PROCESS_KEYRING);
    if (!strcmp(what, "keyctl"))
        return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_PROCESS_KEYRING, 1);
    if (!strcmp(what, "session_key")) /* KeyringTest's key, if this process possesses its caller's session */
        return syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user", "contain-keyring-probe", 0);
    if (!strcmp(what, "socket_vsock") || !strcmp(what, "socket_alg")) {
        int fd = socket(what[7] == 'v' ? 40 : 38, SOCK_SEQPACKET, 0);
        if (fd >= 0) close(fd);
        return fd;
    }
    if (!strcmp(what, "socket_inet")) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd >= 0) close(fd);
        return fd;
    }
    if (!strcmp(what, "personality")) {
        int old = personality(0xffffffff);
        long rc = syscall(SYS_personality, READ_IMPLIES_EXEC_FLAG);
        if (rc >= 0) personality(old);
        return rc;
    }
    if (!strcmp(what, "clone_newuser"))
        return child_exits(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
    if (!strcmp(what, "clone")) /* a plain fork through clone, as libc does */
        return child_exits(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
    if (!strcmp(what, "clone3")) {
        uint64_t args[11] = {0};
        args[4] = SIGCHLD; /* exit_signal */
        return child_exits(syscall(435, args, sizeof args));
    }
    errno = EINVAL;
    fprintf(stderr, "probe: unknown check %s\n", what);
    return -1;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        errno = 0;
        long rc = attempt(argv[i]);
        printf("%s %s\n", argv[i], rc < 0 ? name(errno) : "ok");
    }
    return 0;
}
