/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "diag/gate.h"

#include <string.h>

#include "common/model.h"
#include "discover/server.h"

sd_gate_verdict sd_gate_decide(sd_vouch host, const sd_gate_session *s, const sd_gate_policy *p)
{
    if (!s->starttls_clean)
        return SD_GATE_WITHHOLD_TAMPERED;
    if (!s->encrypted && !(p->plain_typed && p->allow_plaintext_auth))
        return SD_GATE_WITHHOLD_PLAINTEXT;
    if (s->encrypted && !s->cert_verified && !p->insecure)
        return SD_GATE_WITHHOLD_CERT;
    if (sd_gate_host_needs_consent(host, p) && p->answer != SD_GATE_YES)
        return SD_GATE_WITHHOLD_HOST;
    return SD_GATE_SEND;
}

bool sd_gate_host_needs_consent(sd_vouch host, const sd_gate_policy *p)
{
    return host == SD_VOUCH_NONE && !p->trust_discovered;
}

sd_gate_session sd_gate_session_facts(const sd_session *s)
{
    bool encrypted = s->tls_attempted && s->tls.outcome == SD_TLS_OK && s->conn.ssl != NULL;
    sd_gate_session f = {
        .encrypted = encrypted,
        .cert_verified = encrypted && s->tls.verify_error_count == 0 && s->tls.name_matches,
        .starttls_clean = s->tls.outcome != SD_TLS_INJECTED,
    };
    return f;
}

int sd_gate_login(sd_vouch host, const sd_gate_policy *p, sd_session *s, unsigned mechanism,
                  const sd_credentials *cred, sd_smtp_reply *final, const char **why,
                  sd_gate_verdict *verdict)
{
    sd_gate_session facts = sd_gate_session_facts(s);
    *verdict = sd_gate_decide(host, &facts, p);
    if (*verdict != SD_GATE_SEND) {
        memset(final, 0, sizeof *final);
        return 1;
    }
    return sd_auth_run(&s->conn, mechanism, cred, final, why);
}

/* The phrases live in the source table (common/source.c). */
const char *sd_gate_found_through(unsigned sources)
{
    const sd_source_info *s = sd_source_info_of(sd_source_primary(sources));
    return s && s->reached_by ? _(s->reached_by) : "DNS";
}

const char *sd_gate_named_by(unsigned sources)
{
    const sd_source_info *s = sd_source_info_of(sd_source_primary(sources));
    return s && s->unverified ? _(s->unverified) : _("an unauthenticated source");
}
