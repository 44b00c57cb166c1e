/* SPDX-License-Identifier: MIT */
/* The AUTH exchange as a hostile server drives it: the input is what the
 * server says (challenges, multi-line replies, garbage), fed through a real
 * socket to each mechanism in turn; and the SASL decoders on their own. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/model.h"
#include "net/auth.h"

static void run_mechanism(const uint8_t *data, size_t size, unsigned mech)
{
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) < 0)
        return;
    int big = 1 << 20;
    setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (size && write(fds[1], data, size) < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    shutdown(fds[1], SHUT_WR);
    sd_conn c;
    memset(&c, 0, sizeof c);
    c.fd = fds[0];
    c.cancel_fd = -1;
    c.timeout_ms = 20;
    c.in.limit = 2 * SD_MAX_LINE;
    sd_credentials cred = {.username = "user@example.com", .password = "secret", .oauth2_token = "token",
                           .host = "smtp.example.com", .port = 587};
    sd_smtp_reply final;
    const char *why = NULL;
    if (sd_auth_run(&c, mech, &cred, &final, &why) == 0)
        sd_smtp_reply_clear(&final);
    else
        sd_smtp_reply_clear(&final);
    sd_conn_close(&c);
    close(fds[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 60000)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    size_t n = 0;
    free(sd_base64_decode(text, &n));
    free(sd_sasl_cram_md5_answer(text, "user", "secret"));
    free(text);
    static const unsigned mechs[] = {SD_AUTH_PLAIN, SD_AUTH_LOGIN, SD_AUTH_CRAM_MD5, SD_AUTH_XOAUTH2,
                                     SD_AUTH_OAUTHBEARER};
    for (size_t i = 0; i < sizeof mechs / sizeof *mechs; i++)
        run_mechanism(data, size, mechs[i]);
    return 0;
}
