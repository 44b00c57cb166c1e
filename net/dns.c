/* SPDX-License-Identifier: MIT */
#include "common/i18n.h"
#include "net/dns.h"

#include <arpa/inet.h>
#include <ares.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

/* No answer needs more than this many records; a hostile server that sends
 * 500 SRV records gets the first ones read and the rest ignored. */
enum { MAX_RECORDS = 64, MAX_ADDRESSES = 32 };

struct sd_resolver {
    ares_channel channel;         /* UDP only: a truncated answer comes to us */
    ares_channel tcp_channel;     /* made when an answer needs TCP; NULL until then */
    bool tcp_failed;              /* it could not be made */
    char *servers;                /* the --dns-server list, for the TCP channel; NULL: the system's */
    size_t pending;
    int timeout_ms;
    bool system_config;   /* no --dns-server: resolve host names as the system does */
    bool ad_trusted;      /* the servers' DNSSEC AD bit may be believed (see below) */
};

typedef struct query {
    sd_resolver *r;
    char *name;
    int type;
    sd_dns_callback cb;
    void *arg;
    int64_t started;
    bool searched;                /* ares_search: the name asked was completed by c-ares */
    unsigned char *partial;       /* a truncated UDP answer, while TCP is asked */
    int partial_len;
} query;

/* Each status once: its short name, its finding in the diagnosis and a
 * phrase for people. A refused query and a malformed answer are a failing
 * DNS server to the user, as SERVFAIL is. */
static const struct {
    const char *name;
    sd_finding finding;
    const char *text;
} dns_statuses[] = {
    [SD_DNS_OK] = {"ok", SD_F_DNS_OK, N_("answered")},
    [SD_DNS_NXDOMAIN] = {"nxdomain", SD_F_DNS_NXDOMAIN, N_("the name does not exist (NXDOMAIN)")},
    [SD_DNS_NODATA] = {"no_address", SD_F_DNS_NO_ADDRESS, N_("the name exists but has no such record")},
    [SD_DNS_SERVFAIL] = {"servfail", SD_F_DNS_SERVFAIL, N_("the DNS server failed to answer (SERVFAIL)")},
    [SD_DNS_REFUSED] = {"servfail", SD_F_DNS_SERVFAIL, N_("the DNS server refused the query")},
    [SD_DNS_TIMEOUT] = {"timeout", SD_F_DNS_TIMEOUT, N_("no DNS server answered")},
    [SD_DNS_ERROR] = {"error", SD_F_DNS_SERVFAIL, N_("the DNS answer could not be read")},
};

static size_t dns_status_index(sd_dns_status s)
{
    return (size_t)s < sizeof dns_statuses / sizeof *dns_statuses ? (size_t)s : SD_DNS_ERROR;
}

const char *sd_dns_status_name(sd_dns_status s)
{
    return dns_statuses[dns_status_index(s)].name;
}

sd_finding sd_dns_status_finding(sd_dns_status s)
{
    return dns_statuses[dns_status_index(s)].finding;
}

const char *sd_dns_status_text(sd_dns_status s)
{
    return _(dns_statuses[dns_status_index(s)].text);
}

/* One entry of the list: ADDR, ADDR:PORT, [IPv6] or [IPv6]:PORT, appended
 * to out in the form c-ares takes (which refuses "[IPv6]" without a port,
 * and takes a port of 99999 without complaint, modulo 65536). */
static bool add_server(const char *entry, size_t n, sd_buf *out)
{
    sd_host_port hp;
    char text[INET6_ADDRSTRLEN];
    if (sd_host_port_split(entry, n, &hp) < 0 || hp.host_len == 0 || hp.host_len >= sizeof text)
        return false;
    memcpy(text, hp.host, hp.host_len);
    text[hp.host_len] = '\0';
    unsigned char binary[sizeof(struct in6_addr)];
    bool v6 = inet_pton(AF_INET6, text, binary) == 1;
    if (!v6 && inet_pton(AF_INET, text, binary) != 1)
        return false;
    if (out->len)
        sd_buf_puts(out, ",");
    if (!hp.port)
        sd_buf_puts(out, text);
    else
        sd_buf_printf(out, v6 ? "[%s]:%d" : "%s:%d", text, hp.port);
    return true;
}

/* The --dns-server list checked entry by entry and rewritten for c-ares. */
static char *server_list(const char *servers, sd_error *err)
{
    sd_buf out = {0};
    for (const char *p = servers;;) {
        size_t n = strcspn(p, ",");
        const char *entry = p;             /* "a, b" as people write lists */
        size_t len = n;
        while (len > 0 && *entry == ' ')
            entry++, len--;
        while (len > 0 && entry[len - 1] == ' ')
            len--;
        if (!add_server(entry, len, &out)) {
            sd_fail(err, _("'%.*s' is not a DNS server address (ADDR or ADDR:PORT, IPv6 as [ADDR]:PORT)"),
                    (int)(n > 64 ? 64 : n), p);
            sd_buf_free(&out);
            return NULL;
        }
        if (!p[n])
            break;
        p += n + 1;
    }
    return sd_buf_take(&out);
}

bool sd_dns_options_trust_ad(const char *text)
{
    /* resolv.conf: "options ndots:2 trust-ad"; RES_OPTIONS: "trust-ad ndots:2" */
    bool options_line = strncmp(text, "options", 7) != 0;   /* RES_OPTIONS has no keyword */
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *line = sd_xstrndup(p, n);
        char *save = NULL;
        char *word = strtok_r(line, " \t\r", &save);
        bool in_options = options_line;
        if (word && strcmp(word, "options") == 0) {
            in_options = true;
            word = strtok_r(NULL, " \t\r", &save);
        }
        bool found = false;
        for (; in_options && word && !found; word = strtok_r(NULL, " \t\r", &save))
            found = strcmp(word, "trust-ad") == 0;
        free(line);
        if (found)
            return true;
        p += n + (end ? 1 : 0);
    }
    return false;
}

static bool system_trusts_ad(void)
{
    const char *env = getenv("RES_OPTIONS");
    if (env && sd_dns_options_trust_ad(env))
        return true;
    FILE *f = fopen("/etc/resolv.conf", "re");
    if (!f)
        return false;
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strncmp(line, "options", 7) == 0 && sd_dns_options_trust_ad(line);
    fclose(f);
    return found;
}

static bool is_loopback_server(const struct ares_addr_port_node *n)
{
    if (n->family == AF_INET)
        return (ntohl(n->addr.addr4.s_addr) >> 24) == 127;
    if (n->family == AF_INET6)
        return memcmp(&n->addr.addr6, &in6addr_loopback, sizeof in6addr_loopback) == 0;
    return false;
}

/* The AD bit is the resolver's word that it validated the answer; it is
 * worth something only when the path to the resolver cannot be tampered
 * with: a resolver on this machine, or one the administrator declared
 * trustworthy with "options trust-ad" (glibc's rule). A café's resolver,
 * or anything on the way to it, can set the bit on a forged answer. */
static bool servers_trusted_for_ad(ares_channel channel, bool system_config)
{
    if (system_config && system_trusts_ad())
        return true;
    struct ares_addr_port_node *servers = NULL;
    if (ares_get_servers_ports(channel, &servers) != ARES_SUCCESS)
        return false;
    bool all_loopback = servers != NULL;
    for (struct ares_addr_port_node *n = servers; n; n = n->next)
        all_loopback = all_loopback && is_loopback_server(n);
    ares_free_data(servers);
    return all_loopback;
}

static void library_init(void)
{
    ares_library_init(ARES_LIB_INIT_ALL);
}

/* A channel: UDP with truncated answers handed over (the TCP retry is
 * ours, on a channel of its own), or TCP only. */
static int channel_new(ares_channel *channel, int timeout_ms, const char *server_csv, bool tcp)
{
    struct ares_options opts;
    memset(&opts, 0, sizeof opts);
    /* Two rounds, the second twice as long as the first (c-ares doubles it),
     * so that one query stays within the timeout. */
    opts.timeout = timeout_ms / 3 > 0 ? timeout_ms / 3 : 1;
    opts.tries = 2;
    /* Hand SERVFAIL and REFUSED answers to us instead of retrying them: c-ares
     * 1.18 would report them as "connection refused", and the diagnosis must
     * tell a failing resolver from one that cannot be reached. */
    opts.flags = ARES_FLAG_NOCHECKRESP;
    /* Our queries advertise EDNS with a 1232-byte buffer (the DNS flag day
     * size); c-ares must then read UDP answers that large too. A larger one
     * comes back truncated: c-ares 1.18 would retry it over TCP on the same
     * channel, and a refused TCP connection there ended every other query
     * waiting for that server, so the retry goes to a TCP channel instead. */
    opts.flags |= tcp ? ARES_FLAG_USEVC : ARES_FLAG_EDNS | ARES_FLAG_IGNTC;
    opts.ednspsz = 1232;
    int rc = ares_init_options(channel, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ);
    if (rc == ARES_SUCCESS && server_csv && (rc = ares_set_servers_ports_csv(*channel, server_csv)) != ARES_SUCCESS)
        ares_destroy(*channel);
    return rc;
}

sd_resolver *sd_resolver_new(const char *servers, int timeout_ms, sd_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, library_init);
    sd_resolver *r = sd_xcalloc(1, sizeof *r);
    r->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
    r->system_config = servers == NULL;
    if (servers && !(r->servers = server_list(servers, err))) {
        free(r);
        return NULL;
    }
    int rc = channel_new(&r->channel, r->timeout_ms, r->servers, false);
    if (rc != ARES_SUCCESS) {
        if (servers)
            sd_fail(err, _("'%s' is not a list of DNS server addresses (ADDR[:PORT],...)"), servers);
        else
            sd_fail(err, _("cannot set up the DNS resolver: %s"), ares_strerror(rc));
        free(r->servers);
        free(r);
        return NULL;
    }
    r->ad_trusted = servers_trusted_for_ad(r->channel, r->system_config);
    return r;
}

int sd_dns_servers_valid(const char *servers, sd_error *err)
{
    sd_resolver *r = sd_resolver_new(servers, 1000, err);
    if (!r)
        return -1;
    sd_resolver_free(r);
    return 0;
}

void sd_resolver_free(sd_resolver *r)
{
    if (!r)
        return;
    ares_destroy(r->channel);        /* calls back every pending query */
    if (r->tcp_channel)
        ares_destroy(r->tcp_channel);
    free(r->servers);
    free(r);
}

size_t sd_resolver_pending(const sd_resolver *r)
{
    return r->pending;
}

static void answer_free(sd_dns_answer *a)
{
    for (size_t i = 0; i < a->srv_count; i++)
        free(a->srv[i].target);
    free(a->srv);
    for (size_t i = 0; i < a->mx_count; i++)
        free(a->mx[i].host);
    free(a->mx);
    sd_strlist_free(&a->addresses);
    sd_strlist_free(&a->names);
    free(a->canonical);
}

static sd_dns_status status_from_ares(int status)
{
    switch (status) {
    case ARES_SUCCESS: return SD_DNS_OK;
    case ARES_ENOTFOUND: return SD_DNS_NXDOMAIN;
    case ARES_ENODATA: return SD_DNS_NODATA;
    case ARES_ESERVFAIL: return SD_DNS_SERVFAIL;
    case ARES_EREFUSED: return SD_DNS_REFUSED;
    case ARES_ETIMEOUT: case ARES_ECONNREFUSED: case ARES_ECANCELLED: return SD_DNS_TIMEOUT;
    default: return SD_DNS_ERROR;
    }
}

static void read_srv(const unsigned char *buf, int len, sd_dns_answer *a)
{
    struct ares_srv_reply *reply = NULL;
    if (ares_parse_srv_reply(buf, len, &reply) != ARES_SUCCESS) {
        a->status = SD_DNS_ERROR;
        return;
    }
    a->srv = sd_xcalloc(MAX_RECORDS, sizeof *a->srv);
    for (struct ares_srv_reply *p = reply; p && a->srv_count < MAX_RECORDS; p = p->next) {
        sd_dns_srv *s = &a->srv[a->srv_count++];
        s->priority = p->priority;
        s->weight = p->weight;
        s->port = p->port;
        s->target = sd_xstrdup(p->host);
    }
    ares_free_data(reply);
}

static int compare_mx(const void *x, const void *y)
{
    const sd_dns_mx *a = x, *b = y;
    if (a->preference != b->preference)
        return a->preference - b->preference;
    return strcmp(a->host, b->host);
}

static void read_mx(const unsigned char *buf, int len, sd_dns_answer *a)
{
    struct ares_mx_reply *reply = NULL;
    if (ares_parse_mx_reply(buf, len, &reply) != ARES_SUCCESS) {
        a->status = SD_DNS_ERROR;
        return;
    }
    a->mx = sd_xcalloc(MAX_RECORDS, sizeof *a->mx);
    for (struct ares_mx_reply *p = reply; p && a->mx_count < MAX_RECORDS; p = p->next) {
        a->mx[a->mx_count].preference = p->priority;
        a->mx[a->mx_count++].host = sd_xstrdup(p->host);
    }
    ares_free_data(reply);
    qsort(a->mx, a->mx_count, sizeof *a->mx, compare_mx);
}

/* The name the answer is for in the end: the question's name (with the
 * search domain a one-label name was completed with), followed along the
 * answer's CNAME chain to its last hop. It is evidence that the owner of
 * the name asked points it at that host. (c-ares's hostent names only the
 * first hop of a longer chain.) NULL when the answer cannot be read. */
#define MAX_CNAMES 16

static char *take_name(const unsigned char **p, const unsigned char *buf, int len)
{
    char *name = NULL;
    long used = 0;
    if (*p >= buf + len || ares_expand_name(*p, buf, len, &name, &used) != ARES_SUCCESS)
        return NULL;
    *p += used;
    return name;
}

static char *cname_chain_end(const unsigned char *buf, int len)
{
    if (len < 12 || (buf[4] << 8 | buf[5]) != 1)
        return NULL;
    int answers = buf[6] << 8 | buf[7];
    const unsigned char *p = buf + 12, *end = buf + len;
    char *current = take_name(&p, buf, len);
    if (!current || end - p < 4) {
        ares_free_string(current);
        return NULL;
    }
    p += 4;                                   /* the question's type and class */
    char *owners[MAX_CNAMES], *targets[MAX_CNAMES];
    int n = 0;
    for (int i = 0; i < answers && n < MAX_CNAMES; i++) {
        char *owner = take_name(&p, buf, len);
        if (!owner || end - p < 10) {
            ares_free_string(owner);
            break;
        }
        int type = p[0] << 8 | p[1], rdlength = p[8] << 8 | p[9];
        p += 10;
        if (end - p < rdlength) {
            ares_free_string(owner);
            break;
        }
        const unsigned char *rdata = p;
        char *target = type == 5 ? take_name(&rdata, buf, len) : NULL;
        if (target) {
            owners[n] = owner;
            targets[n++] = target;
        } else {
            ares_free_string(owner);
        }
        p += rdlength;
    }
    /* follow the chain: at most one hop per record, so a loop ends */
    char *result = sd_xstrdup(current);
    for (int hop = 0; hop < n; hop++) {
        int next = -1;
        for (int i = 0; i < n && next < 0; i++)
            if (sd_str_ieq(owners[i], result))
                next = i;
        if (next < 0)
            break;
        free(result);
        result = sd_xstrdup(targets[next]);
    }
    for (int i = 0; i < n; i++) {
        ares_free_string(owners[i]);
        ares_free_string(targets[i]);
    }
    ares_free_string(current);
    return result;
}

static void read_addresses(const unsigned char *buf, int len, int type, sd_dns_answer *a)
{
    char text[INET6_ADDRSTRLEN];
    struct hostent *he = NULL;
    if (type == SD_DNS_A) {
        struct ares_addrttl ttls[MAX_ADDRESSES];
        int n = MAX_ADDRESSES;
        if (ares_parse_a_reply(buf, len, &he, ttls, &n) != ARES_SUCCESS) {
            a->status = SD_DNS_ERROR;
            return;
        }
        for (int i = 0; i < n; i++)
            if (inet_ntop(AF_INET, &ttls[i].ipaddr, text, sizeof text))
                sd_strlist_add(&a->addresses, text);
    } else {
        struct ares_addr6ttl ttls[MAX_ADDRESSES];
        int n = MAX_ADDRESSES;
        if (ares_parse_aaaa_reply(buf, len, &he, ttls, &n) != ARES_SUCCESS) {
            a->status = SD_DNS_ERROR;
            return;
        }
        for (int i = 0; i < n; i++)
            if (inet_ntop(AF_INET6, &ttls[i].ip6addr, text, sizeof text))
                sd_strlist_add(&a->addresses, text);
    }
    ares_free_hostent(he);
    a->canonical = cname_chain_end(buf, len);
}

/* The names a PTR answer gives, at most MAX_RECORDS. */
static void read_ptr(const unsigned char *buf, int len, sd_dns_answer *a)
{
    struct hostent *he = NULL;
    unsigned char dummy[16] = {0};
    if (ares_parse_ptr_reply(buf, len, dummy, 4, AF_INET, &he) != ARES_SUCCESS || !he) {
        a->status = SD_DNS_ERROR;
        return;
    }
    if (he->h_name)
        sd_strlist_add(&a->names, he->h_name);
    for (int i = 0; he->h_aliases && he->h_aliases[i] && a->names.len < MAX_RECORDS; i++)
        if (!sd_strlist_contains_i(&a->names, he->h_aliases[i]))
            sd_strlist_add(&a->names, he->h_aliases[i]);
    ares_free_hostent(he);
}

/* How many records of the answer section there are, from the header. */
static int answer_count(const unsigned char *buf, int len)
{
    return len >= 12 ? (buf[6] << 8) | buf[7] : 0;
}

void sd_dns_answer_parse(int type, const unsigned char *buf, int len, sd_dns_answer *a)
{
    memset(a, 0, sizeof *a);
    if (!buf || len < 12) {
        a->status = SD_DNS_ERROR;
        return;
    }
    int rcode = buf[3] & 0x0f;
    a->authenticated = (buf[3] & 0x20) != 0;
    if (rcode == 3)
        a->status = SD_DNS_NXDOMAIN;
    else if (rcode == 2)
        a->status = SD_DNS_SERVFAIL;
    else if (rcode == 5)
        a->status = SD_DNS_REFUSED;
    else if (rcode != 0)
        a->status = SD_DNS_ERROR;
    else if (answer_count(buf, len) == 0)
        a->status = SD_DNS_NODATA;
    else if (type == SD_DNS_SRV)
        read_srv(buf, len, a);
    else if (type == SD_DNS_MX)
        read_mx(buf, len, a);
    else if (type == SD_DNS_PTR)
        read_ptr(buf, len, a);
    else
        read_addresses(buf, len, type, a);
    /* an answer of only CNAMEs leads nowhere */
    if (a->status == SD_DNS_OK && !a->srv_count && !a->mx_count && !a->addresses.len && !a->names.len)
        a->status = SD_DNS_NODATA;
}

void sd_dns_answer_clear(sd_dns_answer *a)
{
    answer_free(a);
    memset(a, 0, sizeof *a);
}

static void send_query(sd_resolver *r, ares_channel channel, query *q);

/* A truncated answer (TC): asked again over TCP, on a channel of its own so
 * that a refused TCP connection fails this query alone; what the truncated
 * answer held is kept for when TCP gives nothing. */
static bool retry_over_tcp(query *q, const unsigned char *buf, int len)
{
    sd_resolver *r = q->r;
    if (q->partial || q->searched || r->tcp_failed)
        return false;
    if (!r->tcp_channel && channel_new(&r->tcp_channel, r->timeout_ms, r->servers, true) != ARES_SUCCESS) {
        r->tcp_channel = NULL;
        r->tcp_failed = true;
        return false;
    }
    q->partial = sd_xmalloc((size_t)len);
    memcpy(q->partial, buf, (size_t)len);
    q->partial_len = len;
    send_query(r, r->tcp_channel, q);
    return true;
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *buf, int len)
{
    (void)timeouts;
    query *q = arg;
    if (status == ARES_SUCCESS && buf && len >= 12 && (buf[2] & 0x02) && retry_over_tcp(q, buf, len))
        return;
    if (status != ARES_SUCCESS && q->partial && status != ARES_EDESTRUCTION) {
        buf = q->partial;
        len = q->partial_len;
        status = ARES_SUCCESS;
    }
    sd_dns_answer a;
    if (status == ARES_SUCCESS) {
        sd_dns_answer_parse(q->type, buf, len, &a);
        a.authenticated = a.authenticated && q->r->ad_trusted;
    } else {
        memset(&a, 0, sizeof a);
        a.status = status_from_ares(status);
    }
    a.elapsed_ms = sd_now_ms() - q->started;
    q->r->pending--;
    q->cb(q->arg, q->name, q->type, &a);
    answer_free(&a);
    free(q->partial);
    free(q->name);
    free(q);
}

static query *query_new(sd_resolver *r, const char *name, int type, sd_dns_callback cb, void *arg)
{
    query *q = sd_xcalloc(1, sizeof *q);
    q->r = r;
    q->name = sd_xstrdup(name);
    q->type = type;
    q->cb = cb;
    q->arg = arg;
    q->started = sd_now_ms();
    r->pending++;
    return q;
}

void sd_resolver_query(sd_resolver *r, const char *name, int type, sd_dns_callback cb, void *arg)
{
    send_query(r, r->channel, query_new(r, name, type, cb, arg));
}

static void send_query(sd_resolver *r, ares_channel channel, query *q)
{
    (void)r;
    unsigned char *buf = NULL;
    int len = 0;
    /* EDNS with a 1232-byte buffer, and the AD bit set in the query, which
     * asks a validating resolver to say whether it validated (RFC 6840). */
    /* With ares_send the caller picks the query ID: a random one, so that an
     * off-path attacker cannot guess it. */
    unsigned short id = 0;
    if (RAND_bytes((unsigned char *)&id, sizeof id) != 1)
        id = (unsigned short)(sd_now_ms() ^ (intptr_t)q);
    int rc = ares_create_query(q->name, 1 /* IN */, q->type, id, 1, &buf, &len, 1232);
    if (rc != ARES_SUCCESS) {
        on_answer(q, rc, 0, NULL, 0);
        return;
    }
    buf[3] |= 0x20;
    ares_send(channel, buf, len, on_answer, q);
    ares_free_string(buf);
}

/* A name of one label ("mailhost") means what the system's search domains
 * make of it, as in the user's mail program, whichever servers are asked;
 * c-ares applies them (resolv.conf, LOCALDOMAIN) in ares_search. Such
 * answers do not say whether they were validated. */
static void query_with_search(sd_resolver *r, const char *name, int type, sd_dns_callback cb, void *arg)
{
    query *q = query_new(r, name, type, cb, arg);
    q->searched = true;
    ares_search(r->channel, name, 1 /* IN */, type, on_answer, q);
}

/* Joins the A and AAAA answers of one host name. */
typedef struct host_lookup {
    sd_dns_callback cb;
    void *arg;
    int remaining;
    sd_dns_answer v4, v6;
} host_lookup;

static sd_dns_status joined_status(sd_dns_status a, sd_dns_status b)
{
    if (a == SD_DNS_OK || b == SD_DNS_OK)
        return SD_DNS_OK;
    if (a == SD_DNS_NXDOMAIN || b == SD_DNS_NXDOMAIN)
        return SD_DNS_NXDOMAIN;
    if (a == SD_DNS_NODATA && b == SD_DNS_NODATA)
        return SD_DNS_NODATA;
    if (a == SD_DNS_TIMEOUT || b == SD_DNS_TIMEOUT)
        return SD_DNS_TIMEOUT;
    if (a == SD_DNS_SERVFAIL || b == SD_DNS_SERVFAIL)
        return SD_DNS_SERVFAIL;
    return a != SD_DNS_NODATA ? a : b;
}

static void on_host_part(void *arg, const char *name, int type, const sd_dns_answer *ans)
{
    host_lookup *h = arg;
    sd_dns_answer *slot = type == SD_DNS_A ? &h->v4 : &h->v6;
    slot->status = ans->status;
    slot->authenticated = ans->authenticated;
    slot->elapsed_ms = ans->elapsed_ms;
    slot->canonical = sd_xstrdup(ans->canonical);
    for (size_t i = 0; i < ans->addresses.len; i++)
        sd_strlist_add(&slot->addresses, ans->addresses.items[i]);
    if (--h->remaining > 0)
        return;
    sd_dns_answer joined;
    memset(&joined, 0, sizeof joined);
    joined.status = joined_status(h->v4.status, h->v6.status);
    joined.authenticated = h->v4.authenticated && h->v6.authenticated;
    joined.elapsed_ms = h->v4.elapsed_ms > h->v6.elapsed_ms ? h->v4.elapsed_ms : h->v6.elapsed_ms;
    joined.canonical = sd_xstrdup(h->v4.canonical ? h->v4.canonical : h->v6.canonical);
    for (size_t i = 0; i < h->v6.addresses.len; i++)
        sd_strlist_add(&joined.addresses, h->v6.addresses.items[i]);
    for (size_t i = 0; i < h->v4.addresses.len; i++)
        sd_strlist_add(&joined.addresses, h->v4.addresses.items[i]);
    h->cb(h->arg, name, SD_DNS_A, &joined);
    answer_free(&joined);
    answer_free(&h->v4);
    answer_free(&h->v6);
    free(h);
}

static bool is_localhost(const char *name)
{
    size_t n = strlen(name);
    return sd_str_ieq(name, "localhost") || (n > 10 && sd_str_ieq(name + n - 10, ".localhost"));
}

/* The addresses the hosts file gives for name, IPv6 first, as the system's
 * resolver would use them before asking DNS. */
static void read_hosts_file(sd_resolver *r, const char *name, sd_strlist *out)
{
    static const int families[] = {AF_INET6, AF_INET};
    for (size_t f = 0; f < 2; f++) {
        struct hostent *he = NULL;
        if (ares_gethostbyname_file(r->channel, name, families[f], &he) != ARES_SUCCESS || !he)
            continue;
        for (size_t i = 0; he->h_addr_list[i] && out->len < MAX_ADDRESSES; i++) {
            char text[INET6_ADDRSTRLEN];
            if (he->h_addrtype == families[f] && inet_ntop(he->h_addrtype, he->h_addr_list[i], text, sizeof text))
                sd_strlist_add(out, text);
        }
        ares_free_hostent(he);
    }
}

/* Answers without the network where the system would: a numeric address,
 * "localhost" (always the loopback, RFC 6761), and, with the system's
 * configuration, the hosts file. With --dns-server the user asked those
 * servers, so the hosts file is not read. */
static bool answer_locally(sd_resolver *r, const char *name, sd_dns_answer *a)
{
    struct in6_addr tmp;
    a->authenticated = true;       /* nothing came from the network */
    if (inet_pton(AF_INET, name, &tmp) == 1 || inet_pton(AF_INET6, name, &tmp) == 1) {
        sd_strlist_add(&a->addresses, name);
        return true;
    }
    if (is_localhost(name)) {
        sd_strlist_add(&a->addresses, "::1");
        sd_strlist_add(&a->addresses, "127.0.0.1");
        return true;
    }
    if (r->system_config)
        read_hosts_file(r, name, &a->addresses);
    return a->addresses.len > 0;
}

void sd_resolver_lookup_host(sd_resolver *r, const char *name, sd_dns_callback cb, void *arg)
{
    host_lookup *h = sd_xcalloc(1, sizeof *h);
    h->cb = cb;
    h->arg = arg;
    h->remaining = 2;
    sd_dns_answer local;
    memset(&local, 0, sizeof local);
    if (answer_locally(r, name, &local)) {
        cb(arg, name, SD_DNS_A, &local);
        answer_free(&local);
        free(h);
        return;
    }
    if (!strchr(name, '.')) {
        query_with_search(r, name, SD_DNS_AAAA, on_host_part, h);
        query_with_search(r, name, SD_DNS_A, on_host_part, h);
        return;
    }
    sd_resolver_query(r, name, SD_DNS_AAAA, on_host_part, h);
    sd_resolver_query(r, name, SD_DNS_A, on_host_part, h);
}

void sd_resolver_lookup_ptr(sd_resolver *r, const char *address, sd_dns_callback cb, void *arg)
{
    unsigned char a[16];
    char name[80];
    if (inet_pton(AF_INET, address, a) == 1) {
        snprintf(name, sizeof name, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
    } else if (inet_pton(AF_INET6, address, a) == 1) {
        char *p = name;
        for (int i = 15; i >= 0; i--)
            p += sprintf(p, "%x.%x.", a[i] & 0x0f, a[i] >> 4);
        strcpy(p, "ip6.arpa");
    } else {
        sd_dns_answer none;
        memset(&none, 0, sizeof none);
        none.status = SD_DNS_ERROR;
        cb(arg, address, SD_DNS_PTR, &none);
        return;
    }
    sd_resolver_query(r, name, SD_DNS_PTR, cb, arg);
}

static size_t channel_pollfds(ares_channel channel, struct pollfd *fds, size_t max);

size_t sd_resolver_pollfds(sd_resolver *r, struct pollfd *fds, size_t max)
{
    size_t n = channel_pollfds(r->channel, fds, max);
    if (r->tcp_channel)
        n += channel_pollfds(r->tcp_channel, fds + n, max - n);
    return n;
}

static size_t channel_pollfds(ares_channel channel, struct pollfd *fds, size_t max)
{
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    int bits = ares_getsock(channel, socks, ARES_GETSOCK_MAXNUM);
    size_t n = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM && n < max; i++) {
        /* c-ares's own ARES_GETSOCK_WRITABLE shifts a signed 1 by up to 31
         * places, which is undefined; test the bits as unsigned. */
        unsigned mask = (unsigned)bits;
        short events = 0;
        if (mask & (1u << i))
            events |= POLLIN;
        if (mask & (1u << (i + ARES_GETSOCK_MAXNUM)))
            events |= POLLOUT;
        if (!events)
            continue;
        fds[n].fd = socks[i];
        fds[n].events = events;
        fds[n].revents = 0;
        n++;
    }
    return n;
}

int sd_resolver_timeout_ms(sd_resolver *r, int max_ms)
{
    /* ares_timeout() may return either argument, so both outlive the calls */
    struct timeval maxtv = {max_ms / 1000, (max_ms % 1000) * 1000}, tv, first, tv2;
    struct timeval *t = ares_timeout(r->channel, &maxtv, &tv);
    if (r->tcp_channel) {
        first = *t;
        t = ares_timeout(r->tcp_channel, &first, &tv2);
    }
    return (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
}

void sd_resolver_process(sd_resolver *r, const struct pollfd *fds, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!fds[i].revents)
            continue;
        any = true;
        ares_socket_t rfd = fds[i].revents & (POLLIN | POLLERR | POLLHUP) ? fds[i].fd : ARES_SOCKET_BAD;
        ares_socket_t wfd = fds[i].revents & POLLOUT ? fds[i].fd : ARES_SOCKET_BAD;
        /* each channel acts only on its own sockets */
        ares_process_fd(r->channel, rfd, wfd);
        if (r->tcp_channel)
            ares_process_fd(r->tcp_channel, rfd, wfd);
    }
    if (!any) {    /* let c-ares handle its timeouts */
        ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        if (r->tcp_channel)
            ares_process_fd(r->tcp_channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    }
}

void sd_resolver_run(sd_resolver *r, int64_t deadline_ms)
{
    struct pollfd fds[ARES_GETSOCK_MAXNUM];
    while (r->pending > 0) {
        int64_t left = deadline_ms - sd_now_ms();
        if (left <= 0) {
            sd_resolver_cancel(r);
            break;
        }
        size_t n = sd_resolver_pollfds(r, fds, ARES_GETSOCK_MAXNUM);
        int wait = sd_resolver_timeout_ms(r, (int)(left > 1000 ? 1000 : left));
        int rc = poll(fds, (nfds_t)n, wait);
        sd_resolver_process(r, fds, rc > 0 ? n : 0);
    }
}

void sd_resolver_cancel(sd_resolver *r)
{
    ares_cancel(r->channel);
    if (r->tcp_channel)
        ares_cancel(r->tcp_channel);
}
