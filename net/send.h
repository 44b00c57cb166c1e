/* SPDX-License-Identifier: MIT */
/* The test message: MAIL FROM, RCPT TO (To and Bcc), DATA with a proper
 * RFC 5322 message, on an open (and usually authenticated) session. */
#ifndef SD_NET_SEND_H
#define SD_NET_SEND_H

#include <stdbool.h>

#include "common/model.h"
#include "common/util.h"
#include "net/conn.h"
#include "net/smtp.h"

typedef struct sd_message_spec {
    const char *from;             /* envelope sender and From: */
    const char *to;               /* the recipient in To: */
    const char *reply_to;         /* or NULL */
    const char *bcc;              /* an envelope-only recipient, or NULL */
    const char *subject;
    const char *body;             /* plain text; line ends are normalised */
} sd_message_spec;

typedef enum sd_send_stage { SD_SEND_MAIL, SD_SEND_RCPT, SD_SEND_DATA, SD_SEND_DONE } sd_send_stage;

typedef struct sd_send_result {
    sd_send_stage stage;          /* where it stopped; DONE when accepted */
    sd_smtp_reply reply;          /* the refusing reply, or the final 250 */
    char *recipient;              /* the refused recipient, at RCPT */
    char *queue_id;               /* from the final reply, when it names one */
    size_t message_size;          /* the message as it goes over the wire, in bytes */
    bool over_size_limit;         /* larger than the server's EHLO SIZE: not sent at all */
    bool needs_smtputf8;          /* an address needs SMTPUTF8, which the server does not
                                     offer: not sent at all (stage MAIL, -1) */
} sd_send_result;

/* The subject and body of smtpdoctor's test message, naming the settings it
 * tests (username NULL: none). Both are new strings, the caller's to free. */
void sd_test_message_texts(const char *host, int port, sd_security security, const char *username,
                           char **subject, char **body);

/* The message as it goes over the wire after DATA, dot-stuffed, ending in
 * CRLF.CRLF. A new string the caller frees. */
char *sd_message_build(const sd_message_spec *m, const char *message_id_domain);

/* Returns 0 when the server answered every step (see res->stage for how far
 * it got), -1 with *why when the dialogue broke or could not begin
 * (needs_smtputf8). A message larger than the server's EHLO SIZE is not sent
 * at all (over_size_limit, stage MAIL): the server has said it would refuse
 * it. res is filled in either way; sd_send_result_clear lets go of it. */
int sd_send_message(sd_conn *c, const sd_smtp_caps *caps, const sd_message_spec *m, sd_send_result *res,
                    const char **why);
/* *res is always initialised and the caller's: sd_send_result_clear it
 * after success or failure (it keeps the reply that stopped the send). */
void sd_send_result_clear(sd_send_result *r);

/* The queue id in a final "250" reply ("queued as 4Xyz", "id=1abc-..."):
 * a new string the caller frees, or NULL. */
char *sd_queue_id(const char *reply_text);

const char *sd_send_stage_name(sd_send_stage s);   /* "MAIL FROM", "RCPT TO", "DATA" */

#endif
