/* SPDX-License-Identifier: MIT */
/* The SMTP reply reader and EHLO capability parser, fed through a real
 * socket as a server would send the bytes. */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 60000)
        return 0;                 /* what one socket buffer holds */
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) < 0)
        return 0;
    int big = 1 << 20;
    setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (size && write(fds[1], data, size) < 0) {
        close(fds[0]);
        close(fds[1]);
        return 0;
    }
    close(fds[1]);
    sd_conn c;
    memset(&c, 0, sizeof c);
    c.fd = fds[0];
    c.cancel_fd = -1;
    c.timeout_ms = 50;
    c.in.limit = 2 * SD_MAX_LINE;
    for (int i = 0; i < 64; i++) {
        sd_smtp_reply r;
        const char *why = NULL;
        int rc = sd_smtp_read_reply(&c, &r, &why);
        if (rc == 0) {
            sd_smtp_caps caps;
            sd_smtp_parse_caps(&r, &caps);
            sd_smtp_caps_clear(&caps);
        }
        (void)sd_smtp_foreign_protocol(r.first_line);
        sd_smtp_reply_clear(&r);
        if (rc < 0)
            break;
    }
    sd_conn_close(&c);
    return 0;
}
