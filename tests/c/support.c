/* The test harness: runner, checks, cleanup, result parsing, dev-provider HTTP and local sockets.
 * See support.h. */

#define _POSIX_C_SOURCE 200809L

#include "support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* ---- runner and checks ------------------------------------------------------------------ */

static const char *current_test = "?";
static int current_failures;

int ga_expect(int ok, const char *file, int line, const char *expr, const char *fmt, ...) {
    if (ok) return 1;
    current_failures++;
    printf("  %s: %s:%d: %s: ", current_test, file, line, expr);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    return 0;
}

int ga_streq(const char *a, const char *b) {
    if (a == NULL || b == NULL) return a == b;
    return strcmp(a, b) == 0;
}

const char *ga_show(const char *s) { return s ? s : "(null)"; }

double ga_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- cleanup ---------------------------------------------------------------------------- */

enum cleanup_kind { CLEAN_LIB, CLEAN_JSON, CLEAN_MEM, CLEAN_CLIENT, CLEAN_FD, CLEAN_SERVER };

struct cleanup {
    enum cleanup_kind kind;
    void *ptr;
    int fd;
};

static struct cleanup *cleanups;
static size_t cleanup_count, cleanup_cap;

static void add_cleanup(enum cleanup_kind kind, void *ptr, int fd) {
    if (cleanup_count == cleanup_cap) {
        size_t cap = cleanup_cap ? cleanup_cap * 2 : 64;
        struct cleanup *grown = realloc(cleanups, cap * sizeof *grown);
        if (!grown) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        cleanups = grown;
        cleanup_cap = cap;
    }
    cleanups[cleanup_count++] = (struct cleanup){kind, ptr, fd};
}

char *ga_lib(char *s) {
    if (s) add_cleanup(CLEAN_LIB, s, -1);
    return s;
}
cJSON *ga_json(cJSON *tree) {
    if (tree) add_cleanup(CLEAN_JSON, tree, -1);
    return tree;
}
void *ga_mem(void *p) {
    if (p) add_cleanup(CLEAN_MEM, p, -1);
    return p;
}
genauth_client *ga_client(genauth_client *c) {
    if (c) add_cleanup(CLEAN_CLIENT, c, -1);
    return c;
}
int ga_fd(int fd) {
    if (fd >= 0) add_cleanup(CLEAN_FD, NULL, fd);
    return fd;
}

static void stop_server(void *server);

static void run_cleanups(void) {
    while (cleanup_count > 0) {
        struct cleanup c = cleanups[--cleanup_count];
        switch (c.kind) {
        case CLEAN_LIB: genauth_string_free(c.ptr); break;
        case CLEAN_JSON: cJSON_Delete(c.ptr); break;
        case CLEAN_MEM: free(c.ptr); break;
        case CLEAN_CLIENT: genauth_client_free(c.ptr); break;
        case CLEAN_FD: close(c.fd); break;
        case CLEAN_SERVER: stop_server(c.ptr); break;
        }
    }
}

static int selected(const char *name, int argc, char **argv) {
    if (argc < 2) return 1;
    for (int i = 1; i < argc; i++)
        if (strstr(name, argv[i])) return 1;
    return 0;
}

int main(int argc, char **argv) {
    int passed = 0, failed = 0;
    for (const struct ga_test *t = ga_tests; t->name; t++) {
        if (!selected(t->name, argc, argv)) continue;
        current_test = t->name;
        current_failures = 0;
        double start = ga_now_ms();
        t->fn();
        run_cleanups();
        double elapsed = ga_now_ms() - start;
        if (current_failures == 0) {
            passed++;
            printf("ok   %s (%.0f ms)\n", t->name, elapsed);
        } else {
            failed++;
            printf("FAIL %s (%d failed checks, %.0f ms)\n", t->name, current_failures, elapsed);
        }
        fflush(stdout);
    }
    free(cleanups);
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}

/* ---- result documents ------------------------------------------------------------------- */

struct ga_result ga_parse(const char *text, const char *file, int line) {
    struct ga_result r = {0};
    r.text = text;
    if (!ga_expect(text != NULL, file, line, "result != NULL", "a result document is never NULL"))
        return r;
    cJSON *root = ga_json(cJSON_Parse(text));
    if (!ga_expect(cJSON_IsObject(root), file, line, "valid JSON object",
                   "the result is not a JSON object: %s", text))
        return r;
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(root, "ok");
    if (!ga_expect(cJSON_IsBool(ok), file, line, "\"ok\" is a boolean", "in %s", text)) return r;
    r.ok = cJSON_IsTrue(ok);
    if (r.ok) {
        r.tokens = cJSON_GetObjectItemCaseSensitive(root, "tokens");
        r.valid = ga_expect(cJSON_IsObject(r.tokens), file, line, "\"tokens\" is an object",
                            "in %s", text) &&
                  ga_expect(!cJSON_HasObjectItem(root, "error"), file, line, "no \"error\"",
                            "in a success: %s", text);
        return r;
    }
    r.error = cJSON_GetObjectItemCaseSensitive(root, "error");
    if (!ga_expect(cJSON_IsObject(r.error), file, line, "\"error\" is an object", "in %s", text))
        return r;
    r.code = ga_jstr(r.error, "code");
    r.message = ga_jstr(r.error, "message");
    r.oauth_error = ga_jstr(r.error, "oauth_error");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(r.error, "http_status");
    if (status) {
        ga_expect(cJSON_IsNumber(status), file, line, "\"http_status\" is a number", "in %s",
                  text);
        r.http_status = cJSON_IsNumber(status) ? status->valueint : 0;
    }
    r.valid = ga_expect(r.code && *r.code, file, line, "error.code is a non-empty string", "in %s",
                        text) &&
              ga_expect(r.message && *r.message, file, line,
                        "error.message is a non-empty string", "in %s", text) &&
              ga_expect(!cJSON_HasObjectItem(root, "tokens"), file, line, "no \"tokens\"",
                        "in a failure: %s", text);
    return r;
}

int ga_expect_ok(struct ga_result r, const char *file, int line) {
    return ga_expect(r.valid && r.ok, file, line, "ok", "expected a success, got %s",
                     ga_show(r.text));
}

int ga_expect_error(struct ga_result r, const char *code, const char *file, int line) {
    return ga_expect(r.valid && !r.ok && ga_streq(r.code, code), file, line, code,
                     "expected error \"%s\", got %s", code, ga_show(r.text));
}

const char *ga_token(struct ga_result r, const char *name) { return ga_jstr(r.tokens, name); }

int ga_expect_absent(const char *text, const char *const *needles, size_t count, const char *file,
                     int line) {
    int ok = 1;
    for (size_t i = 0; i < count; i++) {
        if (!needles[i] || !*needles[i] || !text) continue;
        ok &= ga_expect(strstr(text, needles[i]) == NULL, file, line, "absent",
                        "the document contains \"%s\": %s", needles[i], text);
    }
    return ok;
}

const char *ga_jstr(const cJSON *obj, const char *name) {
    const cJSON *item = obj ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

int ga_jarray_has(const cJSON *array, const char *s) {
    const cJSON *item;
    cJSON_ArrayForEach(item, array) {
        if (cJSON_IsString(item) && strcmp(item->valuestring, s) == 0) return 1;
    }
    return 0;
}

/* ---- config documents ------------------------------------------------------------------- */

const char *ga_config(struct ga_cfg cfg) {
    cJSON *obj = ga_json(cJSON_CreateObject());
    if (cfg.app_id) cJSON_AddStringToObject(obj, "appId", cfg.app_id);
    if (cfg.secret) cJSON_AddStringToObject(obj, "appSecret", cfg.secret);
    if (cfg.method) cJSON_AddStringToObject(obj, "tokenEndPointAuthMethod", cfg.method);
    const char *host = cfg.host ? cfg.host : ga_dev_url();
    cJSON_AddStringToObject(obj, "appHost", host ? host : "http://127.0.0.1:1");
    if (!cfg.no_redirect)
        cJSON_AddStringToObject(obj, "redirectUri", cfg.redirect ? cfg.redirect : GA_REDIRECT_URI);
    if (cfg.timeout_ms) cJSON_AddNumberToObject(obj, "timeoutMs", cfg.timeout_ms);
    return ga_mem(cJSON_PrintUnformatted(obj));
}

/* ---- the development provider ----------------------------------------------------------- */

const char *ga_dev_url(void) {
    const char *url = getenv("GENAUTH_DEV_URL");
    EXPECT(url && strncmp(url, "http://", 7) == 0,
           "GENAUTH_DEV_URL must name the dev provider (run under scripts/with-devprovider)");
    return url;
}

/* Splits GENAUTH_DEV_URL into host and port. */
static int dev_host_port(char *host, size_t host_size, char *port, size_t port_size) {
    const char *url = ga_dev_url();
    if (!url || strncmp(url, "http://", 7) != 0) return 0;
    const char *h = url + 7;
    const char *colon = strrchr(h, ':');
    if (!colon || (size_t)(colon - h) >= host_size) return 0;
    memcpy(host, h, (size_t)(colon - h));
    host[colon - h] = '\0';
    size_t n = strcspn(colon + 1, "/");
    if (n == 0 || n >= port_size) return 0;
    memcpy(port, colon + 1, n);
    port[n] = '\0';
    return 1;
}

static int connect_to(const char *host, const char *port) {
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int send_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        data += n;
        len -= (size_t)n;
    }
    return 1;
}

/* Reads until EOF into a NUL-terminated malloc'd buffer. */
static char *read_all(int fd, size_t *len_out) {
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    for (;;) {
        if (cap - len < 4096) {
            char *grown = realloc(buf, cap *= 2);
            if (!grown) {
                free(buf);
                return NULL;
            }
            buf = grown;
        }
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

char *ga_dev_http(const char *method, const char *target, int *status) {
    char host[256], port[16];
    *status = 0;
    if (!dev_host_port(host, sizeof host, port, sizeof port)) return NULL;
    int fd = connect_to(host, port);
    if (!EXPECT(fd >= 0, "cannot connect to the dev provider at %s:%s", host, port)) return NULL;
    struct timeval tv = {.tv_sec = 60};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    size_t req_len = strlen(method) + strlen(target) + strlen(host) + strlen(port) + 128;
    char *req = malloc(req_len);
    if (!req) {
        close(fd);
        return NULL;
    }
    snprintf(req, req_len,
             "%s %s HTTP/1.1\r\nHost: %s:%s\r\nAccept: application/json\r\n"
             "Content-Length: 0\r\nConnection: close\r\n\r\n",
             method, target, host, port);
    int sent = send_all(fd, req, strlen(req));
    free(req);
    size_t len = 0;
    char *raw = sent ? read_all(fd, &len) : NULL;
    close(fd);
    if (!EXPECT(raw != NULL, "no reply from the dev provider to %s %s", method, target))
        return NULL;
    ga_mem(raw);

    int code = 0;
    char *head_end = strstr(raw, "\r\n\r\n");
    if (!EXPECT(sscanf(raw, "HTTP/1.%*d %d", &code) == 1 && head_end,
                "malformed reply to %s %s: %.200s", method, target, raw))
        return NULL;
    *status = code;
    char *body = head_end + 4;
    size_t body_len = len - (size_t)(body - raw);
    /* Content-Length, when given, bounds the body. */
    for (char *h = strstr(raw, "\r\n"); h && h < head_end; h = strstr(h + 2, "\r\n")) {
        if (strncasecmp(h + 2, "content-length:", 15) == 0) {
            size_t declared = (size_t)strtoul(h + 17, NULL, 10);
            EXPECT(declared <= body_len, "short body from the dev provider (%zu of %zu bytes)",
                   body_len, declared);
            if (declared < body_len) body_len = declared;
        }
    }
    body[body_len] = '\0';
    return body;
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static char *url_encode(const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    char *out = ga_mem(malloc(strlen(s) * 3 + 1));
    char *o = out;
    if (!out) return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

const char *ga_login(const char *client_id, const char *code_challenge, const char *extra_query,
                     const char *file, int line) {
    const char *id = url_encode(client_id);
    size_t n = strlen(id) + (code_challenge ? strlen(code_challenge) : 0) +
               (extra_query ? strlen(extra_query) : 0) + 128;
    char *target = ga_mem(malloc(n));
    if (!id || !target) return NULL;
    snprintf(target, n, "/dev/login?client_id=%s%s%s%s%s%s", id,
             code_challenge ? "&code_challenge=" : "", code_challenge ? code_challenge : "",
             code_challenge ? "&code_challenge_method=S256" : "", extra_query ? "&" : "",
             extra_query ? extra_query : "");
    int status = 0;
    char *body = ga_dev_http("GET", target, &status);
    if (!ga_expect(body && status == 200, file, line, "login",
                   "GET %s answered %d: %s", target, status, ga_show(body)))
        return NULL;
    cJSON *doc = ga_json(cJSON_Parse(body));
    const char *code = ga_jstr(doc, "code");
    if (!ga_expect(code && *code, file, line, "login code", "no code in %s", body)) return NULL;
    return code; /* lives as long as doc, i.e. until the end of the test */
}

void ga_dev_clear(const char *file, int line) {
    int status = 0;
    char *body = ga_dev_http("DELETE", "/dev/requests", &status);
    ga_expect(body && status == 200, file, line, "DELETE /dev/requests", "answered %d: %s",
              status, ga_show(body));
}

const cJSON *ga_dev_single_token_request(const char *file, int line) {
    int status = 0;
    char *body = ga_dev_http("GET", "/dev/requests", &status);
    if (!ga_expect(body && status == 200, file, line, "GET /dev/requests", "answered %d: %s",
                   status, ga_show(body)))
        return NULL;
    cJSON *records = ga_json(cJSON_Parse(body));
    if (!ga_expect(cJSON_IsArray(records), file, line, "records", "not an array: %s", body))
        return NULL;
    const cJSON *found = NULL, *item;
    int count = 0;
    cJSON_ArrayForEach(item, records) {
        if (ga_streq(ga_jstr(item, "path"), "/oidc/token")) {
            found = item;
            count++;
        }
    }
    if (!ga_expect(count == 1, file, line, "one token request",
                   "expected exactly one request to /oidc/token, found %d: %s", count, body))
        return NULL;
    return found;
}

/* ---- local sockets ---------------------------------------------------------------------- */

/* A loopback TCP socket bound to an OS-chosen port; *port receives it. */
static int bound_socket(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

int ga_closed_port(void) {
    int port = 0;
    int fd = bound_socket(&port);
    EXPECT(fd >= 0, "cannot bind a loopback socket: %s", strerror(errno));
    if (fd >= 0) close(fd);
    return port;
}

int ga_silent_port(void) {
    int port = 0;
    int fd = bound_socket(&port);
    if (!EXPECT(fd >= 0 && listen(fd, 16) == 0, "cannot listen on loopback: %s",
                strerror(errno)))
        return 0;
    ga_fd(fd); /* closed at the end of the test; never accepted from */
    return port;
}

struct canned_server {
    int fd;
    const char *response;
    atomic_int stop;
    pthread_t thread;
};

/* Waits up to 50 ms for fd to become readable; 1 ready, 0 not yet, -1 error. */
static int wait_readable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, 50);
    return n < 0 ? (errno == EINTR ? 0 : -1) : n;
}

/* Reads one request: the head, then Content-Length bytes of body. Returns whether it was a GET
 * (a discovery or key fetch rather than a token request). */
static int read_request(struct canned_server *s, int conn) {
    char buf[16384];
    size_t len = 0;
    double deadline = ga_now_ms() + 10000;
    buf[0] = '\0';
    while (!atomic_load(&s->stop) && ga_now_ms() < deadline && len < sizeof buf - 1) {
        int ready = wait_readable(conn);
        if (ready < 0) break;
        if (ready == 0) continue;
        ssize_t n = recv(conn, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0) break;
        len += (size_t)n;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (!end) continue;
        size_t body = 0;
        for (char *h = strstr(buf, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n"))
            if (strncasecmp(h + 2, "content-length:", 15) == 0)
                body = (size_t)strtoul(h + 17, NULL, 10);
        if (len >= (size_t)(end + 4 - buf) + body) break;
    }
    return strncmp(buf, "GET ", 4) == 0;
}

/* No discovery here: the library then posts to GenAuth's documented token path. */
static const char not_found[] = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                                "Content-Length: 21\r\nConnection: close\r\n\r\n"
                                "{\"error\":\"not_found\"}";

static void *canned_server_main(void *arg) {
    struct canned_server *s = arg;
    while (!atomic_load(&s->stop)) {
        int ready = wait_readable(s->fd);
        if (ready < 0) break;
        if (ready == 0) continue;
        int conn = accept(s->fd, NULL, NULL);
        if (conn < 0) continue;
        const char *reply = read_request(s, conn) ? not_found : s->response;
        send_all(conn, reply, strlen(reply));
        shutdown(conn, SHUT_WR);
        close(conn);
    }
    return NULL;
}

static void stop_server(void *p) {
    struct canned_server *s = p;
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    close(s->fd);
    free(s);
}

int ga_canned_server(const char *response) {
    struct canned_server *s = calloc(1, sizeof *s);
    if (!EXPECT(s != NULL, "out of memory")) return 0;
    int port = 0;
    s->fd = bound_socket(&port);
    s->response = response;
    atomic_init(&s->stop, 0);
    if (!EXPECT(s->fd >= 0 && listen(s->fd, 16) == 0, "cannot listen on loopback: %s",
                strerror(errno)) ||
        !EXPECT(pthread_create(&s->thread, NULL, canned_server_main, s) == 0,
                "cannot start the server thread")) {
        if (s->fd >= 0) close(s->fd);
        free(s);
        return 0;
    }
    add_cleanup(CLEAN_SERVER, s, -1);
    return port;
}
