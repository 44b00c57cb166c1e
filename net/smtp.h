/* SPDX-License-Identifier: MIT */
/* The SMTP dialogue (RFC 5321): replies, EHLO capabilities and commands.
 * This is the only SMTP reader of the program; probing, AUTH and test send
 * all go through it. Replies are bounded in line count and size. */
#ifndef SD_NET_SMTP_H
#define SD_NET_SMTP_H

#include <stdbool.h>

#include "common/model.h"
#include "common/util.h"
#include "net/conn.h"

enum { SD_SMTP_MAX_REPLY_LINES = 256 };

typedef struct sd_smtp_reply {
    int code;                 /* 0 when no valid reply came */
    char enhanced[16];        /* "5.7.8" when the server sent one */
    sd_strlist lines;         /* the text of each line, without code */
    char *text;               /* the lines joined with spaces */
    char *first_line;         /* the raw first line, for "not SMTP" checks */
    bool malformed;           /* what came was not a well-formed, bounded SMTP reply */
} sd_smtp_reply;

typedef struct sd_smtp_caps {
    bool starttls, pipelining, eightbitmime, smtputf8, enhancedstatuscodes, chunking, dsn;
    bool size_advertised;
    long size_limit;
    unsigned auth;            /* SD_AUTH_* advertised */
    sd_strlist auth_names;    /* as advertised, including unknown ones */
} sd_smtp_caps;

/* Reads one (possibly multi-line) reply. Returns 0, or -1 with *why (a
 * static sentence). *r is always initialised and the caller's; after a
 * failure it holds what came (first_line, lines, malformed), so it is
 * cleared with sd_smtp_reply_clear either way. */
int sd_smtp_read_reply(sd_conn *c, sd_smtp_reply *r, const char **why);
/* Sends a command line and reads the reply. `shown`, when not NULL, is what
 * the transcript records instead of the command (for secrets). */
int sd_smtp_command(sd_conn *c, const char *command, const char *shown, sd_smtp_reply *r,
                    const char **why);
void sd_smtp_reply_clear(sd_smtp_reply *r);
/* The enhanced status code (RFC 3463) at the start of a reply's text, or "". */
void sd_smtp_enhanced_code(const char *text, char out[16]);

/* Fills *caps (initialised first, the caller's, sd_smtp_caps_clear). */
void sd_smtp_parse_caps(const sd_smtp_reply *ehlo, sd_smtp_caps *caps);
void sd_smtp_caps_clear(sd_smtp_caps *caps);

/* What answers on a port when it is not SMTP, judged from the first line it
 * sent: "HTTP", "IMAP", "POP3", "SSH", "FTP" (static strings), or NULL when
 * it looks like SMTP or is unknown. */
const char *sd_smtp_foreign_protocol(const char *first_line);

/* The name to give in EHLO: our FQDN if we have one, else an address literal
 * of the local end of the connection. A new string the caller frees. */
char *sd_smtp_ehlo_name(const sd_conn *c);

#endif
