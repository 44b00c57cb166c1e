/* SPDX-License-Identifier: MIT */
/* Which settings the exports write, decided from what was checked: the
 * settings that work, or, when none do, the best next step. A discovery
 * alone gives its best candidate as checked, unchecked or failed; a
 * diagnosis gives the settings as tested when they work, the working
 * alternative or the vouched host name when they do not, and otherwise what
 * to do first. Host names here are only those the diagnosis may suggest
 * (diag/names.c, diag/alternatives.c): nothing new is invented.
 *
 * An sd_advice owns copies of its servers and its next step (sd_advice_clear
 * frees them); `hints` points into the discovery it was made from, which
 * must outlive it. */
#ifndef SD_CLI_ADVICE_H
#define SD_CLI_ADVICE_H

#include <stdbool.h>

#include "cli/options.h"
#include "diag/diag.h"
#include "discover/discover.h"
#include "presets/preset.h"

typedef enum sd_advice_state {
    SD_ADVICE_WORKS,        /* checked: these settings work */
    SD_ADVICE_CHANGE,       /* the settings tested fail; these work (marked against `have`) */
    SD_ADVICE_NEXT_STEP,    /* nothing found works yet: `next_step` first */
    SD_ADVICE_UNCHECKED,    /* nothing could be checked (no probe, no network) */
    SD_ADVICE_FAILED,       /* discovery's best candidate failed its check */
} sd_advice_state;

typedef struct sd_advice {
    sd_advice_state state;
    bool has_settings;      /* false: nothing that may be written as settings */
    sd_server settings;     /* what the form should hold */
    bool has_have;
    sd_server have;         /* the settings tested, for "(you have 465: change it)" */
    bool have_typed;        /* the user typed them (diag), rather than discovery finding them */
    bool login_checked;     /* the server accepted the login */
    bool message_accepted;  /* the test message was accepted */
    bool skip_verify;       /* recommend the "Do not verify TLS certificate" box */
    char *next_step;        /* what to do first, or NULL */
    char *failure;          /* what the check saw when it failed, or NULL */
    const sd_strlist *hints;/* the provider's hints the password line refers to, or NULL */
    const char *password_kind;   /* normal, app, own, bridge */
} sd_advice;

/* From `discover` alone: the best candidate and how its check went. */
void sd_advice_from_discovery(const sd_discovery *d, sd_advice *out);

/* From a diagnosis of `tested` (d: the discovery behind it, or NULL for
 * `diag`; typed: the user typed the tested settings, so changes are marked
 * against them). */
void sd_advice_from_diagnosis(const sd_cli *cli, const sd_preset_db *presets, const sd_diag_result *r,
                              const sd_server *tested, const sd_discovery *d, bool typed, sd_advice *out);

void sd_advice_clear(sd_advice *a);

/* The exit status the advice stands for: 0 when settings work or nothing
 * could be checked, 1 when a failure was found (CONTRACT "Exit status"). */
int sd_advice_exit_status(const sd_advice *a);

#endif
