/* SPDX-License-Identifier: MIT */
/* The diagnosis: given the settings a user has (host, port, security, login),
 * check them layer by layer (dns, tcp, tls with the certificate, smtp, auth,
 * send), then name the one root cause to fix first and its remedy. When the
 * settings fail to connect, the other usual ports and modes of the server
 * (and any alternatives discovery found) are probed at the same time, so the
 * remedy can say which settings do work. */
#ifndef SD_DIAG_DIAG_H
#define SD_DIAG_DIAG_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "common/finding.h"
#include "common/model.h"
#include "net/session.h"
#include "common/util.h"
#include "discover/address.h"
#include "discover/server.h"
#include "net/tls.h"
#include "presets/knowledge.h"
#include "presets/preset.h"

typedef struct sd_check {
    const char *layer;        /* dns, tcp, tls, smtp, auth, send */
    char *target;             /* host:port */
    sd_check_status status;
    sd_finding code;          /* SD_F_TCP_TIMEOUT, SD_F_TLS_OK... */
    char *message;            /* one sentence of what was observed */
    char *reply;              /* the server's reply the finding rests on ("534 5.7.9 ..."), shown
                                 once as evidence, never pasted into a summary; or NULL */
    char *brief;              /* the message without technical details (cipher, issuer,
                                 EHLO keywords), for text output without -v; or NULL */
    bool softened;            /* a failure shown as a warning because of --insecure: the
                                 message says so, the summary's {detail} does not */
    char *remedy;             /* one sentence of what to do, or NULL */
    char *suggested_host;     /* where the fix is another host name */
    const sd_interceptor *interceptor;   /* cert.intercepted: the product, when known */
    sd_finding_variant texts; /* a findings.conf entry more specific than the code for the
                                 summary and remedy (cert.intercepted.redirect), or SD_V_NONE */
    int64_t elapsed_ms;
} sd_check;

typedef struct sd_check_list {
    sd_check *items;
    size_t len, cap;
} sd_check_list;

typedef struct sd_diag_request {
    const char *host;
    int port;                      /* 0: inferred from security */
    sd_security security;          /* UNKNOWN: inferred from the port */
    const sd_address *address;     /* may be NULL */
    const char *username, *password, *oauth2_token;
    unsigned auth_mech;            /* a forced SD_AUTH_* mechanism, or 0 */
    /* For the credential gate (diag/gate.h): where the host came from and
     * what the user said. diag --host: SD_SRC_USER. */
    unsigned host_sources;         /* SD_SRC_* that named the host */
    bool host_authenticated;       /* one of them was an authenticated source */
    bool host_ispdb_named;         /* an ISPDB document (https) named it */
    bool security_typed;           /* the security setting was typed by the user */
    bool trust_discovered;
    int trust_answer;              /* sd_gate_answer to the trust question */
    bool password_not_asked;       /* the user has a password, but was not asked for it
                                      because the gate keeps it back from this host */
    const char *send_to, *from, *reply_to, *bcc;   /* the test message */
    const char *dns_servers, *ca_file;
    int timeout_ms;                /* for each network step */
    int64_t run_deadline;          /* sd_now_ms() time at which every network step ends
                                      (run.deadline); 0: none */
    sd_step_hook on_step;          /* optional: told each step as it begins (a progress line) */
    void *on_step_arg;
    bool insecure, allow_plaintext_auth, keep_transcript;
    const sd_preset_db *presets;
    const sd_knowledge *knowledge;
    const sd_server_list *alternatives;   /* other candidates to try when these fail */
    /* A session to host:port that a probe already opened (ready, after EHLO),
     * and the addresses the host resolved to: the diagnosis takes the session
     * over and goes on from there instead of connecting again. */
    sd_session *open_session;
    const sd_strlist *open_addresses;
    const char *open_canonical;           /* the host's CNAME chain end, or NULL */
} sd_diag_request;

typedef struct sd_diag_result {
    char *host;
    int port;
    sd_security security;          /* as tested */
    sd_security detected;          /* what the port turned out to do; UNKNOWN if not seen */
    bool port_inferred, security_inferred;
    unsigned auth_offered;         /* SD_AUTH_* from EHLO */
    bool reached_smtp;             /* the session got through EHLO */
    char *auth_mechanism;          /* the mechanism that was tried */
    char *queue_id;                /* of the test message, when sent */
    sd_check_list checks;
    sd_check_status status;        /* PASS (ok), WARN or FAIL */
    sd_finding code;
    char *summary, *remedy, *suggested_host;
    char *server_reply;            /* the root cause's reply of the server, or NULL */
    bool has_working;              /* another setting was found to work */
    sd_server working;
    sd_server_list tried;          /* alternatives probed, with verified set */
    sd_strlist transcript;         /* C:/S: lines, secrets redacted */
    sd_tls_info tls;               /* the handshake's details, for -v */
    char peer[64];                 /* the address the session connected to, or "" */
    char *canonical;               /* the host's CNAME target, when it is an alias */
    int64_t elapsed_ms;
} sd_diag_result;

/* Runs the diagnosis. Returns 0 when it ran, whatever it found (a failed
 * check is a finding, not an error): *out then holds the checks and the root
 * cause, all of it owned by out, for sd_diag_result_free. A request's
 * open_session is taken over, closed and left empty when the diagnosis gets
 * to the session (always when open_addresses is given too); otherwise it is
 * still the caller's to close.
 *
 * Returns -1 with err set only when the diagnosis could not start (a DNS
 * server or a CA file that cannot be used): *out is then empty (all zero,
 * nothing to free, though sd_diag_result_free on it does no harm), and the
 * request's open_session is untouched, still the caller's.
 *
 * The request and everything it points to stay the caller's. */
int sd_diagnose(const sd_diag_request *req, sd_diag_result *out, sd_error *err);
/* Frees everything the result holds and leaves it empty. */
void sd_diag_result_free(sd_diag_result *r);

const char *sd_check_status_name(sd_check_status s);  /* pass, warn, fail, skip */

/* -- the parts, exposed for the unit tests -------------------------------- */

/* Adds a check (target copied, message taken over) and returns it, for the
 * caller to fill in the rest; the pointer holds until the next add. */
sd_check *sd_check_add(sd_check_list *l, const char *layer, const char *target, sd_check_status status,
                       sd_finding code, char *message_owned);
void sd_check_list_free(sd_check_list *l);
/* What follows the message wherever a check is shown: why a failure is only
 * a warning (--insecure), or "". Static text. */
const char *sd_check_note(const sd_check *c);

/* Classifies a completed handshake's certificate: the primary finding
 * (SD_F_TLS_OK when nothing is wrong), a message, and the suggested host for
 * a name mismatch. */
typedef struct sd_cert_verdict {
    sd_finding code;
    sd_check_status status;        /* before --insecure is applied */
    char *message;
    char *suggested_host;
    const sd_interceptor *interceptor;
    bool expiring_soon;            /* besides the main verdict */
    char *weakness;                /* a weak key or signature of the leaf, besides the verdict */
    sd_finding weakness_code;      /* SD_F_CERT_WEAK_KEY or SD_F_CERT_WEAK_SIGNATURE */
} sd_cert_verdict;

void sd_cert_classify(const sd_tls_info *tls, const char *host, const sd_knowledge *k,
                      sd_cert_verdict *v);
/* "the certificate expires on DATE, in N days", of the leaf: the one
 * sentence for cert.expiring_soon, as the verdict or besides it. A new
 * string the caller frees. */
char *sd_cert_expiry_message(const sd_tls_info *tls);
void sd_cert_verdict_clear(sd_cert_verdict *v);

/* The known SMTP host a mistyped one most likely meant, or NULL. */
char *sd_suggest_host(const char *host, const sd_preset_db *presets);

/* What a host name that DNS says does not exist means (diag/suggest.c):
 * DNS itself failing (a name known to exist is denied too; witness names
 * it), or a typo of a preset's server or of the usual names inside the
 * address's own domain that do resolve (suggestion). */
struct sd_resolver;
typedef struct sd_missing_host {
    bool dns_failing;
    char *witness;
    char *suggestion;
} sd_missing_host;
void sd_explain_missing_host(const sd_diag_request *req, const char *host, struct sd_resolver *resolver,
                             sd_missing_host *out);
void sd_missing_host_clear(sd_missing_host *m);

/* The contract's rule for names suggested to the user (diag/names.c): a
 * hostname mismatch on a known provider's host whose certificate names a
 * host outside the provider's domains is interception by the network or
 * hosting company (cert.intercepted, nothing suggested); elsewhere a
 * certificate's name is suggested only when the user can trust it (inside
 * the address's registrable domain, a preset host, the host's own CNAME
 * target, or the forward-confirmed reverse DNS of the address connected
 * to). resolver answers the reverse look-ups. */
void sd_review_certificate_names(const sd_diag_request *req, sd_diag_result *r, struct sd_resolver *resolver);
/* cert.chain_incomplete made certain: the issuer named by the leaf's AIA
 * is fetched (one http hop, bounded) and the chain verified again with it
 * (diag/chain.c). The check stays a failure. */
void sd_complete_chain(const sd_diag_request *req, sd_diag_result *r, SSL_CTX *ctx, struct sd_resolver *resolver);

/* The host is a known provider's: a preset's server, or named by the ISPDB. */
bool sd_known_provider_host(const sd_diag_request *req, const char *host);

/* Chooses the root cause among the checks and renders its summary and
 * remedy from the knowledge. */
void sd_choose_root_cause(const sd_diag_request *req, sd_diag_result *r);

#endif
