/* SPDX-License-Identifier: MIT */
/* nfdelay: holds every packet of one NFQUEUE queue for a fixed time, then
 * lets it through. It stands in for `tc netem delay`, which this kernel
 * lacks. The lab sends loopback's outgoing packets to the queue:
 *
 *     iptables -A OUTPUT -o lo -j NFQUEUE --queue-num 7 --queue-bypass
 *     nfdelay 7 50          # every packet 50 ms late: a round trip is 100 ms
 *
 * Every packet waits the same time, so releasing them first in, first out
 * keeps their order. SIGTERM or SIGINT releases what is held and ends. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#define HELD_MAX 65536      /* a power of two: packets in flight at once */

typedef struct held_packet {
    uint32_t id;
    int64_t due_ns;
} held_packet;

static held_packet held[HELD_MAX];
static unsigned held_head, held_tail; /* release at head, add at tail */
static int64_t delay_ns;
static volatile sig_atomic_t stopping;

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static unsigned held_count(void)
{
    return held_tail - held_head;
}

static int on_packet(struct nfq_q_handle *queue, struct nfgenmsg *msg, struct nfq_data *packet, void *data)
{
    (void)msg;
    (void)data;
    struct nfqnl_msg_packet_hdr *header = nfq_get_msg_packet_hdr(packet);
    if (!header)
        return 0;
    uint32_t id = ntohl(header->packet_id);
    if (held_count() == HELD_MAX) /* full: better late order than a lost packet */
        return nfq_set_verdict(queue, id, NF_ACCEPT, 0, NULL);
    held[held_tail % HELD_MAX] = (held_packet){id, now_ns() + delay_ns};
    held_tail++;
    return 0;
}

/* Lets through every packet whose time has come (all of them when `all`). */
static void release_due(struct nfq_q_handle *queue, bool all)
{
    int64_t now = now_ns();
    while (held_count() > 0 && (all || held[held_head % HELD_MAX].due_ns <= now)) {
        nfq_set_verdict(queue, held[held_head % HELD_MAX].id, NF_ACCEPT, 0, NULL);
        held_head++;
    }
}

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: nfdelay QUEUE-NUMBER MILLISECONDS\n");
        return 2;
    }
    int queue_number = atoi(argv[1]);
    delay_ns = (int64_t)(atof(argv[2]) * 1e6);
    struct nfq_handle *handle = nfq_open();
    if (!handle) {
        perror("nfdelay: nfq_open");
        return 1;
    }
    struct nfq_q_handle *queue = nfq_create_queue(handle, (uint16_t)queue_number, on_packet, NULL);
    if (!queue || nfq_set_mode(queue, NFQNL_COPY_META, 0) < 0) {
        perror("nfdelay: cannot take the queue");
        return 1;
    }
    nfq_set_queue_maxlen(queue, HELD_MAX);
    nfnl_rcvbufsiz(nfq_nfnlh(handle), 16 * 1024 * 1024);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("ready\n");
    fflush(stdout);

    int fd = nfq_fd(handle);
    char buf[65536];
    while (!stopping) {
        struct timespec wait = {1, 0}, *timeout = &wait;
        if (held_count() > 0) {
            int64_t left = held[held_head % HELD_MAX].due_ns - now_ns();
            if (left < 0)
                left = 0;
            wait = (struct timespec){left / 1000000000, left % 1000000000};
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = ppoll(&p, 1, timeout, NULL);
        if (ready < 0 && errno != EINTR) {
            perror("nfdelay: ppoll");
            break;
        }
        if (ready > 0) {
            /* drain what the kernel has queued, without blocking */
            ssize_t got;
            while ((got = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
                nfq_handle_packet(handle, buf, (int)got);
        }
        release_due(queue, false);
    }
    release_due(queue, true);
    nfq_destroy_queue(queue);
    nfq_close(handle);
    return 0;
}
