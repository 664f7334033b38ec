/*
 * -t: a terminal for the command. Made INSIDE the container, from its own devpts instance (the mount stage
 * mounts devpts with newinstance,ptmxmode=0666 at /dev/pts and links /dev/ptmx to pts/ptmx), so the
 * command's tty is /dev/pts/N of the container and nothing of the host's devpts is reachable.
 *
 *   container side  after its namespaces (and, for run, its mounts): opens /dev/ptmx, unlocks it, opens the
 *                   peer (TIOCGPTPEER: no path lookup), sends the master to the host side (SCM_RIGHTS),
 *                   setsid, the peer as controlling terminal (TIOCSCTTY), and on 0, 1 and 2
 *   console socket  (OCI --console-socket) the host side connects to the caller's unix socket before clone
 *                   and hands it to the process, which sends the master there instead: no relay, the
 *                   caller (conmon, containerd's shim) holds the pty; console_size sets its window size
 *   host side       the user's terminal (the engine's stdin, taken with pidfd_getfd) in raw mode, its size
 *                   copied to the pty, then bytes relayed both ways; SIGWINCH copies the size again (the
 *                   kernel signals the pty's foreground group); the terminal's settings are restored when
 *                   the command ends, and on every failure of the host side
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static struct termios saved;
static int saved_ok;
static int master = -1;

int tty_console_connect(const struct plan *p) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(p->console_socket) >= sizeof addr.sun_path)
        fail(FAIL_SETUP, ENAMETOOLONG, "tty: the console socket's path %.200s is longer than %zu bytes", p->console_socket, sizeof addr.sun_path - 1);
    strcpy(addr.sun_path, p->console_socket);
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
        fail(FAIL_SETUP, errno, "tty: connect to the console socket %s: %s", p->console_socket, strerror(errno));
    return sock;
}

void tty_make(int sock, const struct plan *p) {
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) fail(FAIL_SETUP, errno, "tty: open /dev/ptmx in the container: %s", strerror(errno));
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0) fail(FAIL_SETUP, errno, "tty: unlock the pty: %s", strerror(errno));
    int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (peer < 0) fail(FAIL_SETUP, errno, "tty: open the pty's terminal side (TIOCGPTPEER, Linux 4.13+): %s", strerror(errno));
    struct winsize ws = {.ws_row = p->console_rows, .ws_col = p->console_cols};
    if ((ws.ws_row || ws.ws_col) && ioctl(m, TIOCSWINSZ, &ws) < 0) fail(FAIL_SETUP, errno, "tty: set the window size: %s", strerror(errno));
    if (send_fd(sock, m) < 0)
        fail(FAIL_SETUP, errno, "tty: hand the pty to %s: %s", p->console_socket ? "the console socket" : "the host side", strerror(errno));
    close(m);
    close(sock);
    if (setsid() < 0) fail(FAIL_SETUP, errno, "tty: setsid: %s", strerror(errno));
    if (ioctl(peer, TIOCSCTTY, 0) < 0) fail(FAIL_SETUP, errno, "tty: make the pty the controlling terminal: %s", strerror(errno));
    for (int fd = 0; fd <= 2; fd++)
        if (dup2(peer, fd) < 0) fail(FAIL_SETUP, errno, "tty: dup2: %s", strerror(errno));
    if (peer > 2) close(peer);
}

/* The size comes from the user's terminal: stdin, or stdout when stdin is not one (exec -t without -i has
 * /dev/null there, and docker still sizes its pty from the terminal it writes to). */
static int terminal_size(struct winsize *ws) {
    for (int fd = 0; fd <= 1; fd++) /* a terminal never sized (0x0) tells nothing: try the other */
        if (ioctl(fd, TIOCGWINSZ, ws) == 0 && (ws->ws_row || ws->ws_col)) return 1;
    return 0;
}

/* Before the clone: the relay's pty is made with the user's size, so the command never sees 0x0 (the
 * host side's own resize comes after the master arrives, which can be after the command has started). */
void tty_size_from_terminal(struct plan *p) {
    struct winsize ws;
    if (p->tty && !p->console_socket && !p->console_rows && !p->console_cols && terminal_size(&ws)) {
        p->console_rows = ws.ws_row;
        p->console_cols = ws.ws_col;
    }
}

void tty_resize(void) {
    struct winsize ws;
    if (master >= 0 && terminal_size(&ws)) ioctl(master, TIOCSWINSZ, &ws);
}

int tty_start(int sock) {
    master = receive_fd(sock);
    if (master < 0) fail(FAIL_SETUP, errno, "tty: receive the pty from the container: %s", strerror(errno));
    fcntl(master, F_SETFL, O_NONBLOCK);
    tty_resize();
    if (tcgetattr(0, &saved) == 0) {
        saved_ok = 1;
        struct termios raw = saved;
        cfmakeraw(&raw);
        if (tcsetattr(0, TCSADRAIN, &raw) < 0) fail(FAIL_SETUP, errno, "tty: put the terminal in raw mode: %s", strerror(errno));
    }
    return master;
}

void tty_restore(void) {
    if (saved_ok) tcsetattr(0, TCSADRAIN, &saved);
    saved_ok = 0;
}

int tty_copy(int from, int to) {
    char buf[8192];
    ssize_t n = read(from, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
    if (n > 0 && write_full(to, buf, (size_t)n) < 0) return 0;
    return n > 0;
}

/* The command has ended: the rest of its output. The master reads EIO once every holder of the terminal
 * side has closed it and its buffer is empty; a process of the container still holding it gets 100 ms of
 * silence at most. */
void tty_drain(int to) {
    char buf[8192];
    struct pollfd pfd = {.fd = master, .events = POLLIN};
    while (master >= 0) {
        ssize_t n = read(master, buf, sizeof buf);
        if (n > 0 && write_full(to, buf, (size_t)n) == 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN && poll(&pfd, 1, 100) > 0) continue;
        break;
    }
}
