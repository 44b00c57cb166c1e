/* SPDX-License-Identifier: MIT */
/* Discovery: from an email address to ranked SMTP (and IMAP/POP3) settings.
 *
 * Every source starts at once on one event loop (c-ares and libcurl multi):
 * the built-in presets, RFC 6186/8314 SRV records, the domain's autoconfig
 * and .well-known documents (https, and http as Thunderbird does), the
 * central ISPDB, Exchange Autodiscover, and an MX-based look-up of the
 * provider behind a custom domain. Each candidate's host is resolved as soon
 * as it is known; then all candidates are probed at once (and, when nothing
 * named a server, the usual host names are guessed and probed), so that a
 * dead candidate costs one timeout, not one each. */
#ifndef SD_DISCOVER_DISCOVER_H
#define SD_DISCOVER_DISCOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "common/util.h"
#include "discover/address.h"
#include "discover/server.h"
#include "net/session.h"
#include "presets/preset.h"

#define SD_DEFAULT_ISPDB_URL "https://live.thunderbird.net/autoconfig/v1.1/"

typedef struct sd_discover_options {
    const char *dns_servers;      /* NULL: the system's */
    const char *ca_file;          /* extra trust anchors, or NULL */
    const char *ispdb_url;        /* NULL: the default; "none": off */
    int timeout_ms;
    int64_t run_deadline;         /* optional (sd_now_ms() time): the probes stop there too */
    bool probe;                   /* verify candidates and guess */
    bool keep_session;            /* keep the best candidate's probe open (see below) */
    bool keep_transcript;         /* of that session, for -v */
    const sd_preset_db *presets;
} sd_discover_options;

/* The open SMTP session of the best candidate, so that the diagnosis goes
 * on where the probe stopped instead of connecting again. */
typedef struct sd_kept_session {
    char *host;
    int port;
    sd_strlist addresses;         /* what the host resolved to */
    char *canonical;              /* the end of its CNAME chain, or NULL */
    sd_session session;           /* ready: after EHLO (and STARTTLS) */
} sd_kept_session;

/* What one source did, for -v and the JSON "sources" list. */
typedef struct sd_source_report {
    unsigned source;              /* SD_SRC_* */
    char *what;                   /* the URL or DNS name asked */
    char *result;                 /* one phrase: "3 servers", "404", "timed out" */
    bool found;
    int64_t elapsed_ms;
} sd_source_report;

typedef struct sd_discovery {
    sd_server_list servers;       /* every candidate, SMTP first, ranked */
    const sd_preset *provider;    /* the preset behind the domain, if any */
    bool provider_via_mx;
    char *mx_host;                /* the best MX, when there was one */
    sd_strlist hints;             /* what the user must read before logging in */
    sd_strlist notes;             /* what discovery noticed (defects, refusals) */
    sd_source_report *reports;
    size_t report_count;
    int64_t elapsed_ms;
    sd_kept_session *kept;        /* with opts.keep_session; the caller may take it
                                     (setting kept to NULL; sd_kept_session_free) */
    struct sd_probe_set *probes;  /* the other probes, saying QUIT in the background */
} sd_discovery;

/* Runs discovery. addr and opts (and the presets) are borrowed for the
 * call. *out is the caller's, initialised first, and freed with
 * sd_discovery_free after success or failure. Returns 0, or -1 with err
 * set when the resolver or the HTTP client cannot be set up (a bad
 * --dns-server, libcurl failing); *out is then empty: no servers,
 * reports, notes, session or probes. A source that fails is no failure:
 * it shows in the reports. */
int sd_discover(const sd_address *addr, const sd_discover_options *opts, sd_discovery *out,
                sd_error *err);
/* Frees everything the discovery holds (the kept session, unless taken,
 * and the probes still saying QUIT, waited for) and leaves it empty. */
void sd_discovery_free(sd_discovery *d);
void sd_kept_session_free(sd_kept_session *k);

/* The number of SMTP candidates (they come first in `servers`). */
size_t sd_discovery_smtp_count(const sd_discovery *d);

#endif
