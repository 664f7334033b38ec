/* Pipes, lines, numbers, failures: shared by both sides of the init. */
#include "init.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int control_fd = -1;
int error_fd = -1;
void (*before_host_failure)(void);

const char *failure_kind_name(int kind) {
    return kind == FAIL_EXEC ? "exec" : kind == FAIL_CGROUP ? "cgroup" : "setup";
}

_Noreturn void fail(enum failure_kind kind, int err, const char *fmt, ...) {
    struct failure f = {.kind = kind, .err = err};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.message, sizeof f.message, fmt, ap);
    va_end(ap);
    if (error_fd >= 0) {
        write_full(error_fd, &f, sizeof f);
        _exit(kind == FAIL_EXEC ? (err == ENOENT ? 127 : 126) : 125);
    }
    if (before_host_failure) before_host_failure();
    if (control_fd >= 0) send_line(control_fd, "error %s %d %s", failure_kind_name(kind), err, f.message);
    else fprintf(stderr, "contain-init: %s\n", f.message);
    _exit(kind == FAIL_EXEC ? (err == ENOENT ? 127 : 126) : 125); /* after an OCI start, the exec's failure lands here */
}

int read_full(int fd, void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, (char *)buf + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

int write_full(int fd, const void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, (const char *)buf + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

/* One line to the engine. A control character in a path (a newline would split the message in two) is
 * sent as '?'. */
void send_line(int fd, const char *fmt, ...) {
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n > (int)sizeof line - 2) n = sizeof line - 2;
    for (int i = 0; i < n; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) line[i] = '?';
    line[n] = '\n';
    write_full(fd, line, (size_t)n + 1);
}

/* Reads one '\n'-terminated line; returns its length + 1, 0 on EOF, -1 on error. */
int read_line(int fd, char *buf, size_t size) {
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

int parse_number(const char *s, int base, unsigned long long max, unsigned long long *out) {
    unsigned long long v = 0;
    if (!*s) return errno = EINVAL, -1;
    for (const char *c = s; *c; c++) {
        int d = *c >= '0' && *c <= '9' ? *c - '0' : *c >= 'a' && *c <= 'f' ? *c - 'a' + 10 : 99;
        if (d >= base) return errno = EINVAL, -1;
        if ((unsigned long long)d > max || v > (max - (unsigned long long)d) / (unsigned long long)base) return errno = ERANGE, -1;
        v = v * (unsigned long long)base + (unsigned long long)d;
    }
    *out = v;
    return 0;
}
