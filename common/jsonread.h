/* SPDX-License-Identifier: MIT */
/* Reads one member of a flat JSON object, as OAuth2 endpoints answer
 * (RFC 6749 5.1, RFC 8628 3.2): {"access_token":"...","expires_in":3599}.
 * Nested values are skipped, not read. The input is untrusted: the reader
 * never goes past the terminating NUL and refuses what is not JSON. */
#ifndef SD_COMMON_JSONREAD_H
#define SD_COMMON_JSONREAD_H

/* The value of the top-level member `key` of the object in `doc`: a string
 * decoded (escapes resolved to UTF-8), or a number, true, false or null as
 * written. A new string the caller frees (sd_secret-style wiping is the
 * caller's business when it is a secret); NULL when doc is not a JSON
 * object, the member is missing, or its value is an object or array. */
char *sd_json_member(const char *doc, const char *key);

#endif
