/* contain-init --terminal save | --terminal set HEX: the settings (struct termios) of the terminal on this
 * process's stdin, which the engine gives it (its own stdin), printed as hex; or set again from what save printed.
 * The engine keeps them while the init's host side makes the user's terminal raw for -it, and sets them again
 * itself if that host side was SIGKILLed and could not. Mechanism only: the engine decides when. In C rather than
 * through JNA from the engine: JNA's first load (~50 ms with its java.util.logging) came before every -it's start.
 * Exit 0: done; 3: stdin is no terminal; 1: failed (why, on stderr); 2: usage. */
#include "init.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

enum { DONE = 0, FAILED = 1, USAGE = 2, NO_TERMINAL = 3 };

static int usage(void) {
    fprintf(stderr, "usage: contain-init --terminal save | --terminal set HEX (from the contain engine)\n");
    return USAGE;
}

static int no_terminal(int err) {
    return err == ENOTTY || err == EBADF || err == ENXIO || err == EIO;
}

int terminal_main(int argc, char **argv) {
    struct termios t;
    if (argc == 3 && !strcmp(argv[2], "save")) {
        if (tcgetattr(0, &t) < 0) {
            if (no_terminal(errno)) return NO_TERMINAL;
            fprintf(stderr, "tcgetattr: %s\n", strerror(errno));
            return FAILED;
        }
        const unsigned char *b = (const unsigned char *)&t;
        for (size_t i = 0; i < sizeof t; i++) printf("%02x", b[i]);
        printf("\n");
        return fflush(stdout) == 0 ? DONE : FAILED;
    }
    if (argc != 4 || strcmp(argv[2], "set") || strlen(argv[3]) != 2 * sizeof t) return usage();
    unsigned char *b = (unsigned char *)&t;
    for (size_t i = 0; i < sizeof t; i++) {
        unsigned long long byte;
        char digits[3] = {argv[3][2 * i], argv[3][2 * i + 1], 0};
        if (parse_number(digits, 16, 255, &byte) < 0) return usage();
        b[i] = (unsigned char)byte;
    }
    if (tcsetattr(0, TCSANOW, &t) < 0) {
        if (no_terminal(errno)) return NO_TERMINAL;
        fprintf(stderr, "tcsetattr: %s\n", strerror(errno));
        return FAILED;
    }
    return DONE;
}
