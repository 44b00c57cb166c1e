/* SPDX-License-Identifier: MIT */
#include "net/probe.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

typedef enum verdict { VERDICT_NONE, VERDICT_CLOSE, VERDICT_TAKEN } verdict;

typedef struct probe_slot {
    struct sd_probe_set *set;
    sd_session_request req;    /* host and addresses point into the copies below */
    char *host;
    sd_strlist addresses;
    sd_session session;
    pthread_t thread;
    bool started;
    bool ranked;               /* named in the rank the set was decided by */
    bool connected;            /* TCP is up: the server is there; guarded by set->lock */
    bool finished;             /* guarded by set->lock */
    int64_t start_ms;          /* clock times (sd_now_ms) */
    int64_t connected_at_ms;
    sd_probe_state outcome;    /* set at the decision */
    int64_t silent_ms;
    int sibling;               /* for SD_PROBE_SILENT: the slot that connected */
    verdict verdict;           /* guarded by set->lock */
} probe_slot;

struct sd_probe_set {
    probe_slot **slots;        /* each allocated when added: the threads hold pointers to them */
    size_t count, capacity;
    bool decided;
    int cancel_pipe[2];
    pthread_mutex_t lock;
    pthread_cond_t changed;    /* a session connected or finished, or a verdict was given */
};

static void on_connected(void *arg)
{
    probe_slot *slot = arg;
    pthread_mutex_lock(&slot->set->lock);
    slot->connected = true;
    slot->connected_at_ms = sd_now_ms();
    pthread_cond_broadcast(&slot->set->changed);
    pthread_mutex_unlock(&slot->set->lock);
}

static void *probe_thread(void *arg)
{
    probe_slot *slot = arg;
    sd_probe_set *p = slot->set;
    sd_session_open(&slot->req, &slot->session);
    pthread_mutex_lock(&p->lock);
    slot->finished = true;
    pthread_cond_broadcast(&p->changed);
    while (slot->verdict == VERDICT_NONE)
        pthread_cond_wait(&p->changed, &p->lock);
    bool close_it = slot->verdict == VERDICT_CLOSE;
    pthread_mutex_unlock(&p->lock);
    if (close_it)
        sd_session_close(&slot->session);
    return NULL;
}

sd_probe_set *sd_probe_new(size_t capacity)
{
    sd_probe_set *p = sd_xcalloc(1, sizeof *p);
    p->slots = sd_xcalloc(capacity ? capacity : 1, sizeof *p->slots);   /* pointers only */
    p->capacity = capacity;
    if (pipe(p->cancel_pipe) < 0)
        p->cancel_pipe[0] = p->cancel_pipe[1] = -1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    return p;
}

int sd_probe_add(sd_probe_set *p, const sd_session_request *req)
{
    if (p->count == p->capacity || p->decided)
        return -1;
    probe_slot *slot = sd_xcalloc(1, sizeof *slot);
    p->slots[p->count] = slot;
    slot->set = p;
    slot->host = sd_xstrdup(req->host);
    for (size_t a = 0; a < req->addresses->len; a++)
        sd_strlist_add(&slot->addresses, req->addresses->items[a]);
    slot->req = *req;
    slot->req.host = slot->host;
    slot->req.addresses = &slot->addresses;
    slot->req.cancel_fd = p->cancel_pipe[0] >= 0 ? &p->cancel_pipe[0] : NULL;
    slot->req.on_connected = on_connected;
    slot->req.on_connected_arg = slot;
    sd_conn_init(&slot->session.conn);
    slot->start_ms = sd_now_ms();
    pthread_mutex_lock(&p->lock);
    size_t index = p->count++;
    pthread_mutex_unlock(&p->lock);
    slot->started = pthread_create(&slot->thread, NULL, probe_thread, slot) == 0;
    if (!slot->started) {     /* no thread to be had: do it here */
        sd_session_open(&slot->req, &slot->session);
        pthread_mutex_lock(&p->lock);
        slot->finished = true;
        pthread_mutex_unlock(&p->lock);
    }
    return (int)index;
}

size_t sd_probe_count(const sd_probe_set *p)
{
    return p->count;
}

bool sd_probe_any_ready(sd_probe_set *p)
{
    bool ready = false;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->count && !ready; i++)
        ready = p->slots[i]->finished && p->slots[i]->session.ready;
    pthread_mutex_unlock(&p->lock);
    return ready;
}

sd_probe_set *sd_probe_start(const sd_session_request *reqs, size_t n)
{
    sd_probe_set *p = sd_probe_new(n);
    for (size_t i = 0; i < n; i++)
        sd_probe_add(p, &reqs[i]);
    return p;
}

/* How long a port may stay silent once another port of the same host has
 * connected in `connect_ms`: a filtered port never answers, and waiting for
 * it until the timeout would make every run with one as slow as that. */
static int64_t patience_ms(int64_t connect_ms)
{
    return 3 * connect_ms + 200;
}

static int64_t connect_time(const probe_slot *slot)
{
    return slot->connected_at_ms - slot->start_ms;
}

/* The slot of the same host that connected fastest, or -1. */
static int connected_sibling(const sd_probe_set *p, size_t i)
{
    int found = -1;
    for (size_t j = 0; j < p->count; j++)
        if (j != i && p->slots[j]->connected && sd_str_ieq(p->slots[j]->host, p->slots[i]->host) &&
            (found < 0 || connect_time(p->slots[j]) < connect_time(p->slots[found])))
            found = (int)j;
    return found;
}

/* When slot i, still silent, may be taken for filtered (a clock time):
 * patience after it has had as long as its sibling needed to connect, and
 * after the sibling did; INT64_MAX while no other port of its host has
 * connected. */
static int64_t silent_from(const sd_probe_set *p, size_t i)
{
    const probe_slot *slot = p->slots[i];
    if (slot->connected)
        return INT64_MAX;
    int j = connected_sibling(p, i);
    if (j < 0)
        return INT64_MAX;
    const probe_slot *sib = p->slots[j];
    int64_t c = connect_time(sib);
    int64_t had_its_chance = slot->start_ms + c;
    if (had_its_chance < sib->connected_at_ms)
        had_its_chance = sib->connected_at_ms;
    return had_its_chance + patience_ms(c);
}

/* The position in `rank` of the best ready session, -1 when there is
 * none, or -2 while a session that could change the answer still runs.
 * *wake is set to when the answer may change by the clock alone. */
static int decision(const sd_probe_set *p, const size_t *rank, size_t n, bool wait_all, int64_t now,
                    int64_t *wake)
{
    int best = -1;
    bool skipped = false;
    *wake = INT64_MAX;
    for (size_t k = 0; k < n; k++) {
        const probe_slot *slot = p->slots[rank[k]];
        if (!slot->finished) {
            int64_t from = wait_all ? INT64_MAX : silent_from(p, rank[k]);
            if (from <= now) {
                skipped = true;   /* silent: taken for filtered, if one below answers */
                continue;
            }
            if (from < *wake)
                *wake = from;
            return -2;
        }
        if (best < 0 && slot->session.ready) {
            best = (int)k;
            if (!wait_all)
                break;
        }
    }
    /* With nothing that answers, the silent ports' own ends are the news. */
    return best < 0 && skipped ? -2 : best;
}

/* Waits on the condition, until the clock time `wake` at the latest. */
static void wait_changed(sd_probe_set *p, int64_t wake)
{
    if (wake == INT64_MAX) {
        pthread_cond_wait(&p->changed, &p->lock);
        return;
    }
    int64_t left = wake - sd_now_ms();
    if (left <= 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + left * 1000000;
    ts.tv_sec += ns / 1000000000;
    ts.tv_nsec = ns % 1000000000;
    pthread_cond_timedwait(&p->changed, &p->lock, &ts);
}

/* Records what became of each slot at the decision; `best` is a position
 * in `rank`. */
static void record_outcomes(sd_probe_set *p, const size_t *rank, size_t n, int best, int64_t now)
{
    for (size_t i = 0; i < p->count; i++)
        p->slots[i]->outcome = p->slots[i]->finished ? SD_PROBE_DONE : SD_PROBE_NOT_WAITED;
    for (int k = 0; k < best && (size_t)k < n; k++) {
        probe_slot *slot = p->slots[rank[k]];
        if (slot->finished)
            continue;
        slot->outcome = SD_PROBE_SILENT;
        slot->silent_ms = now - slot->start_ms;
        slot->sibling = connected_sibling(p, rank[k]);
    }
}

/* Whether a ranked session that is still running has a server talking to it. */
static bool talking_still(const sd_probe_set *p)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->slots[i]->ranked && !p->slots[i]->finished && p->slots[i]->connected)
            return true;
    return false;
}

/* After the decision, servers that answered the connection get a grace to
 * finish, so that a second working port shows as verified too; a port that
 * never answered (filtered, dead) is not waited for. The grace is as long
 * as the decision took since the first ranked session started, and at
 * least a second or a fifth of the step timeout, whichever is longer: on a
 * slow or busy machine, and under valgrind (to whose runs the lab gives
 * longer timeouts), the second port still has its time. */
static void grace_for_talking_servers(sd_probe_set *p, const size_t *rank, size_t n)
{
    int64_t now = sd_now_ms(), first = now, least = 1000;
    for (size_t k = 0; k < n; k++) {
        const probe_slot *s = p->slots[rank[k]];
        if (s->start_ms < first)
            first = s->start_ms;
        if (s->req.timeout_ms / 5 > least)
            least = s->req.timeout_ms / 5;
    }
    int64_t until = now + (now - first > least ? now - first : least);
    while (talking_still(p) && sd_now_ms() < until)
        wait_changed(p, until);
}

int sd_probe_decide(sd_probe_set *p, const size_t *rank, size_t n, bool wait_all)
{
    pthread_mutex_lock(&p->lock);
    p->decided = true;
    for (size_t k = 0; k < n; k++)
        p->slots[rank[k]]->ranked = true;
    int best;
    int64_t wake;
    while ((best = decision(p, rank, n, wait_all, sd_now_ms(), &wake)) == -2)
        wait_changed(p, wake);
    if (best >= 0 && !wait_all)
        grace_for_talking_servers(p, rank, n);
    record_outcomes(p, rank, n, best, sd_now_ms());
    pthread_mutex_unlock(&p->lock);
    if (p->cancel_pipe[1] >= 0 && write(p->cancel_pipe[1], "x", 1) < 0) {
        /* cannot happen with an empty pipe; the sessions then end by their timeout */
    }
    return best < 0 ? -1 : (int)rank[best];
}

int sd_probe_wait(sd_probe_set *p, bool wait_all)
{
    size_t *rank = sd_xcalloc(p->count ? p->count : 1, sizeof *rank);
    for (size_t i = 0; i < p->count; i++)
        rank[i] = i;
    int best = sd_probe_decide(p, rank, p->count, wait_all);
    free(rank);
    return best;
}

sd_probe_state sd_probe_outcome(const sd_probe_set *p, size_t i)
{
    return p->slots[i]->outcome;
}

void sd_probe_silence(const sd_probe_set *p, size_t i, int64_t *silent_ms, int *other_port,
                      int64_t *other_connect_ms)
{
    const probe_slot *slot = p->slots[i];
    *silent_ms = slot->silent_ms;
    *other_port = slot->sibling >= 0 ? p->slots[slot->sibling]->req.port : 0;
    *other_connect_ms = slot->sibling >= 0 ? connect_time(p->slots[slot->sibling]) : 0;
}

const sd_session *sd_probe_session(const sd_probe_set *p, size_t i)
{
    return &p->slots[i]->session;
}

void sd_probe_take(sd_probe_set *p, size_t i, sd_session *into)
{
    probe_slot *slot = p->slots[i];
    pthread_mutex_lock(&p->lock);
    while (!slot->finished)
        pthread_cond_wait(&p->changed, &p->lock);
    sd_session_move(into, &slot->session);
    into->conn.cancel_fd = -1;     /* the set's cancel pipe is readable now */
    slot->verdict = VERDICT_TAKEN;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

void sd_probe_release(sd_probe_set *p)
{
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->count; i++)
        if (p->slots[i]->verdict == VERDICT_NONE)
            p->slots[i]->verdict = VERDICT_CLOSE;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

void sd_probe_free(sd_probe_set *p)
{
    if (!p)
        return;
    sd_probe_release(p);
    for (size_t i = 0; i < p->count; i++) {
        probe_slot *slot = p->slots[i];
        if (slot->started)
            pthread_join(slot->thread, NULL);
        sd_session_free(&slot->session);
        free(slot->host);
        sd_strlist_free(&slot->addresses);
        free(slot);
    }
    if (p->cancel_pipe[0] >= 0) {
        close(p->cancel_pipe[0]);
        close(p->cancel_pipe[1]);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
    free(p->slots);
    free(p);
}
