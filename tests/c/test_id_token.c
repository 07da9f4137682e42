/* Hostile id_tokens through the C ABI, against examples/hostile_idp.rs (its URL in
 * GENAUTH_HOSTILE_IDP_URL, "http://127.0.0.1:PORT"). Run by tests/c/run-hardening.
 *
 * Every scenario of the server is one provider at appHost URL/<scenario>.<tag>; the tag holds
 * this process's id and a name of the test's own, so that tests and runs never share a
 * provider's hit counts or key rotation. For each scenario one test goes through genauth_client_new +
 * genauth_client_refresh (two calls on the same client: the second must give the same answer
 * from the cached discovery and keys) and one through the one-shot genauth_refresh (the same,
 * sharing the library's per-host cache). Each checks ok, or code id_token_invalid with the
 * expected reason, that an error document carries neither the id_token (nor any of its parts),
 * the access token, the refresh token nor the secret, and how often the provider's discovery,
 * keys and token endpoint were hit.
 *
 * rotate:begin runs first and rotate:after-10s last: an unknown kid refetches the keys only when
 * the last fetch is at least 10 s old, so the refetch after a key rotation can only be seen 10 s
 * after the first fetch. The tests in between use up part of that wait; the rest is slept.
 * The tests whose names start with client:, oneshot:, nonce: and bounded: never wait.
 */

#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

#define APP_ID "app-1"
#define APP_SECRET "secret-0123456789abcdef"
#define REFRESH_TOKEN "rt-of-the-c-suite-0123456789abcdef"
#define TIMEOUT_MS 3000

#define DISCOVERY "/oidc/.well-known/openid-configuration"
#define JWKS "/oidc/.well-known/jwks.json"
#define TOKEN "/oidc/token"

/* The library refetches keys for an unknown kid at most once per this many ms. */
#define REFETCH_FLOOR_MS 10000.0

/* ---- the hostile provider --------------------------------------------------------------- */

static const char *idp_url(void) {
    const char *url = getenv("GENAUTH_HOSTILE_IDP_URL");
    EXPECT(url && strncmp(url, "http://", 7) == 0,
           "GENAUTH_HOSTILE_IDP_URL must name examples/hostile_idp (tests/c/run-hardening)");
    return url && strncmp(url, "http://", 7) == 0 ? url : NULL;
}

/* Copies s with malloc; the caller owns it. */
static char *copy(const char *s) {
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c) memcpy(c, s, n);
    return c;
}

/* "URL/<scenario>.c<pid>-<tag>", malloc'd (not registered), or NULL. */
static char *provider_url(const char *scenario, const char *tag) {
    const char *url = idp_url();
    if (!url) return NULL;
    size_t n = strlen(url) + strlen(scenario) + strlen(tag) + 64;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%s.c%ld-%s", url, scenario, (long)getpid(), tag);
    return s;
}

/* The same, registered with the running test. */
static const char *provider(const char *scenario, const char *tag) {
    return ga_mem(provider_url(scenario, tag));
}

static const char *config_for(const char *host) {
    return CONFIG(.app_id = APP_ID, .secret = APP_SECRET, .host = host,
                  .timeout_ms = TIMEOUT_MS);
}

/* GET path from the server (plain HTTP/1.1, Connection: close); returns the body (registered)
 * or NULL after recording a failure. */
static char *idp_get(const char *path) {
    const char *url = idp_url();
    if (!url) return NULL;
    const char *hostport = url + 7;
    const char *colon = strrchr(hostport, ':');
    char host[64];
    if (!EXPECT(colon && (size_t)(colon - hostport) < sizeof host, "bad URL %s", url))
        return NULL;
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = '\0';
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(colon + 1));
    if (!EXPECT(inet_pton(AF_INET, host, &addr.sin_addr) == 1, "not an IPv4 address: %s", host))
        return NULL;
    int fd = ga_fd(socket(AF_INET, SOCK_STREAM, 0));
    if (!EXPECT(fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0,
                "cannot connect to %s: %s", url, strerror(errno)))
        return NULL;
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char request[1024];
    int n = snprintf(request, sizeof request,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, hostport);
    if (!EXPECT(n > 0 && (size_t)n < sizeof request, "path too long")) return NULL;
    if (!EXPECT(send(fd, request, (size_t)n, MSG_NOSIGNAL) == n, "send: %s", strerror(errno)))
        return NULL;
    size_t cap = 16384, len = 0;
    char *buf = ga_mem(malloc(cap));
    if (!buf) return NULL;
    for (;;) {
        ssize_t got = recv(fd, buf + len, cap - 1 - len, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        len += (size_t)got;
        if (!EXPECT(len < cap - 1, "reply to GET %s over %zu bytes", path, cap)) return NULL;
    }
    buf[len] = '\0';
    char *body = strstr(buf, "\r\n\r\n");
    if (!EXPECT(strncmp(buf, "HTTP/1.1 200", 12) == 0 && body, "GET %s: %.300s", path, buf))
        return NULL;
    return body + 4;
}

struct stats {
    int discovery, jwks, token;
    const char *last_id_token;     /* the id_token of the last token reply, or NULL */
    const char *last_access_token; /* the access_token of that reply, or NULL */
    int rotated;
};

static int hit_count(const cJSON *hits, const char *path) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(hits, path);
    return cJSON_IsNumber(n) ? n->valueint : 0;
}

/* GET <provider>/stats for a provider URL "http://127.0.0.1:PORT/<name>". */
static struct stats stats_of(const char *provider_url) {
    struct stats s = {0};
    const char *path = provider_url ? strchr(provider_url + 7, '/') : NULL;
    if (!EXPECT(path != NULL, "no provider path in %s", ga_show(provider_url))) return s;
    char target[512];
    snprintf(target, sizeof target, "%s/stats", path);
    char *body = idp_get(target);
    cJSON *doc = body ? ga_json(cJSON_Parse(body)) : NULL;
    if (!EXPECT(cJSON_IsObject(doc), "stats are not a JSON object: %s", ga_show(body))) return s;
    const cJSON *hits = cJSON_GetObjectItemCaseSensitive(doc, "hits");
    s.discovery = hit_count(hits, DISCOVERY);
    s.jwks = hit_count(hits, JWKS);
    s.token = hit_count(hits, TOKEN);
    s.last_id_token = ga_jstr(doc, "last_id_token");
    s.last_access_token = ga_jstr(doc, "last_access_token");
    s.rotated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "rotated"));
    return s;
}

/* ---- checking results ------------------------------------------------------------------- */

/* An error document names neither the id_token nor any of its three parts, the access token,
 * the refresh token or the secret. */
static void expect_no_token_in(const char *text, const struct stats *s) {
    const char *parts[3] = {NULL, NULL, NULL};
    if (s->last_id_token) {
        char *token = ga_mem(copy(s->last_id_token));
        char *rest = token;
        for (int i = 0; i < 3 && rest; i++) {
            parts[i] = rest;
            char *dot = strchr(rest, '.');
            if (dot) *dot = '\0';
            rest = dot ? dot + 1 : NULL;
        }
    }
    EXPECT(s->last_id_token != NULL, "the provider issued no id_token");
    EXPECT_ABSENT(text, s->last_id_token, parts[0], parts[1], parts[2], s->last_access_token,
                  REFRESH_TOKEN, APP_SECRET);
}

/* `reason` NULL: a success whose id_token_claims are the user's, for this client. Otherwise an
 * id_token_invalid error with that reason and no token in it. `s` is the provider's stats taken
 * after the call. */
static void expect_outcome(struct ga_result r, const char *reason, const struct stats *s,
                           const char *what) {
    if (!reason) {
        if (!EXPECT(r.valid && r.ok, "%s: expected a success, got %s", what, ga_show(r.text)))
            return;
        const cJSON *claims = cJSON_GetObjectItemCaseSensitive(r.tokens, "id_token_claims");
        EXPECT(cJSON_IsObject(claims) && ga_streq(ga_jstr(claims, "sub"), "user-1") &&
                   ga_streq(ga_jstr(claims, "email"), "alice@example.com"),
               "%s: id_token_claims in %s", what, r.text);
        EXPECT_STR(ga_token(r, "id_token"), s->last_id_token);
        EXPECT_STR(ga_token(r, "access_token"), s->last_access_token);
        return;
    }
    if (!EXPECT(r.valid && !r.ok && ga_streq(r.code, "id_token_invalid"),
                "%s: expected id_token_invalid (%s), got %s", what, reason, ga_show(r.text)))
        return;
    const char *got = ga_jstr(r.error, "reason");
    EXPECT(ga_streq(got, reason), "%s: reason \"%s\", expected \"%s\": %s", what, ga_show(got),
           reason, r.text);
    expect_no_token_in(r.text, s);
}

/* Discovery and keys are fetched at most once for two calls within the refetch floor; the
 * token endpoint is hit once per call. jwks_expected < 0: not checked. */
static void expect_hits(const struct stats *s, int calls, int jwks_expected) {
    EXPECT(s->discovery == 1, "discovery fetched %d times for %d calls (expected once)",
           s->discovery, calls);
    EXPECT(s->token == calls, "token endpoint hit %d times for %d calls", s->token, calls);
    if (jwks_expected >= 0)
        EXPECT(s->jwks == jwks_expected, "keys fetched %d times for %d calls (expected %d)",
               s->jwks, calls, jwks_expected);
}

/* Keys fetched per scenario by two calls within the floor: none when the token is rejected
 * before a key is looked up (or is HS256), else exactly one. */
static int jwks_fetches(const char *scenario) {
    static const char *const no_fetch[] = {"alg-none", "hs256-public-key", "malformed",
                                           "discovery-down", "hs256-secret", NULL};
    for (int i = 0; no_fetch[i]; i++)
        if (strcmp(scenario, no_fetch[i]) == 0) return 0;
    return 1;
}

/* A second call within the 10 s refetch floor after the keys could not be fetched at all: the
 * keys are still unavailable (no new fetch), which is not a bad signature. */
#define KEYS_DOWN_WITHIN_FLOOR "keys_unavailable"

/* `reason2`: the reason of the second call when it differs from the first's (else NULL). */
static void client_case(const char *scenario, const char *reason, const char *reason2) {
    const char *host = provider(scenario, "client");
    CHECK(host, "no provider");
    char *error = NULL;
    genauth_client *client = ga_client(genauth_client_new(config_for(host), &error));
    CHECK(client, "genauth_client_new: %s", ga_show(ga_lib(error)));
    for (int call = 1; call <= 2; call++) {
        struct ga_result r = RESULT(genauth_client_refresh(client, REFRESH_TOKEN));
        struct stats s = stats_of(host);
        char what[128];
        snprintf(what, sizeof what, "%s, client call %d", scenario, call);
        expect_outcome(r, call == 2 && reason2 ? reason2 : reason, &s, what);
        if (call == 2) expect_hits(&s, 2, jwks_fetches(scenario));
    }
}

static void oneshot_case(const char *scenario, const char *reason, const char *reason2) {
    const char *host = provider(scenario, "oneshot");
    CHECK(host, "no provider");
    const char *config = config_for(host);
    for (int call = 1; call <= 2; call++) {
        struct ga_result r = RESULT(genauth_refresh(config, REFRESH_TOKEN));
        struct stats s = stats_of(host);
        char what[128];
        snprintf(what, sizeof what, "%s, one-shot call %d", scenario, call);
        expect_outcome(r, call == 2 && reason2 ? reason2 : reason, &s, what);
        if (call == 2) expect_hits(&s, 2, jwks_fetches(scenario));
    }
}

/* One client test and one one-shot test per scenario. */
#define SCENARIO2(fn, scenario, reason, reason2)                                                   \
    static void test_client_##fn(void) { client_case(scenario, reason, reason2); }                \
    static void test_oneshot_##fn(void) { oneshot_case(scenario, reason, reason2); }
#define SCENARIO(fn, scenario, reason) SCENARIO2(fn, scenario, reason, NULL)
#define BOTH(fn, scenario)                                                                        \
    {"client:" scenario, test_client_##fn}, {"oneshot:" scenario, test_oneshot_##fn}

SCENARIO(valid, "valid", NULL)
SCENARIO(tampered, "tampered", "signature")
SCENARIO(wrong_aud, "wrong-aud", "aud")
SCENARIO(wrong_iss, "wrong-iss", "iss")
SCENARIO(expired, "expired", "exp")
SCENARIO(alg_none, "alg-none", "alg")
SCENARIO(hs256_public_key, "hs256-public-key", "signature")
SCENARIO(unknown_kid, "unknown-kid", "signature")
SCENARIO(nonce, "nonce", NULL) /* a refresh expects no nonce */
SCENARIO(at_hash_bad, "at-hash-bad", "at_hash")
SCENARIO(discovery_down, "discovery-down", "keys_unavailable")
SCENARIO2(keys_down, "keys-down", "keys_unavailable", KEYS_DOWN_WITHIN_FLOOR)
SCENARIO(malformed, "malformed", "malformed")
SCENARIO(nbf_future, "nbf-future", "nbf")
SCENARIO(iat_future, "iat-future", "iat")
SCENARIO(wrong_azp, "wrong-azp", "azp")
SCENARIO(multi_aud_no_azp, "multi-aud-no-azp", "azp")
SCENARIO(hs256_secret, "hs256-secret", NULL)

/* ---- nonce ------------------------------------------------------------------------------ */

static void exchange_with_nonce(const char *scenario, const char *tag, const char *options,
                                const char *reason) {
    const char *host = provider(scenario, tag);
    CHECK(host, "no provider");
    char *error = NULL;
    genauth_client *client = ga_client(genauth_client_new(config_for(host), &error));
    CHECK(client, "genauth_client_new: %s", ga_show(ga_lib(error)));
    struct ga_result r =
        RESULT(genauth_client_exchange_code_with(client, "any-code", options));
    struct stats s = stats_of(host);
    char what[256];
    snprintf(what, sizeof what, "%s, exchange with %s", scenario, options);
    expect_outcome(r, reason, &s, what);
    EXPECT_ABSENT(r.text, "any-code");
    if (!reason) {
        const cJSON *claims = cJSON_GetObjectItemCaseSensitive(r.tokens, "id_token_claims");
        EXPECT_STR(ga_jstr(claims, "nonce"), "n-expected");
    }
}

static void test_nonce_expected(void) {
    exchange_with_nonce("nonce", "expected", "{\"nonce\":\"n-expected\"}", NULL);
}

static void test_nonce_wrong(void) {
    exchange_with_nonce("nonce", "wrong", "{\"nonce\":\"n-wrong\"}", "nonce");
}

/* A nonce was sent with the login but the id_token carries none. */
static void test_nonce_missing_in_token(void) {
    exchange_with_nonce("valid", "nonce-missing", "{\"nonce\":\"n-expected\"}", "nonce");
}

/* An exchange without a nonce does not check the token's. */
static void test_nonce_not_given(void) {
    exchange_with_nonce("nonce", "not-given", "{}", NULL);
}

/* ---- unknown kid: the keys are not refetched for every token ---------------------------- */

#define CONCURRENT_CALLS 20

struct call {
    pthread_t thread;
    const genauth_client *client; /* NULL: one-shot with config */
    const char *config;
    char *result;
};

static void *run_call(void *arg) {
    struct call *c = arg;
    c->result = c->client ? genauth_client_refresh(c->client, REFRESH_TOKEN)
                          : genauth_refresh(c->config, REFRESH_TOKEN);
    return NULL;
}

/* CONCURRENT_CALLS refreshes at once, through the client or one-shot; every one must be
 * rejected for its signature, and the keys fetched at most twice. */
static void unknown_kid_bounded(const genauth_client *client, const char *config,
                                const char *host) {
    struct call calls[CONCURRENT_CALLS];
    int started = 0;
    for (int i = 0; i < CONCURRENT_CALLS; i++) {
        calls[i] = (struct call){.client = client, .config = config};
        if (!EXPECT(pthread_create(&calls[i].thread, NULL, run_call, &calls[i]) == 0,
                    "pthread_create"))
            break;
        started++;
    }
    for (int i = 0; i < started; i++) pthread_join(calls[i].thread, NULL);
    struct stats s = stats_of(host);
    for (int i = 0; i < started; i++) {
        struct ga_result r = PARSE(ga_lib(calls[i].result));
        expect_outcome(r, "signature", &s, "unknown kid");
    }
    CHECK(started == CONCURRENT_CALLS, "only %d threads", started);
    EXPECT(s.token == CONCURRENT_CALLS, "token endpoint hit %d times", s.token);
    EXPECT(s.jwks >= 1 && s.jwks <= 2, "%d calls fetched the keys %d times (at most twice)",
           CONCURRENT_CALLS, s.jwks);
    EXPECT(s.discovery == 1, "discovery fetched %d times", s.discovery);
    printf("  %d calls with an unknown kid: keys fetched %d time(s)\n", CONCURRENT_CALLS, s.jwks);
}

static void test_unknown_kid_client_bounded(void) {
    const char *host = provider("unknown-kid", "bounded-client");
    CHECK(host, "no provider");
    char *error = NULL;
    genauth_client *client = ga_client(genauth_client_new(config_for(host), &error));
    CHECK(client, "genauth_client_new: %s", ga_show(ga_lib(error)));
    unknown_kid_bounded(client, NULL, host);
}

static void test_unknown_kid_oneshot_bounded(void) {
    const char *host = provider("unknown-kid", "bounded-oneshot");
    CHECK(host, "no provider");
    unknown_kid_bounded(NULL, config_for(host), host);
}

/* ---- key rotation ----------------------------------------------------------------------- */

/* Kept from rotate:begin to rotate:after-10s, outside the per-test cleanup. */
static struct {
    int begun;
    double first_fetch_done_ms; /* when the first call (and so the first key fetch) returned */
    char *client_host, *oneshot_host, *oneshot_config;
    genauth_client *client;
} rotation;

/* The first call: a token signed by key A, keys {A} fetched; the provider has now rotated
 * to B. The second call at once: B is unknown and the keys were fetched less than 10 s ago, so
 * it fails (signature) without another fetch. */
static void rotation_first_calls(const char *what, const char *host, const genauth_client *client,
                                 const char *config) {
    struct ga_result r = RESULT(client ? genauth_client_refresh(client, REFRESH_TOKEN)
                                       : genauth_refresh(config, REFRESH_TOKEN));
    struct stats s = stats_of(host);
    char label[128];
    snprintf(label, sizeof label, "rotate, %s, first call (key A)", what);
    expect_outcome(r, NULL, &s, label);
    EXPECT(s.jwks == 1 && s.rotated, "%s: keys fetched %d times, rotated %d", what, s.jwks,
           s.rotated);
    r = RESULT(client ? genauth_client_refresh(client, REFRESH_TOKEN)
                      : genauth_refresh(config, REFRESH_TOKEN));
    s = stats_of(host);
    snprintf(label, sizeof label, "rotate, %s, key B within the refetch floor", what);
    expect_outcome(r, "signature", &s, label);
    EXPECT(s.jwks == 1, "%s: keys fetched %d times within the refetch floor (expected 1)", what,
           s.jwks);
}

static void rotation_begin(void) {
    rotation.client_host = provider_url("rotate", "client");
    rotation.oneshot_host = provider_url("rotate", "oneshot");
    CHECK(rotation.client_host && rotation.oneshot_host, "no provider");
    rotation.oneshot_config = copy(config_for(rotation.oneshot_host));
    char *error = NULL;
    rotation.client = genauth_client_new(config_for(rotation.client_host), &error);
    CHECK(rotation.client, "genauth_client_new: %s", ga_show(ga_lib(error)));
    CHECK(rotation.oneshot_config, "out of memory");
    rotation.begun = 1;
    rotation_first_calls("client", rotation.client_host, rotation.client, NULL);
    rotation_first_calls("one-shot", rotation.oneshot_host, NULL, rotation.oneshot_config);
    rotation.first_fetch_done_ms = ga_now_ms();
}

static void test_rotate_begin(void) { rotation_begin(); }

/* After the floor: B is still unknown to the cache, the keys are refetched once ({A, B}) and
 * the token verifies; the next call needs no fetch. */
static void rotation_after_floor(const char *what, const char *host, const genauth_client *client,
                                 const char *config) {
    for (int call = 1; call <= 2; call++) {
        struct ga_result r = RESULT(client ? genauth_client_refresh(client, REFRESH_TOKEN)
                                           : genauth_refresh(config, REFRESH_TOKEN));
        struct stats s = stats_of(host);
        char label[128];
        snprintf(label, sizeof label, "rotate, %s, key B after the refetch floor (call %d)", what,
                 call);
        expect_outcome(r, NULL, &s, label);
        EXPECT(s.jwks == 2, "%s: keys fetched %d times (expected 2: one refetch)", what, s.jwks);
        EXPECT(s.discovery == 1, "%s: discovery fetched %d times", what, s.discovery);
    }
}

static void test_rotate_after_floor(void) {
    if (!rotation.begun) rotation_begin();
    if (rotation.begun && rotation.first_fetch_done_ms > 0) {
        double wait_ms = rotation.first_fetch_done_ms + REFETCH_FLOOR_MS + 300 - ga_now_ms();
        if (wait_ms > 0) {
            printf("  waiting %.1f s for the key refetch floor\n", wait_ms / 1000);
            fflush(stdout);
            struct timespec ts = {(time_t)(wait_ms / 1000),
                                  (long)((long long)wait_ms % 1000) * 1000000L};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
            }
        }
        rotation_after_floor("client", rotation.client_host, rotation.client, NULL);
        rotation_after_floor("one-shot", rotation.oneshot_host, NULL, rotation.oneshot_config);
    }
    genauth_client_free(rotation.client);
    free(rotation.client_host);
    free(rotation.oneshot_host);
    free(rotation.oneshot_config);
    memset(&rotation, 0, sizeof rotation);
}

/* ---- the table -------------------------------------------------------------------------- */

const struct ga_test ga_tests[] = {
    {"rotate:begin", test_rotate_begin},
    BOTH(valid, "valid"),
    BOTH(tampered, "tampered"),
    BOTH(wrong_aud, "wrong-aud"),
    BOTH(wrong_iss, "wrong-iss"),
    BOTH(expired, "expired"),
    BOTH(alg_none, "alg-none"),
    BOTH(hs256_public_key, "hs256-public-key"),
    BOTH(unknown_kid, "unknown-kid"),
    BOTH(nonce, "nonce"),
    BOTH(at_hash_bad, "at-hash-bad"),
    BOTH(discovery_down, "discovery-down"),
    BOTH(keys_down, "keys-down"),
    BOTH(malformed, "malformed"),
    BOTH(nbf_future, "nbf-future"),
    BOTH(iat_future, "iat-future"),
    BOTH(wrong_azp, "wrong-azp"),
    BOTH(multi_aud_no_azp, "multi-aud-no-azp"),
    BOTH(hs256_secret, "hs256-secret"),
    {"nonce:expected", test_nonce_expected},
    {"nonce:wrong", test_nonce_wrong},
    {"nonce:missing-in-token", test_nonce_missing_in_token},
    {"nonce:not-given", test_nonce_not_given},
    {"bounded:unknown-kid-client-20", test_unknown_kid_client_bounded},
    {"bounded:unknown-kid-oneshot-20", test_unknown_kid_oneshot_bounded},
    {"rotate:after-10s", test_rotate_after_floor},
    {NULL, NULL},
};
