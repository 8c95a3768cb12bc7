/* fuzz_http.c — libFuzzer target: `gorilla serve`'s request handling fed
 * arbitrary bytes. One server (echo backend) runs on an ephemeral loopback
 * port for the whole session; each input is sent raw over a fresh TCP
 * connection, the write side is shut, and the answer is read (bounded by a
 * short receive timeout). Memory errors anywhere in the server's threads
 * abort through the sanitizers; the server must stay up for every input.
 *
 * The client closes with SO_LINGER 0 (a reset, no TIME_WAIT): a first
 * 10-minute run made 400,000 connections in three minutes and ran out of
 * loopback ports (connect: EADDRNOTAVAIL), which the harness took for a
 * dead server; that input is kept in the seeds. A connection that cannot be
 * made is retried for up to 10 s; only a refused one means a dead server. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "gorilla.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gorilla_server *server;
static int port;

static void start(void)
{
    gorilla_server_opts o;
    gorilla_server_opts_init(&o);
    o.port = 0;
    o.timeout_s = 2;
    o.max_body = 64 * 1024;
    o.api_key = NULL;
    gorilla_backend b;
    gorilla_backend_echo(&b);
    gorilla_error err;
    if (gorilla_server_start(&o, &b, &server, &err) != GORILLA_OK) {
        fprintf(stderr, "fuzz_http: cannot start the server: %s\n", err.message);
        abort();
    }
    port = gorilla_server_port(server);
}

static int connect_once(void)
{
    int e = 0;
    for (int attempt = 0; attempt < 1000; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return -1;
        struct timeval tv = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        struct linger lg = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
        e = errno;
        close(fd);
        if (e == ECONNREFUSED) break; /* nobody listens: the server is gone */
        usleep(10000);                /* ports in TIME_WAIT, a full backlog: wait */
    }
    fprintf(stderr, "fuzz_http: cannot connect to 127.0.0.1:%d: %s\n", port, strerror(e));
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!server) start();
    int fd = connect_once();
    if (fd < 0) abort(); /* the server went away */
    size_t off = 0;
    while (off < size) {
        ssize_t w = send(fd, data + off, size - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    char buf[4096];
    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
    close(fd);
    /* The server still answers a well-formed request. */
    static unsigned n;
    if (++n % 256 == 0) {
        fd = connect_once();
        if (fd < 0) abort();
        const char ok[] = "GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        if (send(fd, ok, sizeof ok - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof ok - 1)) abort();
        ssize_t r = recv(fd, buf, sizeof buf - 1, 0);
        if (r < 12 || memcmp(buf, "HTTP/1.1 200", 12) != 0) abort();
        close(fd);
    }
    return 0;
}
