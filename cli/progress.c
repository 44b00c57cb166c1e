/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "cli/progress.h"

#include <pthread.h>
#include <sys/ioctl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/text.h"
#include "common/util.h"

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;       /* the wipe ends the ticker's wait at once */
    pthread_t ticker;
    bool shown, stop;
    char head[512];            /* "checking smtp.example.com port 587" */
    const char *step;          /* static, or NULL */
    int64_t started_ms;
    size_t width;              /* of the line on the terminal now, in columns */
} line = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* The terminal's width: a line that wrapped could no longer be rewritten
 * with a carriage return. */
static int columns(void)
{
    struct winsize w;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col >= 20)
        return w.ws_col;
    return 80;
}

/* Plain text and a carriage return, no escape codes: what is left of a
 * longer line before is overwritten with blanks. Called with the lock. */
static void render(void)
{
    char text[1024];
    if (line.step)
        snprintf(text, sizeof text, "smtpdoctor: %s: %s...", line.head, _(line.step));
    else
        snprintf(text, sizeof text, "smtpdoctor: %s ...", line.head);
    size_t len = strlen(text);
    long seconds = (long)((sd_now_ms() - line.started_ms) / 1000);
    if (seconds >= 1)
        snprintf(text + len, sizeof text - len, " %ld s", seconds);
    /* in display columns: a Cyrillic or Bengali line is not cut at half */
    size_t width = sd_text_cut(text, (size_t)columns() - 1);
    fprintf(stderr, "\r%s%*s", text, width < line.width ? (int)(line.width - width) : 0, "");
    if (width > line.width)
        line.width = width;
    fflush(stderr);
}

static void *tick(void *arg)
{
    (void)arg;
    long last = 0;
    pthread_mutex_lock(&line.lock);
    for (;;) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        while (!line.stop && pthread_cond_timedwait(&line.wake, &line.lock, &until) == 0)
            ;
        if (line.stop) {
            pthread_mutex_unlock(&line.lock);
            return NULL;
        }
        long seconds = (long)((sd_now_ms() - line.started_ms) / 1000);
        if (seconds != last) {
            last = seconds;
            render();
        }
    }
}

void sd_progress_start(const sd_cli *cli, const char *head)
{
    if (!isatty(STDERR_FILENO) || cli->json || cli->quiet)
        return;
    pthread_mutex_lock(&line.lock);
    snprintf(line.head, sizeof line.head, "%s", head);
    line.step = NULL;
    line.started_ms = sd_now_ms();
    line.stop = false;
    bool first = !line.shown;
    line.shown = true;
    render();
    pthread_mutex_unlock(&line.lock);
    if (first && pthread_create(&line.ticker, NULL, tick, NULL) != 0) {
        pthread_mutex_lock(&line.lock);
        line.shown = false;          /* no clock then, but still the steps */
        pthread_mutex_unlock(&line.lock);
    }
}

void sd_progress_step(void *arg, const char *step)
{
    (void)arg;
    pthread_mutex_lock(&line.lock);
    if (line.width > 0) {
        line.step = step;
        render();
    }
    pthread_mutex_unlock(&line.lock);
}

void sd_progress_done(void)
{
    pthread_mutex_lock(&line.lock);
    bool joined = line.shown;
    line.stop = true;
    pthread_cond_signal(&line.wake);
    line.shown = false;
    if (line.width > 0) {
        fprintf(stderr, "\r%*s\r", (int)line.width, "");
        fflush(stderr);
        line.width = 0;
    }
    pthread_mutex_unlock(&line.lock);
    if (joined)
        pthread_join(line.ticker, NULL);
}
