/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "cli/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "common/util.h"

extern char **environ;

/* The longest secret read: OAuth2 access tokens of some providers pass 2 KiB. */
#define SECRET_MAX 8192

void sd_secret_protect_process(void)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* The first line of fd into buf (at most max bytes, no line end), a byte
 * at a time: nothing is read past the line, and nothing is buffered
 * elsewhere. Returns its length. */
static size_t read_line(int fd, char *buf, size_t max)
{
    size_t len = 0;
    while (len < max) {
        ssize_t got = read(fd, buf + len, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || buf[len] == '\n')
            break;
        len++;
    }
    if (len && buf[len - 1] == '\r')
        len--;
    return len;
}

/* Into one buffer of fixed size, because stdio's buffer and a growing
 * buffer's realloc would leave copies of the secret in freed memory. */
char *sd_secret_read_fd(int fd)
{
    sd_secret_protect_process();
    char *secret = sd_xmalloc(SECRET_MAX + 1);
    size_t len = read_line(fd, secret, SECRET_MAX);
    OPENSSL_cleanse(secret + len, SECRET_MAX + 1 - len);
    return secret;
}

/* The variable's text is wiped once copied: it would otherwise stay
 * readable in /proc/PID/environ and in a core dump. The strings environ
 * points to at start-up are the process's own writable memory, so this
 * goes through environ rather than getenv's result. */
char *sd_secret_take_env(const char *name)
{
    size_t name_len = strlen(name);
    for (char **entry = environ; *entry; entry++) {
        if (strncmp(*entry, name, name_len) != 0 || (*entry)[name_len] != '=')
            continue;
        sd_secret_protect_process();
        char *value = *entry + name_len + 1;
        char *copy = sd_xstrdup(value);
        OPENSSL_cleanse(value, strlen(value));
        unsetenv(name);
        return copy;
    }
    return NULL;
}

void sd_secret_free(char *secret)
{
    if (secret)
        OPENSSL_cleanse(secret, strlen(secret));
    free(secret);
}

bool sd_terminal_interactive(void)
{
    if (!isatty(STDIN_FILENO))
        return false;
    int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0)
        return false;
    close(tty);
    return true;
}

char *sd_terminal_ask_secret(const char *prompt)
{
    int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0)
        return NULL;
    struct termios old, quiet;
    bool restore = tcgetattr(tty, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(tty, TCSAFLUSH, &quiet);
    }
    dprintf(tty, "%s", prompt);
    char *secret = sd_secret_read_fd(tty);
    if (restore)
        tcsetattr(tty, TCSAFLUSH, &old);
    dprintf(tty, "\n");
    close(tty);
    return secret;
}

/* Whether two words are the same ignoring case, in any script ("Да" is
 * "да"): compared as wide characters (LC_CTYPE is UTF-8, common/i18n.c). */
static bool same_word(const char *a, const char *b)
{
    wchar_t wa[64], wb[64];
    size_t na = mbstowcs(wa, a, 64), nb = mbstowcs(wb, b, 64);
    if (na == (size_t)-1 || nb == (size_t)-1 || na >= 64 || nb >= 64)
        return sd_str_ieq(a, b);
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (towlower((wint_t)wa[i]) != towlower((wint_t)wb[i]))
            return false;
    return true;
}

int sd_terminal_ask_yes(const char *question)
{
    int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (tty < 0)
        return -1;
    /* TRANSLATORS: the answers to a yes/no question; "y" and "yes" are
     * always taken too, with your language's words for yes. */
    dprintf(tty, "%s %s ", question, _("[y/N]"));
    char answer[16];
    answer[read_line(tty, answer, sizeof answer - 1)] = '\0';
    close(tty);
    char *word = sd_str_trim(answer);
    return same_word(word, "y") || same_word(word, "yes") || same_word(word, _("y")) || same_word(word, _("yes"));
}
