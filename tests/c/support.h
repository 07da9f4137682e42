/* A tiny test harness for the C tests of libgenauth.
 *
 * Tests are plain `static void test_x(void)` functions listed in a table the test file defines:
 *
 *     const struct ga_test ga_tests[] = { { "x", test_x }, ..., { NULL, NULL } };
 *
 * main() lives in support.c: it runs every test (or only those whose name contains one of the
 * command-line arguments), prints one line per test, the failures with file:line, and ends with
 * exactly one line "N passed, N failed"; its exit status is non-zero when a test failed.
 *
 * EXPECT(cond, fmt, ...) records a failure and carries on; CHECK(cond, fmt, ...) records it and
 * returns from the test. Everything a test gets from the helpers below (library strings, cJSON
 * trees, buffers, clients, sockets) is registered with the running test and released when it
 * ends, so a test that stops early on a CHECK still leaks nothing.
 */

#ifndef GENAUTH_TEST_SUPPORT_H
#define GENAUTH_TEST_SUPPORT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "genauth.h"

/* ---- tests and checks ------------------------------------------------------------------- */

struct ga_test {
    const char *name;
    void (*fn)(void);
};

/* Defined by the test file, terminated by { NULL, NULL }. */
extern const struct ga_test ga_tests[];

/* Records a failure at file:line unless ok; returns ok. */
int ga_expect(int ok, const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#define EXPECT(cond, ...) ga_expect(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)
#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!EXPECT(cond, __VA_ARGS__)) return;                                                   \
    } while (0)

/* String equality where either side may be NULL (NULL equals only NULL). */
int ga_streq(const char *a, const char *b);
#define EXPECT_STR(actual, expected)                                                              \
    EXPECT(ga_streq((actual), (expected)), "got \"%s\", expected \"%s\"", ga_show(actual),         \
           ga_show(expected))
const char *ga_show(const char *s); /* "(null)" for NULL */

/* ---- cleanup at the end of the running test --------------------------------------------- */

char *ga_lib(char *library_string);          /* released with genauth_string_free */
cJSON *ga_json(cJSON *tree);                 /* released with cJSON_Delete */
void *ga_mem(void *malloced);                /* released with free */
genauth_client *ga_client(genauth_client *); /* released with genauth_client_free */
int ga_fd(int fd);                           /* closed */

/* Milliseconds on a monotonic clock. */
double ga_now_ms(void);

/* ---- result documents ------------------------------------------------------------------- */

struct ga_result {
    int valid;                   /* JSON with the shape of a result document */
    int ok;                      /* "ok": true */
    const char *text;            /* the document as returned */
    const char *code;            /* error.code */
    const char *message;         /* error.message */
    const char *oauth_error;     /* error.oauth_error, or NULL */
    int http_status;             /* error.http_status, or 0 */
    const cJSON *tokens;         /* "tokens" when ok */
    const cJSON *error;          /* "error" when not ok */
};

/* Parses a result document (NULL is recorded as a failure: results are never NULL) and checks
 * its shape: {"ok":true,"tokens":{...}} or {"ok":false,"error":{"code":"...","message":"..."}}.
 * The text must be a library string already registered with ga_lib (or static). */
struct ga_result ga_parse(const char *text, const char *file, int line);
#define PARSE(text) ga_parse((text), __FILE__, __LINE__)

/* Calls `call` (an expression returning a library string), registers the string and parses it. */
#define RESULT(call) PARSE(ga_lib(call))

int ga_expect_ok(struct ga_result r, const char *file, int line);
int ga_expect_error(struct ga_result r, const char *code, const char *file, int line);
#define EXPECT_OK(r) ga_expect_ok((r), __FILE__, __LINE__)
#define CHECK_OK(r)                                                                               \
    do {                                                                                          \
        if (!EXPECT_OK(r)) return;                                                                \
    } while (0)
#define EXPECT_ERROR(r, code) ga_expect_error((r), (code), __FILE__, __LINE__)

/* A string member of "tokens", or NULL. */
const char *ga_token(struct ga_result r, const char *name);

/* Expects that none of the (non-NULL) needles occurs in text: error documents must never carry
 * secrets, codes, verifiers or tokens. */
int ga_expect_absent(const char *text, const char *const *needles, size_t count, const char *file,
                     int line);
#define EXPECT_ABSENT(text, ...)                                                                  \
    ga_expect_absent((text), (const char *const[]){__VA_ARGS__},                                  \
                     sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *), __FILE__, \
                     __LINE__)

/* ---- config documents ------------------------------------------------------------------- */

#define GA_REDIRECT_URI "http://127.0.0.1:8976/callback"

struct ga_cfg {
    const char *app_id;
    const char *secret;       /* NULL: no appSecret */
    const char *method;       /* NULL: no tokenEndPointAuthMethod */
    const char *host;         /* NULL: the dev provider's URL */
    const char *redirect;     /* NULL: GA_REDIRECT_URI */
    int no_redirect;          /* leave redirectUri out */
    int timeout_ms;           /* 0: no timeoutMs */
};

/* A config document (registered string), built with cJSON so every value is escaped. */
const char *ga_config(struct ga_cfg cfg);
#define CONFIG(...) ga_config((struct ga_cfg){__VA_ARGS__})

/* ---- the development provider ----------------------------------------------------------- */

/* GENAUTH_DEV_URL, e.g. "http://127.0.0.1:41234" (records a failure and returns NULL if unset). */
const char *ga_dev_url(void);

/* One HTTP/1.1 request to the dev provider; returns the body (registered) or NULL. */
char *ga_dev_http(const char *method, const char *target, int *status);

/* A fresh authorization code from GET /dev/login for client_id, with an S256 challenge when
 * code_challenge is not NULL. `extra_query` (may be NULL) is appended as is ("a=b&c=d").
 * Returns the code (registered) or NULL after recording a failure. */
const char *ga_login(const char *client_id, const char *code_challenge, const char *extra_query,
                     const char *file, int line);
#define LOGIN(client_id) ga_login((client_id), NULL, NULL, __FILE__, __LINE__)
#define LOGIN_PKCE(client_id) ga_login((client_id), GA_PKCE_CHALLENGE, NULL, __FILE__, __LINE__)
#define LOGIN_WITH(client_id, extra_query)                                                        \
    ga_login((client_id), NULL, (extra_query), __FILE__, __LINE__)

/* DELETE /dev/requests. */
void ga_dev_clear(const char *file, int line);
#define DEV_CLEAR() ga_dev_clear(__FILE__, __LINE__)

/* The records of GET /dev/requests for path /oidc/token; expects exactly one and returns it. */
const cJSON *ga_dev_single_token_request(const char *file, int line);
#define DEV_SINGLE_TOKEN_REQUEST() ga_dev_single_token_request(__FILE__, __LINE__)

/* String member of a JSON object, or NULL. */
const char *ga_jstr(const cJSON *obj, const char *name);
/* Whether a JSON array of strings contains s. */
int ga_jarray_has(const cJSON *array, const char *s);

/* A fixed PKCE pair for the tests. The challenge is BASE64URL(SHA-256(verifier)) without
 * padding (RFC 7636 S256), computed once with
 *   printf %s VERIFIER | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d =
 * and checked against Python's hashlib. */
#define GA_PKCE_VERIFIER "genauth-c-tests-fixed-pkce-verifier-0123456789-abcdefghijklmnop"
#define GA_PKCE_CHALLENGE "wmjk4d6IXNHi4SQ-64aIPxYCyaySgsxhggVT3bg-OQA"

/* ---- local sockets ---------------------------------------------------------------------- */

/* A loopback port nothing listens on (bound to port 0, read, closed). */
int ga_closed_port(void);

/* A loopback socket that listens but never accepts nor answers; returns its port. */
int ga_silent_port(void);

/* A loopback server answering every POST with `response` (a complete raw HTTP response) and
 * every GET (discovery, keys) with 404, one request per connection, until the end of the test.
 * Returns its port, or 0 after recording a failure. */
int ga_canned_server(const char *response);

#endif
