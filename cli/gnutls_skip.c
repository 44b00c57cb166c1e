/* SPDX-License-Identifier: MIT */
/* Debian's libcurl pulls in GnuTLS (through librtmp and libldap) although
 * smtpdoctor never speaks RTMP or LDAP and does its TLS with OpenSSL. GnuTLS
 * initialises itself when it is loaded, which costs every run about 0.8 MiB
 * of resident memory and some start-up time. GnuTLS documents this hook
 * (GNUTLS_SKIP_GLOBAL_INIT in gnutls.h): when the main program defines it,
 * the load-time initialisation is skipped; a library that does use GnuTLS
 * still calls gnutls_global_init() itself. The program must export the
 * symbol (see smtpdoctor_LDFLAGS) so that GnuTLS's call resolves to it. */
int _gnutls_global_init_skip(void);

int _gnutls_global_init_skip(void)
{
    return 1;
}
