/* SPDX-License-Identifier: MIT */
/* The credential gate: the one place that decides whether a password or an
 * OAuth2 token may go to an SMTP session, and the only code that starts the
 * AUTH exchange (net/auth.c's sd_auth_run is called from gate.c alone; a
 * test keeps it so). It implements the contract's credential policy:
 *   1. the connection is encrypted and the certificate verified for the
 *      host, or the user said --insecure;
 *   2. STARTTLS was clean (nothing read in plain text is taken as said
 *      inside TLS);
 *   3. something vouches for the host (discover/vouch.h), or the user said
 *      --trust-discovered or yes to the question on a terminal;
 * and plaintext AUTH only with --security plain and --allow-plaintext-auth
 * both typed by the user. */
#ifndef SD_DIAG_GATE_H
#define SD_DIAG_GATE_H

#include <stdbool.h>

#include "discover/vouch.h"
#include "net/auth.h"
#include "net/session.h"

typedef enum sd_gate_answer {
    SD_GATE_NOT_ASKED = 0,     /* no terminal, or no question was needed */
    SD_GATE_YES,
    SD_GATE_NO,
} sd_gate_answer;

/* What the user said. */
typedef struct sd_gate_policy {
    bool insecure;             /* --insecure: the "do not verify" box */
    bool trust_discovered;     /* --trust-discovered */
    bool allow_plaintext_auth; /* --allow-plaintext-auth */
    bool plain_typed;          /* --security plain, typed (not inferred or discovered) */
    sd_gate_answer answer;     /* to "Send your password to it? [y/N]" */
} sd_gate_policy;

/* What the session showed. */
typedef struct sd_gate_session {
    bool encrypted;            /* TLS is up, implicit or after STARTTLS */
    bool cert_verified;        /* the chain verified and the leaf names the host */
    bool starttls_clean;       /* no plaintext bytes were carried into TLS */
} sd_gate_session;

typedef enum sd_gate_verdict {
    SD_GATE_SEND = 0,
    SD_GATE_WITHHOLD_TAMPERED,   /* STARTTLS was not clean */
    SD_GATE_WITHHOLD_PLAINTEXT,  /* auth.plaintext_refused */
    SD_GATE_WITHHOLD_CERT,       /* auth.withheld */
    SD_GATE_WITHHOLD_HOST,       /* auth.untrusted_server */
} sd_gate_verdict;

sd_gate_verdict sd_gate_decide(sd_vouch host, const sd_gate_session *s, const sd_gate_policy *p);

/* Whether the host alone already keeps the secret back, so that a question
 * on a terminal could change it (asked before any password prompt). */
bool sd_gate_host_needs_consent(sd_vouch host, const sd_gate_policy *p);

/* The facts of a session as the gate reads them. */
sd_gate_session sd_gate_session_facts(const sd_session *s);

/* Runs AUTH on the session when, and only when, sd_gate_decide says
 * SD_GATE_SEND. Returns 1 when the secret was withheld (nothing was sent;
 * *verdict says why), else what sd_auth_run returns. */
int sd_gate_login(sd_vouch host, const sd_gate_policy *p, sd_session *s, unsigned mechanism,
                  const sd_credentials *cred, sd_smtp_reply *final, const char **why,
                  sd_gate_verdict *verdict);

/* For the trust question and the auth.untrusted_server message: how the
 * only sources that named a host found it ("DNS", "guessing" ...), and what
 * they were ("an unauthenticated DNS SRV record" ...). */
const char *sd_gate_found_through(unsigned sources);
const char *sd_gate_named_by(unsigned sources);

#endif
