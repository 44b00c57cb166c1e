/* SPDX-License-Identifier: MIT */
/* A set of SMTP sessions, one thread each: discovery's candidates and the
 * diagnosis's alternatives.
 *
 * Sessions may start one by one as their servers become known (discovery
 * starts a candidate's probe as soon as its host resolves, while other
 * sources are still being asked), and are ranked only when the caller
 * decides. The set is decided as soon as a ready session has no unfinished
 * one ranked above it; the unfinished rest are then cancelled. So a dead candidate ranked below a working one costs
 * nothing, and dead candidates ranked above it cost one timeout together,
 * or less: a port whose host answered on another port long ago (several
 * times the time that connection took) is taken for filtered.
 *
 * A session that got ready stays open until its owner says otherwise: the
 * caller may take one over (the default command hands discovery's best
 * session to the diagnosis), and the others say QUIT in their own threads,
 * in parallel, while the caller goes on. */
#ifndef SD_NET_PROBE_H
#define SD_NET_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "net/session.h"

typedef struct sd_probe_set sd_probe_set;

/* An empty set with room for `capacity` sessions. */
sd_probe_set *sd_probe_new(size_t capacity);

/* Starts a session for the request, copying its host and addresses (the
 * TLS context is borrowed and must outlive the set). Returns its index, or
 * -1 when the set is full. */
int sd_probe_add(sd_probe_set *p, const sd_session_request *req);

/* How many sessions were added. */
size_t sd_probe_count(const sd_probe_set *p);

/* sd_probe_new and sd_probe_add for each request: indexes follow reqs. */
sd_probe_set *sd_probe_start(const sd_session_request *reqs, size_t n);

/* Waits until the set is decided (or, with wait_all, until every session
 * has finished) and cancels what is still running. `rank` lists the
 * sessions that count, best first; a session left out of it is cancelled
 * and ends SD_PROBE_NOT_WAITED. Returns the index of the best ready
 * session, or -1 when none got ready. */
int sd_probe_decide(sd_probe_set *p, const size_t *rank, size_t n, bool wait_all);

/* sd_probe_decide with every session, ranked in the order they were added. */
int sd_probe_wait(sd_probe_set *p, bool wait_all);

/* Whether a session has got ready yet (before the decision). */
bool sd_probe_any_ready(sd_probe_set *p);

/* What became of session i when the set was decided. */
typedef enum sd_probe_state {
    SD_PROBE_DONE,        /* finished: the session says how it went */
    SD_PROBE_SILENT,      /* ranked above the answer, but its port stayed silent long
                             after another port of the same host connected: taken for
                             filtered rather than waited for until the timeout */
    SD_PROBE_NOT_WAITED,  /* ranked below the answer: cancelled, says nothing */
} sd_probe_state;

sd_probe_state sd_probe_outcome(const sd_probe_set *p, size_t i);
/* For SD_PROBE_SILENT: how long the port stayed silent, and the port of the
 * same host that connected, after how long (each from its own start). */
void sd_probe_silence(const sd_probe_set *p, size_t i, int64_t *silent_ms, int *other_port,
                      int64_t *other_connect_ms);
/* Session i, owned by the set: valid until it is taken or the set freed. */
const sd_session *sd_probe_session(const sd_probe_set *p, size_t i);

/* Moves ready session i, still open, into *into (which must hold nothing);
 * the caller then owns it and ends it with sd_session_free. */
void sd_probe_take(sd_probe_set *p, size_t i, sd_session *into);

/* Closes every session not taken, each in its own thread; returns at once. */
void sd_probe_release(sd_probe_set *p);

/* Releases, waits for every thread and frees the set. NULL is fine. */
void sd_probe_free(sd_probe_set *p);

#endif
