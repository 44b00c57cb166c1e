/* SPDX-License-Identifier: MIT */
/* What the files of diag/ share among themselves; the module's interface is
 * diag/diag.h. Every function here adds to a result it is given (its checks,
 * tried servers, working setting), which then owns what was added. */
#ifndef SD_DIAG_INTERNAL_H
#define SD_DIAG_INTERNAL_H

#include "diag/diag.h"
#include "net/dns.h"
#include "net/session.h"

/* What a host's look-up gave: filled in by sd_dns_outcome_collect (a
 * resolver callback, arg the outcome), emptied by sd_dns_outcome_clear. */
typedef struct sd_dns_outcome {
    sd_dns_status status;
    sd_strlist addresses;
    char *canonical;
    int64_t ms;
} sd_dns_outcome;

void sd_dns_outcome_collect(void *arg, const char *name, int type, const sd_dns_answer *ans);
void sd_dns_outcome_clear(sd_dns_outcome *o);

/* diag/checks.c */
/* "host:port" ("[v6]:port"), a new string. */
char *sd_check_target(const char *host, int port);
/* Checks are shown in layer order; within a layer, in the order they ran. */
void sd_check_list_sort(sd_check_list *l);
/* Turns the session into checks of the tcp, tls and smtp layers. */
void sd_session_checks(const sd_diag_request *req, sd_diag_result *r, const sd_session *s);
/* Gives the failing tls check another code and message (taken over). */
void sd_recode_tls_failure(sd_diag_result *r, sd_finding code, char *message_owned);
/* The run's deadline ended the step that the last failing check reports:
 * it becomes run.deadline, in the same layer. */
void sd_recode_run_deadline(sd_diag_result *r);
/* When a network step begun now must end: its timeout, or the run's
 * deadline when that comes first. */
int64_t sd_step_deadline(const sd_diag_request *req);
/* Tells the request's step hook, if any, what begins now. */
void sd_diag_step(const sd_diag_request *req, const char *what);
/* Whether the run's deadline has passed. */
bool sd_run_deadline_passed(const sd_diag_request *req);

/* diag/auth_send.c: the size limit, AUTH and the test message, on a session
 * that is ready (nothing otherwise). */
void sd_auth_and_send(const sd_diag_request *req, sd_diag_result *r, sd_session *s);

/* diag/alternatives.c: probes the other usual ports of the host and the
 * request's alternatives; main_dns holds the tested host's addresses. */
void sd_find_alternatives(const sd_diag_request *req, sd_diag_result *r, SSL_CTX *ctx,
                          const sd_dns_outcome *main_dns, sd_resolver *resolver);

#endif
