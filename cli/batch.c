/* SPDX-License-Identifier: MIT */
/* discover --batch: many addresses, -j of them at once, one JSON document
 * per line in the order of the input, a bad line reported as an error record
 * without stopping the rest. Each address is one independent discovery (its
 * own event loop and probes), so workers share nothing but the presets. */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/i18n.h"
#include "cli/batch.h"
#include "cli/printable.h"
#include "cli/json.h"
#include "cli/output.h"
#include "common/strbuf.h"

/* A batch input is bounded in lines and bytes, so that /dev/zero or an
 * endless pipe ends in a clear error instead of a run that never ends. */
enum { MAX_BATCH_LINE = 1024, MAX_BATCH_LINES = 100000, MAX_BATCH_BYTES = 64 << 20 };

typedef struct batch {
    const sd_cli *cli;
    const sd_preset_db *presets;
    sd_strlist inputs;
    char **results;              /* one JSON line per input, NULL until done */
    bool *failed;
    size_t next;                 /* the next input a worker takes */
    pthread_mutex_t lock;
    pthread_cond_t done;
} batch;

static char *error_record(const char *input, const char *error)
{
    sd_json j = {.compact = true};
    sd_json_object_begin(&j);
    sd_json_kv_string(&j, "input", input);
    sd_json_kv_string(&j, "error", error);
    sd_json_object_end(&j);
    return sd_buf_take(&j.out);
}

static char *discover_one(const batch *b, const char *input, bool *failed)
{
    sd_address addr;
    sd_error err;
    if (sd_address_parse(input, &addr, &err) < 0) {
        *failed = true;
        return error_record(input, err.msg);
    }
    sd_discover_options opts = {
        .dns_servers = b->cli->dns_servers, .ca_file = b->cli->ca_file, .ispdb_url = b->cli->ispdb_url,
        .timeout_ms = b->cli->timeout_ms, .probe = b->cli->probe, .presets = b->presets,
    };
    sd_discovery d;
    char *line;
    if (sd_discover(&addr, &opts, &d, &err) < 0) {
        *failed = true;
        line = error_record(input, err.msg);
    } else {
        *failed = sd_discovery_smtp_count(&d) == 0;
        sd_discovery_printable(&d);
        line = sd_discovery_json(&addr, &d, true);
        sd_discovery_free(&d);
    }
    sd_address_free(&addr);
    return line;
}

static void *worker(void *arg)
{
    batch *b = arg;
    for (;;) {
        pthread_mutex_lock(&b->lock);
        size_t i = b->next < b->inputs.len ? b->next++ : b->inputs.len;
        pthread_mutex_unlock(&b->lock);
        if (i == b->inputs.len)
            return NULL;
        bool failed = false;
        char *line = discover_one(b, b->inputs.items[i], &failed);
        pthread_mutex_lock(&b->lock);
        b->results[i] = line;
        b->failed[i] = failed;
        pthread_cond_broadcast(&b->done);
        pthread_mutex_unlock(&b->lock);
    }
}

/* Reads the addresses: one a line, blank lines and '#' comments skipped. */
/* One line of f into buf (at most MAX_BATCH_LINE bytes kept); *bytes counts
 * every byte read. Returns 1 for a line, 0 at the end, -1 when the line was
 * too long (the rest of it is read and dropped) or held a NUL byte. */
static int read_line(FILE *f, char *buf, size_t *bytes)
{
    size_t n = 0;
    bool bad = false;
    int ch;
    while ((ch = fgetc(f)) != EOF) {
        if (++*bytes > MAX_BATCH_BYTES)
            return -2;
        if (ch == '\n')
            break;
        if (ch == '\0' || n == MAX_BATCH_LINE)
            bad = true;
        else
            buf[n++] = (char)ch;
    }
    buf[n] = '\0';
    if (ch == EOF && n == 0 && !bad)
        return 0;
    return bad ? -1 : 1;
}

static int read_inputs(const char *path, sd_strlist *out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, _("smtpdoctor: cannot open the batch file %s\n"), path);
        return -1;
    }
    char buf[MAX_BATCH_LINE + 1];
    size_t bytes = 0;
    int rc = 0, got;
    while ((got = read_line(f, buf, &bytes)) != 0) {
        if (got == -2 || out->len == MAX_BATCH_LINES) {
            fprintf(stderr, _("smtpdoctor: the batch input holds more than %d lines or %d MiB: split it\n"),
                    MAX_BATCH_LINES, MAX_BATCH_BYTES >> 20);
            rc = -1;
            break;
        }
        if (got < 0) {
            sd_strlist_add(out, _("(a line longer than 1024 characters, or with a NUL byte)"));
            continue;
        }
        char *s = sd_str_trim(buf);
        if (*s && *s != '#')
            sd_strlist_add(out, s);
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

/* Each of -j discoveries holds sockets for its DNS, its fetches and up to
 * 24 probes (each connecting to every address of a host at once): more
 * than the usual soft limit of 1024 descriptors at -j 64. The hard limit
 * is what the administrator allows; take it. */
static void raise_descriptor_limit(void)
{
    struct rlimit l;
    if (getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
        l.rlim_cur = l.rlim_max;
        setrlimit(RLIMIT_NOFILE, &l);
    }
}

int sd_run_batch(const sd_cli *cli, const sd_preset_db *presets)
{
    batch b = {.cli = cli, .presets = presets};
    if (read_inputs(cli->batch, &b.inputs) < 0) {
        sd_strlist_free(&b.inputs);
        return SD_EXIT_USAGE;
    }
    raise_descriptor_limit();
    b.results = sd_xcalloc(b.inputs.len + 1, sizeof *b.results);
    b.failed = sd_xcalloc(b.inputs.len + 1, sizeof *b.failed);
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.done, NULL);
    size_t nthreads = (size_t)cli->jobs < b.inputs.len ? (size_t)cli->jobs : b.inputs.len;
    /* Hundreds of short-lived probe threads would otherwise spread over up
     * to eight malloc arenas per core, each holding on to its own peak. */
    mallopt(M_ARENA_MAX, 2);
    pthread_t *threads = sd_xcalloc(nthreads + 1, sizeof *threads);
    size_t started = 0;
    for (size_t i = 0; i < nthreads; i++)
        if (pthread_create(&threads[started], NULL, worker, &b) == 0)
            started++;
    if (started == 0 && b.inputs.len)
        worker(&b);
    bool progress = isatty(STDERR_FILENO) && !cli->quiet;
    int rc = SD_EXIT_OK;
    /* Print in input order, each line as soon as it and all before it are done. */
    for (size_t i = 0; i < b.inputs.len; i++) {
        pthread_mutex_lock(&b.lock);
        while (!b.results[i])
            pthread_cond_wait(&b.done, &b.lock);
        pthread_mutex_unlock(&b.lock);
        printf("%s\n", b.results[i]);
        fflush(stdout);
        free(b.results[i]);           /* printed: nothing keeps it any longer */
        b.results[i] = NULL;
        if (b.failed[i])
            rc = SD_EXIT_FAIL;
        if (progress) {
            fputs("\rsmtpdoctor: ", stderr);
            fprintf(stderr, P_("%zu of %zu address done", "%zu of %zu addresses done", b.inputs.len), i + 1,
                    b.inputs.len);
        }
    }
    if (progress)
        fputs("\n", stderr);
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    for (size_t i = 0; i < b.inputs.len; i++)
        free(b.results[i]);
    free(b.results);
    free(b.failed);
    free(threads);
    sd_strlist_free(&b.inputs);
    pthread_mutex_destroy(&b.lock);
    pthread_cond_destroy(&b.done);
    return rc;
}
