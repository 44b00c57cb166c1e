#include "net/probe.h"

#include <pthread.h>
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
    bool connected;            /* TCP is up: the server is there; guarded by set->lock */
    bool finished;             /* guarded by set->lock */
    bool finished_at_decision;
    verdict verdict;           /* guarded by set->lock */
} probe_slot;

struct sd_probe_set {
    probe_slot *slots;
    size_t count;
    int cancel_pipe[2];
    pthread_mutex_t lock;
    pthread_cond_t changed;    /* a session finished, or a verdict was given */
    int64_t started_ms;
};

static void on_connected(void *arg)
{
    probe_slot *slot = arg;
    pthread_mutex_lock(&slot->set->lock);
    slot->connected = true;
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

sd_probe_set *sd_probe_start(const sd_session_request *reqs, size_t n)
{
    sd_probe_set *p = sd_xcalloc(1, sizeof *p);
    p->slots = sd_xcalloc(n ? n : 1, sizeof *p->slots);
    p->count = n;
    if (pipe(p->cancel_pipe) < 0)
        p->cancel_pipe[0] = p->cancel_pipe[1] = -1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    p->started_ms = sd_now_ms();
    for (size_t i = 0; i < n; i++) {
        probe_slot *slot = &p->slots[i];
        slot->set = p;
        slot->host = sd_xstrdup(reqs[i].host);
        for (size_t a = 0; a < reqs[i].addresses->len; a++)
            sd_strlist_add(&slot->addresses, reqs[i].addresses->items[a]);
        slot->req = reqs[i];
        slot->req.host = slot->host;
        slot->req.addresses = &slot->addresses;
        slot->req.cancel_fd = p->cancel_pipe[0] >= 0 ? &p->cancel_pipe[0] : NULL;
        slot->req.on_connected = on_connected;
        slot->req.on_connected_arg = slot;
        slot->session.conn.fd = -1;
    }
    for (size_t i = 0; i < n; i++) {
        probe_slot *slot = &p->slots[i];
        slot->started = pthread_create(&slot->thread, NULL, probe_thread, slot) == 0;
        if (!slot->started) {     /* no thread to be had: do it here */
            sd_session_open(&slot->req, &slot->session);
            slot->finished = true;
        }
    }
    return p;
}

/* The index of the best ready session, -1 when there is none, or -2 while
 * a session that could change the answer still runs. */
static int decision(const sd_probe_set *p, bool wait_all)
{
    int best = -1;
    for (size_t i = 0; i < p->count; i++) {
        const probe_slot *slot = &p->slots[i];
        if (!slot->finished)
            return -2;
        if (best < 0 && slot->session.ready) {
            best = (int)i;
            if (!wait_all)
                break;
        }
    }
    return best;
}

/* Whether a session that is still running has a server talking to it. */
static bool talking_still(const sd_probe_set *p)
{
    for (size_t i = 0; i < p->count; i++)
        if (!p->slots[i].finished && p->slots[i].connected)
            return true;
    return false;
}

/* After the decision, servers that answered the connection get a grace to
 * finish, so that a second working port shows as verified too; a port that
 * never answered (filtered, dead) is not waited for. The grace is as long
 * as the decision took, and at least a second. */
static void grace_for_talking_servers(sd_probe_set *p, int64_t started)
{
    int64_t now = sd_now_ms();
    int64_t until = now + (now - started > 1000 ? now - started : 1000);
    while (talking_still(p) && (now = sd_now_ms()) < until) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (until - now) * 1000000;
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&p->changed, &p->lock, &ts);
    }
}

int sd_probe_wait(sd_probe_set *p, bool wait_all)
{
    pthread_mutex_lock(&p->lock);
    int best;
    while ((best = decision(p, wait_all)) == -2)
        pthread_cond_wait(&p->changed, &p->lock);
    if (best >= 0 && !wait_all)
        grace_for_talking_servers(p, p->started_ms);
    for (size_t i = 0; i < p->count; i++)
        p->slots[i].finished_at_decision = p->slots[i].finished;
    pthread_mutex_unlock(&p->lock);
    if (p->cancel_pipe[1] >= 0 && write(p->cancel_pipe[1], "x", 1) < 0) {
        /* cannot happen with an empty pipe; the sessions then end by their timeout */
    }
    return best;
}

bool sd_probe_finished(const sd_probe_set *p, size_t i)
{
    return p->slots[i].finished_at_decision;
}

const sd_session *sd_probe_session(const sd_probe_set *p, size_t i)
{
    return &p->slots[i].session;
}

void sd_probe_take(sd_probe_set *p, size_t i, sd_session *into)
{
    probe_slot *slot = &p->slots[i];
    pthread_mutex_lock(&p->lock);
    while (!slot->finished)
        pthread_cond_wait(&p->changed, &p->lock);
    *into = slot->session;
    into->conn.cancel_fd = -1;     /* the set's cancel pipe is readable now */
    memset(&slot->session, 0, sizeof slot->session);
    slot->session.conn.fd = -1;
    slot->session.conn.cancel_fd = -1;
    slot->verdict = VERDICT_TAKEN;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

void sd_probe_release(sd_probe_set *p)
{
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->count; i++)
        if (p->slots[i].verdict == VERDICT_NONE)
            p->slots[i].verdict = VERDICT_CLOSE;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

void sd_probe_free(sd_probe_set *p)
{
    if (!p)
        return;
    sd_probe_release(p);
    for (size_t i = 0; i < p->count; i++) {
        probe_slot *slot = &p->slots[i];
        if (slot->started)
            pthread_join(slot->thread, NULL);
        sd_session_free(&slot->session);
        free(slot->host);
        sd_strlist_free(&slot->addresses);
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
