/* SPDX-License-Identifier: MIT */
/* Message header fields written as RFC 5322 wants them: lines of at most 78
 * characters folded at spaces, and text that is not printable ASCII as RFC
 * 2047 encoded words (=?UTF-8?B?...?=), so that nothing taken from the user
 * or a server can end a header line or start a new one. */
#ifndef SD_NET_HEADER_H
#define SD_NET_HEADER_H

/* "Name: value" and a newline ("\n"; the message writer makes it CRLF),
 * folded with "\n " where needed. Invalid UTF-8 and control characters in
 * value become U+FFFD and '?' first. The caller frees the result. */
char *sd_header_field(const char *name, const char *value);

#endif
