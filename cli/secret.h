/* SPDX-License-Identifier: MIT */
/* Secrets from the user (a password or an OAuth2 token) and questions on
 * the terminal. A secret is read a byte at a time into one buffer of fixed
 * size and wiped when freed; once one is read, the process cannot be dumped
 * (no core file, no /proc reading by other users), so that it never lands on
 * disk. */
#ifndef SD_CLI_SECRET_H
#define SD_CLI_SECRET_H

#include <stdbool.h>

/* The first line of fd, without its line end; an empty string when the
 * first line is empty. The caller frees it with sd_secret_free. */
char *sd_secret_read_fd(int fd);
/* The value of an environment variable, which is wiped and removed; NULL
 * when it is not set. */
char *sd_secret_take_env(const char *name);
/* Wipes and frees; NULL is fine. */
void sd_secret_free(char *secret);
/* No core dumps from now on, and the process is not dumpable. */
void sd_secret_protect_process(void);

/* Whether the person is at a terminal: standard input is one, and
 * /dev/tty can be opened. Questions are asked only then. */
bool sd_terminal_interactive(void);
/* Asks for a secret on /dev/tty without echo; NULL without a terminal. */
char *sd_terminal_ask_secret(const char *prompt);
/* Asks a yes/no question on /dev/tty ("... [y/N] "); only "y" or "yes"
 * count as yes. Returns 1 yes, 0 no, -1 when there is no terminal. */
int sd_terminal_ask_yes(const char *question);

#endif
