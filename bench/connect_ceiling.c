/* The kernel's own ceiling for TCP connect scanning on this machine: a minimal non-blocking
 * connect loop on epoll, with no rate limit, no retries and no output formatting. Each socket
 * is closed with SO_LINGER 0 (an RST, so no TIME_WAIT and no ephemeral-port exhaustion).
 *
 * usage: connect_ceiling FIRST_IPV4 NHOSTS PORTS_CSV INFLIGHT THREADS OPEN_OUT
 * Probes FIRST_IPV4 + 0..NHOSTS-1 on every port, host-major, split into THREADS equal slices
 * (one epoll loop per thread, INFLIGHT/THREADS each), and writes "ip:port" for every open pair
 * to OPEN_OUT. Prints "probes=N seconds=S probes_per_s=R open=K".
 * Loopback only: it refuses addresses outside 127.0.0.0/8. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct slot { uint32_t ip; uint16_t port; };

struct job {
    uint32_t base; long first, count; const uint16_t *ports; int nports, cap;
    FILE *out; pthread_mutex_t *lock; long open_count;
};

static void report(struct job *j, uint32_t ip, uint16_t port) {
    j->open_count++;
    pthread_mutex_lock(j->lock);
    fprintf(j->out, "%u.%u.%u.%u:%u\n", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, port);
    pthread_mutex_unlock(j->lock);
}

static void *run(void *arg) {
    struct job *j = arg;
    struct slot *slots = calloc(1u << 20, sizeof *slots);
    int ep = epoll_create1(0);
    long next = j->first, end = j->first + j->count, done = 0, inflight = 0;
    struct linger lg = {1, 0};
    struct epoll_event evs[512];
    while (done < j->count) {
        while (inflight < j->cap && next < end) {
            uint32_t ip = j->base + (uint32_t)(next / j->nports);
            uint16_t port = j->ports[next % j->nports];
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (fd < 0) break;
            next++;
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip)};
            int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
            if (rc == 0 || errno != EINPROGRESS) {
                if (rc == 0) report(j, ip, port);
                close(fd); done++; continue;
            }
            slots[fd].ip = ip; slots[fd].port = port;
            struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
            inflight++;
        }
        int n = epoll_wait(ep, evs, 512, 1000);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd, err = 0; socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err == 0) report(j, slots[fd].ip, slots[fd].port);
            close(fd); inflight--; done++;
        }
    }
    close(ep);
    free(slots);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 7) { fprintf(stderr, "usage: %s FIRST_IPV4 NHOSTS PORTS INFLIGHT THREADS OUT\n", argv[0]); return 2; }
    struct in_addr first;
    if (inet_pton(AF_INET, argv[1], &first) != 1) { fprintf(stderr, "bad address\n"); return 2; }
    uint32_t base = ntohl(first.s_addr);
    long nhosts = atol(argv[2]);
    if ((base >> 24) != 127 || nhosts < 1 || ((base + nhosts - 1) >> 24) != 127) {
        fprintf(stderr, "connect_ceiling: loopback (127.0.0.0/8) only\n"); return 2;
    }
    static uint16_t ports[64]; int nports = 0;
    for (char *tok = strtok(argv[3], ","); tok && nports < 64; tok = strtok(NULL, ","))
        ports[nports++] = (uint16_t)atoi(tok);
    int cap = atoi(argv[4]), threads = atoi(argv[5]);
    FILE *out = fopen(argv[6], "w");
    if (!out || cap < 1 || nports == 0 || threads < 1 || threads > 64) { fprintf(stderr, "bad arguments\n"); return 2; }
    struct rlimit rl; getrlimit(RLIMIT_NOFILE, &rl); rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl);
    if ((rlim_t)cap + 16 > rl.rlim_cur) cap = (int)rl.rlim_cur - 16;
    long total = nhosts * nports;
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    struct job jobs[64];
    pthread_t tids[64];
    double t0 = now_s();
    for (int t = 0; t < threads; t++) {
        long lo = total * t / threads, hi = total * (t + 1) / threads;
        jobs[t] = (struct job){base, lo, hi - lo, ports, nports, cap / threads, out, &lock, 0};
        pthread_create(&tids[t], NULL, run, &jobs[t]);
    }
    long open_count = 0;
    for (int t = 0; t < threads; t++) { pthread_join(tids[t], NULL); open_count += jobs[t].open_count; }
    double secs = now_s() - t0;
    fclose(out);
    printf("probes=%ld seconds=%.3f probes_per_s=%.0f open=%ld\n", total, secs, total / secs, open_count);
    return 0;
}
