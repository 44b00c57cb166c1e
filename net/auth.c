/* SPDX-License-Identifier: MIT */
#include "net/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

/* Strongest first. With a password, CRAM-MD5 keeps it off the wire even
 * inside TLS; PLAIN before LOGIN because it takes one round trip. */
static const unsigned password_order[] = {SD_AUTH_CRAM_MD5, SD_AUTH_PLAIN, SD_AUTH_LOGIN};
static const unsigned token_order[] = {SD_AUTH_OAUTHBEARER, SD_AUTH_XOAUTH2};

unsigned sd_auth_choose(unsigned offered, const sd_credentials *cred, unsigned forced)
{
    unsigned usable = 0;
    if (cred->oauth2_token)
        usable |= SD_AUTH_OAUTHBEARER | SD_AUTH_XOAUTH2;
    if (cred->password)
        usable |= SD_AUTH_CRAM_MD5 | SD_AUTH_PLAIN | SD_AUTH_LOGIN;
    if (forced)
        return forced & usable & offered ? forced : 0;
    const unsigned *order = cred->oauth2_token ? token_order : password_order;
    size_t n = cred->oauth2_token ? 2 : 3;
    for (size_t i = 0; i < n; i++)
        if (offered & usable & order[i])
            return order[i];
    return 0;
}

char *sd_base64_encode(const unsigned char *data, size_t len)
{
    char *out = sd_xmalloc(4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* Strict RFC 4648 base64: a length that is a multiple of four, only the
 * alphabet, and at most two '=' and only at the very end. A server's SASL
 * challenge is untrusted input: OpenSSL's EVP_DecodeBlock alone accepts
 * "====" and would make the padding count run below zero. */
static bool base64_well_formed(const char *text, size_t n, size_t *padding)
{
    if (n % 4 != 0)
        return false;
    size_t pad = 0;
    while (pad < n && pad < 3 && text[n - 1 - pad] == '=')
        pad++;
    if (pad > 2)
        return false;
    for (size_t i = 0; i < n - pad; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '+' || ch == '/'))
            return false;
    }
    *padding = pad;
    return true;
}

unsigned char *sd_base64_decode(const char *text, size_t *len)
{
    size_t n = strlen(text), pad = 0;
    if (n > SD_BASE64_MAX || !base64_well_formed(text, n, &pad))
        return NULL;
    unsigned char *out = sd_xmalloc(3 * (n / 4) + 1);
    int got = n ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)n) : 0;
    if (got < 0 || (size_t)got < pad) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as data */
    *len = (size_t)got - pad;
    out[*len] = '\0';
    return out;
}

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

/* Sends one SASL line (already base64) and reads the reply; the transcript
 * shows only "<redacted>". */
static int send_secret(sd_conn *c, const char *line, const char *shown, sd_smtp_reply *r, const char **why)
{
    sd_smtp_reply_clear(r);
    return sd_smtp_command(c, line, shown, r, why);
}

static int auth_plain(sd_conn *c, const sd_credentials *cred, sd_smtp_reply *r, const char **why)
{
    size_t lu = strlen(cred->username), lp = strlen(cred->password);
    unsigned char *raw = sd_xmalloc(lu + lp + 2);
    raw[0] = '\0';
    memcpy(raw + 1, cred->username, lu);
    raw[lu + 1] = '\0';
    memcpy(raw + lu + 2, cred->password, lp);
    char *b64 = sd_base64_encode(raw, lu + lp + 2);
    OPENSSL_cleanse(raw, lu + lp + 2);
    free(raw);
    char *line = sd_xasprintf("AUTH PLAIN %s", b64);
    wipe_free(b64);
    int rc = send_secret(c, line, "AUTH PLAIN <redacted>", r, why);
    wipe_free(line);
    return rc;
}

static int auth_login(sd_conn *c, const sd_credentials *cred, sd_smtp_reply *r, const char **why)
{
    if (sd_smtp_command(c, "AUTH LOGIN", NULL, r, why) < 0 || r->code != 334)
        return r->code ? 0 : -1;
    char *user = sd_base64_encode((const unsigned char *)cred->username, strlen(cred->username));
    int rc = send_secret(c, user, "<redacted>", r, why);
    free(user);
    if (rc < 0 || r->code != 334)
        return rc;
    char *pass = sd_base64_encode((const unsigned char *)cred->password, strlen(cred->password));
    rc = send_secret(c, pass, "<redacted>", r, why);
    wipe_free(pass);
    return rc;
}

char *sd_sasl_cram_md5_answer(const char *challenge_b64, const char *username, const char *password)
{
    size_t clen = 0;
    unsigned char *challenge = sd_base64_decode(challenge_b64, &clen);
    if (!challenge || clen == 0) {
        free(challenge);
        return NULL;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    HMAC(EVP_md5(), password, (int)strlen(password), challenge, clen, mac, &maclen);
    free(challenge);
    sd_buf answer = {0};
    sd_buf_printf(&answer, "%s ", username);
    for (unsigned i = 0; i < maclen; i++)
        sd_buf_printf(&answer, "%02x", mac[i]);
    OPENSSL_cleanse(mac, sizeof mac);
    char *b64 = sd_base64_encode((const unsigned char *)answer.data, answer.len);
    sd_buf_free(&answer);
    return b64;
}

static int auth_cram_md5(sd_conn *c, const sd_credentials *cred, sd_smtp_reply *r, const char **why)
{
    if (sd_smtp_command(c, "AUTH CRAM-MD5", NULL, r, why) < 0 || r->code != 334)
        return r->code ? 0 : -1;
    char *b64 = sd_sasl_cram_md5_answer(r->lines.len ? r->lines.items[0] : "", cred->username, cred->password);
    if (!b64) {
        /* say so to the server too, so that the session stays usable */
        sd_smtp_reply cancel;
        const char *ignored = NULL;
        sd_smtp_command(c, "*", NULL, &cancel, &ignored);
        sd_smtp_reply_clear(&cancel);
        *why = "the server's CRAM-MD5 challenge is not valid base64";
        return -1;
    }
    int rc = send_secret(c, b64, "<redacted>", r, why);
    free(b64);
    return rc;
}

/* The JSON of a 334 that refuses a token, decoded; NULL when it is not
 * printable base64 text. Its printing is left to the output's filters. */
static char *oauth_error_of(const sd_smtp_reply *r)
{
    size_t len = 0;
    unsigned char *json = r->lines.len ? sd_base64_decode(r->lines.items[0], &len) : NULL;
    if (json && (len == 0 || len > 1024 || memchr(json, '\0', len))) {
        free(json);
        json = NULL;
    }
    return (char *)json;
}

static int auth_oauth(sd_conn *c, unsigned mech, const sd_credentials *cred, sd_smtp_reply *r, const char **why)
{
    char *raw = mech == SD_AUTH_XOAUTH2
        ? sd_xasprintf("user=%s\001auth=Bearer %s\001\001", cred->username, cred->oauth2_token)
        : sd_xasprintf("n,a=%s,\001host=%s\001port=%d\001auth=Bearer %s\001\001", cred->username,
                       cred->host ? cred->host : "", cred->port, cred->oauth2_token);
    char *b64 = sd_base64_encode((const unsigned char *)raw, strlen(raw));
    wipe_free(raw);
    char *line = sd_xasprintf("AUTH %s %s", sd_auth_name(mech), b64);
    wipe_free(b64);
    char *shown = sd_xasprintf("AUTH %s <redacted>", sd_auth_name(mech));
    int rc = send_secret(c, line, shown, r, why);
    wipe_free(line);
    free(shown);
    /* On failure the server sends a 334 with a JSON error (RFC 7628 3.2.2,
     * {"status":"invalid_token",...}); the client answers with an empty
     * line and gets the final reply, which keeps that error in its text:
     * it says why the token was refused. */
    if (rc == 0 && r->code == 334) {
        char *error = oauth_error_of(r);
        rc = send_secret(c, "", NULL, r, why);
        if (rc == 0 && error) {
            char *text = sd_xasprintf("%s (OAuth2 error: %s)", r->text ? r->text : "", error);
            free(r->text);
            r->text = text;
        }
        free(error);
    }
    return rc;
}

int sd_auth_run(sd_conn *c, unsigned mechanism, const sd_credentials *cred, sd_smtp_reply *final,
                const char **why)
{
    memset(final, 0, sizeof *final);
    switch (mechanism) {
    case SD_AUTH_PLAIN: return auth_plain(c, cred, final, why);
    case SD_AUTH_LOGIN: return auth_login(c, cred, final, why);
    case SD_AUTH_CRAM_MD5: return auth_cram_md5(c, cred, final, why);
    case SD_AUTH_XOAUTH2: case SD_AUTH_OAUTHBEARER: return auth_oauth(c, mechanism, cred, final, why);
    default:
        *why = "no mechanism";
        return -1;
    }
}
