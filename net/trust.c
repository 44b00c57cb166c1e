/* SPDX-License-Identifier: MIT */
#include "net/trust.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"

/* The trust anchors are read once per process and shared by every TLS
 * context: parsing a bundle of some 150 certificates costs 20 ms of CPU and
 * a megabyte, and a batch makes hundreds of contexts. Nothing is parsed that
 * a chain does not need: Debian's hashed directory (/etc/ssl/certs) gives
 * one certificate by its subject, and so does a bundle file (SSL_CERT_FILE,
 * or the system's when there is no directory), indexed by subject the first
 * time a chain asks for an issuer. The user's --ca-file, a handful of
 * certificates, is read at once, so that a file that cannot be read is an
 * error before any connection. */
static pthread_mutex_t trust_lock = PTHREAD_MUTEX_INITIALIZER;
static X509_STORE *trust_store;
static char *trust_ca_file;

/* ---- a bundle file read as its certificates are needed ---------------- */

/* Parsing a certificate is what costs (OpenSSL 3 decodes its public key
 * through the provider machinery): the bundle is first indexed by the hash
 * of each certificate's subject and where it starts in the file, and a
 * certificate is read again and parsed when a chain asks for its subject. */
typedef struct bundle_entry {
    unsigned long subject_hash;
    long offset;
    bool added;               /* parsed into the store */
} bundle_entry;

typedef struct lazy_bundle {
    char *path;
    bool indexed;
    bundle_entry *entries;
    size_t count;
    pthread_mutex_t lock;
} lazy_bundle;

static void lazy_bundle_free(X509_LOOKUP *lookup)
{
    lazy_bundle *b = X509_LOOKUP_get_method_data(lookup);
    if (!b)
        return;
    free(b->entries);
    pthread_mutex_destroy(&b->lock);
    free(b->path);
    free(b);
}

static bool is_certificate(const char *pem_name)
{
    return strcmp(pem_name, PEM_STRING_X509) == 0 || strcmp(pem_name, PEM_STRING_X509_OLD) == 0 ||
           strcmp(pem_name, PEM_STRING_X509_TRUSTED) == 0;
}

static unsigned long name_hash(const X509_NAME *name)
{
    int ok = 0;
    unsigned long h = X509_NAME_hash_ex(name, NULL, NULL, &ok);
    return ok ? h : 0;
}

/* Reads the header of the next DER element in [*p, *p + *left): its
 * content's length in *len, *p moved to the content. */
static bool der_header(const unsigned char **p, long *left, long *len, int *tag, int *cls)
{
    const unsigned char *start = *p;
    if (*left <= 0 || (ASN1_get_object(p, len, tag, cls, *left) & 0x80))
        return false;
    *left -= *p - start;
    return *len >= 0 && *len <= *left;
}

static bool der_skip(const unsigned char **p, long *left)
{
    long len;
    int tag, cls;
    if (!der_header(p, left, &len, &tag, &cls))
        return false;
    *p += len;
    *left -= len;
    return true;
}

/* The subject of a DER certificate, without parsing the rest: Certificate
 * is SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serial,
 * signature, issuer, validity, subject, ... }, ... }. */
static X509_NAME *der_subject(const unsigned char *der, long der_len)
{
    const unsigned char *p = der;
    long left = der_len, len;
    int tag, cls;
    if (!der_header(&p, &left, &len, &tag, &cls) || !der_header(&p, &left, &len, &tag, &cls))
        return NULL;
    left = len;                              /* within tbsCertificate */
    const unsigned char *peek = p;
    long peek_left = left;
    if (der_header(&peek, &peek_left, &len, &tag, &cls) && cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0 &&
        !der_skip(&p, &left))
        return NULL;
    for (int i = 0; i < 4; i++)             /* serial, signature, issuer, validity */
        if (!der_skip(&p, &left))
            return NULL;
    return d2i_X509_NAME(NULL, &p, left);
}

/* One PEM block as read from the bundle; freed with pem_block_clear. */
typedef struct pem_block {
    char *name, *header;
    unsigned char *der;
    long len;
} pem_block;

static void pem_block_clear(pem_block *blk)
{
    OPENSSL_free(blk->name);
    OPENSSL_free(blk->header);
    OPENSSL_free(blk->der);
    *blk = (pem_block){0};
}

static bool read_pem_block(BIO *in, pem_block *blk)
{
    *blk = (pem_block){0};
    return PEM_read_bio(in, &blk->name, &blk->header, &blk->der, &blk->len) == 1;
}

static void index_bundle(lazy_bundle *b)
{
    BIO *in = BIO_new_file(b->path, "r");
    if (!in)
        return;
    pem_block blk;
    size_t cap = 0;
    for (long offset = BIO_tell(in); offset >= 0 && read_pem_block(in, &blk); offset = BIO_tell(in)) {
        X509_NAME *subject = is_certificate(blk.name) ? der_subject(blk.der, blk.len) : NULL;
        if (subject) {
            if (b->count == cap) {
                cap = cap ? cap * 2 : 64;
                b->entries = sd_xrealloc(b->entries, cap * sizeof *b->entries);
            }
            b->entries[b->count++] = (bundle_entry){.subject_hash = name_hash(subject), .offset = offset};
            X509_NAME_free(subject);
        }
        pem_block_clear(&blk);
    }
    BIO_free(in);
}

/* The certificate of the PEM block at `offset`, or NULL. */
static X509 *read_certificate_at(BIO *in, long offset)
{
    pem_block blk;
    X509 *x = NULL;
    if (BIO_seek(in, offset) < 0 || !read_pem_block(in, &blk))
        return NULL;
    if (is_certificate(blk.name)) {
        const unsigned char *p = blk.der;
        x = strcmp(blk.name, PEM_STRING_X509_TRUSTED) == 0 ? d2i_X509_AUX(NULL, &p, blk.len)
                                                             : d2i_X509(NULL, &p, blk.len);
    }
    pem_block_clear(&blk);
    return x;
}

/* Parses the bundle's certificates with this subject into the store. */
static void add_matching(lazy_bundle *b, X509_STORE *store, const X509_NAME *name)
{
    unsigned long hash = name_hash(name);
    BIO *in = NULL;
    for (size_t i = 0; i < b->count; i++) {
        bundle_entry *e = &b->entries[i];
        if (e->added || e->subject_hash != hash)
            continue;
        if (!in && !(in = BIO_new_file(b->path, "r")))
            return;
        X509 *x = read_certificate_at(in, e->offset);
        /* the hash only narrows it down; the name itself decides */
        if (x && X509_NAME_cmp(X509_get_subject_name(x), name) == 0) {
            e->added = true;
            X509_STORE_add_cert(store, x);
        }
        X509_free(x);
    }
    BIO_free(in);
}

/* The store's own copy of a certificate with this subject, lent to OpenSSL
 * as its own lookups lend theirs: the store keeps the reference. */
static int lend_from_store(X509_STORE *store, const X509_NAME *name, X509_OBJECT *ret)
{
    int found = 0;
    if (!X509_STORE_lock(store))
        return 0;
    X509_OBJECT *obj = X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(store), X509_LU_X509,
                                                       (X509_NAME *)name);
    X509 *x = obj ? X509_OBJECT_get0_X509(obj) : NULL;
    if (x && X509_OBJECT_set1_X509(ret, x)) {
        X509_free(x);
        found = 1;
    }
    X509_STORE_unlock(store);
    return found;
}

/* CRLs in a bundle are not read: nothing here turns CRL checking on. */
static int lazy_bundle_by_subject(X509_LOOKUP *lookup, X509_LOOKUP_TYPE type, const X509_NAME *name,
                                  X509_OBJECT *ret)
{
    lazy_bundle *b = X509_LOOKUP_get_method_data(lookup);
    X509_STORE *store = X509_LOOKUP_get_store(lookup);
    if (!b || !store || type != X509_LU_X509)
        return 0;
    pthread_mutex_lock(&b->lock);
    if (!b->indexed) {
        b->indexed = true;
        index_bundle(b);
        ERR_clear_error();       /* a missing or unreadable system bundle is not our error */
    }
    add_matching(b, store, name);
    pthread_mutex_unlock(&b->lock);
    return lend_from_store(store, name, ret);
}

static X509_LOOKUP_METHOD *lazy_bundle_method;

static void make_lazy_bundle_method(void)
{
    lazy_bundle_method = X509_LOOKUP_meth_new("smtpdoctor lazy bundle");
    if (!lazy_bundle_method)
        return;
    X509_LOOKUP_meth_set_free(lazy_bundle_method, lazy_bundle_free);
    X509_LOOKUP_meth_set_get_by_subject(lazy_bundle_method, lazy_bundle_by_subject);
}

/* Adds a lookup that reads `path` when first asked; reads it now if the
 * lookup cannot be made. */
static void add_lazy_bundle(X509_STORE *store, const char *path)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_lazy_bundle_method);
    X509_LOOKUP *lookup = lazy_bundle_method ? X509_STORE_add_lookup(store, lazy_bundle_method) : NULL;
    if (!lookup) {
        X509_STORE_load_file(store, path);
        return;
    }
    lazy_bundle *b = sd_xcalloc(1, sizeof *b);
    b->path = sd_xstrdup(path);
    pthread_mutex_init(&b->lock, NULL);
    X509_LOOKUP_set_method_data(lookup, b);
}

/* ---- the shared store ------------------------------------------------- */

static bool is_directory(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static X509_STORE *new_trust_store(const char *ca_file, sd_error *err)
{
    X509_STORE *store = X509_STORE_new();
    if (!store) {
        sd_fail(err, "cannot set up OpenSSL");
        return NULL;
    }
    const char *env_dir = getenv(X509_get_default_cert_dir_env());
    const char *env_file = getenv(X509_get_default_cert_file_env());
    const char *dir = env_dir ? env_dir : X509_get_default_cert_dir();
    bool have_dir = is_directory(dir);
    if (have_dir)
        X509_STORE_load_path(store, dir);
    if (env_file)
        add_lazy_bundle(store, env_file);
    else if (!have_dir)
        add_lazy_bundle(store, X509_get_default_cert_file());
    ERR_clear_error();        /* a missing system store is not our error */
    if (ca_file && X509_STORE_load_file(store, ca_file) != 1) {
        X509_STORE_free(store);
        sd_fail(err, "cannot read CA certificates from %s", ca_file);
        return NULL;
    }
    return store;
}

X509_STORE *sd_tls_trust_store(const char *ca_file, sd_error *err)
{
    pthread_mutex_lock(&trust_lock);
    bool same = trust_store && ((!ca_file && !trust_ca_file) ||
                                (ca_file && trust_ca_file && strcmp(ca_file, trust_ca_file) == 0));
    if (!same) {
        X509_STORE *store = new_trust_store(ca_file, err);
        if (!store) {
            pthread_mutex_unlock(&trust_lock);
            return NULL;
        }
        X509_STORE_free(trust_store);
        free(trust_ca_file);
        trust_store = store;
        trust_ca_file = ca_file ? sd_xstrdup(ca_file) : NULL;
    }
    X509_STORE_up_ref(trust_store);
    X509_STORE *result = trust_store;
    pthread_mutex_unlock(&trust_lock);
    return result;
}

void sd_tls_trust_store_release(void)
{
    pthread_mutex_lock(&trust_lock);
    X509_STORE_free(trust_store);
    free(trust_ca_file);
    trust_store = NULL;
    trust_ca_file = NULL;
    pthread_mutex_unlock(&trust_lock);
    /* the lookup method outlives every store: it is made once per process */
}
