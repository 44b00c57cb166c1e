/* smtpdoctor: finds out how an email account should send mail and, when
 * sending fails, says why and what to change. This file only dispatches:
 * every network step lives in the library (discover/, diag/, net/). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"
#include "cli/output.h"
#include "discover/discover.h"
#include "presets/preset.h"

static int run_discover(const sd_cli *cli, const sd_preset_db *presets)
{
    sd_discover_options opts = {
        .dns_servers = cli->dns_servers, .ca_file = cli->ca_file, .ispdb_url = cli->ispdb_url,
        .timeout_ms = cli->timeout_ms, .probe = cli->probe, .presets = presets,
    };
    sd_discovery d;
    sd_error err;
    if (cli->verbose && !cli->json)
        fprintf(stderr, "smtpdoctor: looking up %s ...\n", cli->address.address);
    if (sd_discover(&cli->address, &opts, &d, &err) < 0) {
        fprintf(stderr, "smtpdoctor: %s\n", err.msg);
        return SD_EXIT_USAGE;
    }
    int rc = sd_print_discovery(cli, &d);
    sd_discovery_free(&d);
    return rc;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    sd_cli cli;
    int parsed = sd_cli_parse(argc, argv, &cli);
    if (parsed != 0) {
        sd_cli_free(&cli);
        return parsed > 0 ? SD_EXIT_OK : SD_EXIT_USAGE;
    }
    sd_preset_db presets = {0};
    sd_error err;
    if (sd_preset_db_load_all(&presets, &err) < 0) {
        fprintf(stderr, "smtpdoctor: %s\n", err.msg);
        sd_preset_db_free(&presets);
        sd_cli_free(&cli);
        return SD_EXIT_USAGE;
    }
    int rc;
    switch (cli.command) {
    case SD_CMD_PRESETS:
        rc = sd_print_presets(&cli, &presets);
        break;
    case SD_CMD_DIAG:
        fprintf(stderr, "smtpdoctor: diag is not built yet\n");
        rc = SD_EXIT_INTERNAL;
        break;
    default:
        rc = run_discover(&cli, &presets);
        break;
    }
    sd_preset_db_free(&presets);
    sd_cli_free(&cli);
    return rc;
}
