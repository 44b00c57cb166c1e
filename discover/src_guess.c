/* SPDX-License-Identifier: MIT */
/* Source "guess": when no source named an SMTP server, the usual host
 * names of the domain are probed on the usual ports (discover/merge.c). At
 * the start their names are only resolved, in case they are needed. */
#include <stdlib.h>

#include "discover/run.h"

char *src_guess_host(const run *r, int i)
{
    const char *d = r->addr->domain;
    switch (i) {
    case 0: return sd_xasprintf("smtp.%s", d);
    case 1: return sd_xasprintf("mail.%s", d);
    default: return sd_xstrdup(d);
    }
}

void src_guess_start(run *r)
{
    if (!r->opts->probe)
        return;
    for (int i = 0; i < GUESS_HOSTS; i++) {
        char *host = src_guess_host(r, i);
        run_want_host(r, host);
        free(host);
    }
}
