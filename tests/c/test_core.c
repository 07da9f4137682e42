/* C tests of libgenauth's token calls, against the local development provider (GENAUTH_DEV_URL,
 * see devprovider/README.md) and small local sockets. Run with `scripts/with-devprovider
 * tests/c/run`. Every test is independent: it logs in for its own fresh code. */

#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support.h"

#define POST_ID "app-post"
#define POST_SECRET "app-post-secret"
#define BASIC_ID "app-basic"
#define BASIC_SECRET "app-basic-secret"
/* Both change under form-encoding (RFC 6749 §2.3.1): the Basic header must encode them. */
#define SPECIAL_ID "app:basic special"
#define SPECIAL_SECRET "s3cr3t:+/ &%="
#define PUBLIC_ID "app-public"

#define FORM "application/x-www-form-urlencoded"
#define BAD_UTF8 "\xff\xfe"

/* ---- helpers ---------------------------------------------------------------------------- */

static const char *post_config(void) {
    return CONFIG(.app_id = POST_ID, .secret = POST_SECRET);
}
static const char *basic_config(void) {
    return CONFIG(.app_id = BASIC_ID, .secret = BASIC_SECRET, .method = "client_secret_basic");
}
static const char *special_config(void) {
    return CONFIG(.app_id = SPECIAL_ID, .secret = SPECIAL_SECRET, .method = "client_secret_basic");
}
static const char *public_config(void) {
    return CONFIG(.app_id = PUBLIC_ID, .method = "none");
}

/* "http://HOST:PORT" (registered). */
static const char *url_of(const char *host, int port) {
    char *url = ga_mem(malloc(300));
    if (url) snprintf(url, 300, "http://%s:%d", host, port);
    return url;
}

/* A valid config for a loopback port where nothing listens: a call that reaches the network by
 * mistake fails fast with connect_failed instead of passing for an argument error. */
static const char *offline_config(void) {
    return CONFIG(.app_id = POST_ID, .secret = POST_SECRET,
                  .host = url_of("127.0.0.1", ga_closed_port()));
}

/* What every successful token reply of the dev provider carries. */
static void expect_full_tokens(struct ga_result r, int with_id_token) {
    if (!r.ok) return;
    EXPECT(ga_token(r, "access_token") && *ga_token(r, "access_token"), "in %s", r.text);
    EXPECT(ga_token(r, "refresh_token") && *ga_token(r, "refresh_token"), "in %s", r.text);
    if (with_id_token) {
        /* Verified by default: the claims come back as id_token_claims. */
        EXPECT(ga_token(r, "id_token") != NULL, "in %s", r.text);
        const cJSON *claims = cJSON_GetObjectItemCaseSensitive(r.tokens, "id_token_claims");
        EXPECT(cJSON_IsObject(claims) && ga_streq(ga_jstr(claims, "sub"), "user-1") &&
                   ga_streq(ga_jstr(claims, "email"), "alice@example.com"),
               "id_token_claims in %s", r.text);
    }
    EXPECT_STR(ga_token(r, "token_type"), "Bearer");
    const cJSON *expires_in = cJSON_GetObjectItemCaseSensitive(r.tokens, "expires_in");
    const cJSON *expires_at = cJSON_GetObjectItemCaseSensitive(r.tokens, "expires_at");
    if (EXPECT(cJSON_IsNumber(expires_in) && cJSON_IsNumber(expires_at),
               "expires_in and expires_at are numbers in %s", r.text)) {
        double expected = (double)time(NULL) + expires_in->valuedouble;
        EXPECT(expires_at->valuedouble > expected - 120 && expires_at->valuedouble < expected + 5,
               "expires_at %.0f is not receipt time + expires_in (about %.0f)",
               expires_at->valuedouble, expected);
    }
    const char *scope = ga_token(r, "scope");
    EXPECT(scope && strstr(scope, "offline_access"), "scope in %s", r.text);
}

/* Checks the one request to /oidc/token the provider recorded since the last DEV_CLEAR. */
static void expect_wire(const char *auth, const char *client_id, const char *grant_type) {
    const cJSON *rec = DEV_SINGLE_TOKEN_REQUEST();
    if (!rec) return;
    char *shown = ga_mem(cJSON_PrintUnformatted(rec));
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(rec, "body_keys");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(rec, "status");
    EXPECT(ga_streq(ga_jstr(rec, "auth"), auth), "expected auth %s: %s", auth, shown);
    EXPECT(ga_streq(ga_jstr(rec, "client_id"), client_id), "expected client_id %s: %s",
           client_id, shown);
    EXPECT(ga_streq(ga_jstr(rec, "grant_type"), grant_type), "expected grant_type %s: %s",
           grant_type, shown);
    EXPECT(ga_streq(ga_jstr(rec, "content_type"), FORM), "expected content_type " FORM ": %s",
           shown);
    EXPECT(ga_streq(ga_jstr(rec, "accept"), "application/json"), "accept: %s", shown);
    EXPECT(ga_streq(ga_jstr(rec, "app_id_header"), client_id),
           "x-genauth-app-id must equal appId: %s", shown);
    EXPECT(cJSON_IsNumber(status) && status->valueint == 200, "status: %s", shown);
    EXPECT(ga_jarray_has(keys, "grant_type"), "body_keys: %s", shown);
    if (strcmp(auth, "post") == 0)
        EXPECT(ga_jarray_has(keys, "client_secret") && ga_jarray_has(keys, "client_id"),
               "client_secret_post sends client_id and client_secret in the body: %s", shown);
    else
        EXPECT(!ga_jarray_has(keys, "client_secret"), "no client_secret in the body: %s", shown);
    if (strcmp(auth, "none") == 0)
        EXPECT(ga_jarray_has(keys, "client_id"), "a public client sends client_id: %s", shown);
    if (strcmp(grant_type, "authorization_code") == 0)
        EXPECT(ga_jarray_has(keys, "code") && ga_jarray_has(keys, "redirect_uri"),
               "code and redirect_uri in the body: %s", shown);
    else
        EXPECT(ga_jarray_has(keys, "refresh_token"), "refresh_token in the body: %s", shown);
}

/* Exchange then refresh with the one-shot calls, checking the wire each time. */
static void exchange_and_refresh(const char *client_id, const char *config, const char *auth) {
    const char *code = LOGIN(client_id);
    CHECK(code, "no code");
    DEV_CLEAR();
    struct ga_result r = RESULT(genauth_exchange_code(config, code, NULL));
    CHECK_OK(r);
    expect_full_tokens(r, 1);
    expect_wire(auth, client_id, "authorization_code");

    const char *refresh_token = ga_token(r, "refresh_token");
    CHECK(refresh_token, "no refresh_token");
    DEV_CLEAR();
    struct ga_result rr = RESULT(genauth_refresh(config, refresh_token));
    CHECK_OK(rr);
    expect_full_tokens(rr, 1);
    expect_wire(auth, client_id, "refresh_token");
}

/* A complete raw HTTP response with a Content-Length (registered). */
static const char *canned(const char *status_line, const char *extra_headers, const char *body) {
    size_t n = strlen(status_line) + strlen(extra_headers) + strlen(body) + 200;
    char *out = ga_mem(malloc(n));
    if (out)
        snprintf(out, n, "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                 status_line, extra_headers, strlen(body), body);
    return out;
}

/* A config whose appHost is a canned server answering `response`. */
static const char *canned_config(const char *response, const char *secret) {
    int port = ga_canned_server(response);
    return CONFIG(.app_id = POST_ID, .secret = secret, .host = url_of("127.0.0.1", port),
                  .timeout_ms = 20000);
}

/* ---- basics ----------------------------------------------------------------------------- */

static void test_version(void) {
    const char *v = genauth_version();
    CHECK(v != NULL, "genauth_version returned NULL");
    EXPECT(*v >= '0' && *v <= '9' && strchr(v, '.'), "not a version: \"%s\"", v);
    EXPECT(genauth_version() == v || strcmp(genauth_version(), v) == 0, "the version changed");
}

static void test_free_null(void) {
    genauth_string_free(NULL);
    genauth_client_free(NULL);
    EXPECT(1, "still alive");
}

/* ---- the grants against the dev provider ------------------------------------------------ */

static void test_post_exchange_and_refresh(void) {
    exchange_and_refresh(POST_ID, post_config(), "post");
}

static void test_basic_exchange_and_refresh(void) {
    exchange_and_refresh(BASIC_ID, basic_config(), "basic");
}

static void test_basic_special_characters(void) {
    exchange_and_refresh(SPECIAL_ID, special_config(), "basic");
}

static void test_default_auth_method_is_post(void) {
    /* No tokenEndPointAuthMethod: client_secret_post. Explicit client_secret_post: the same. */
    const char *code = LOGIN(POST_ID);
    CHECK(code, "no code");
    DEV_CLEAR();
    const char *config = CONFIG(.app_id = POST_ID, .secret = POST_SECRET,
                                .method = "client_secret_post");
    CHECK_OK(RESULT(genauth_exchange_code(config, code, NULL)));
    expect_wire("post", POST_ID, "authorization_code");
}

static void test_public_pkce_exchange_and_refresh(void) {
    const char *code = LOGIN_PKCE(PUBLIC_ID);
    CHECK(code, "no code");
    const char *config = public_config();
    DEV_CLEAR();
    struct ga_result r = RESULT(genauth_exchange_code(config, code, GA_PKCE_VERIFIER));
    CHECK_OK(r);
    expect_full_tokens(r, 1);
    expect_wire("none", PUBLIC_ID, "authorization_code");
    {
        const cJSON *rec = DEV_SINGLE_TOKEN_REQUEST();
        const cJSON *keys = rec ? cJSON_GetObjectItemCaseSensitive(rec, "body_keys") : NULL;
        EXPECT(ga_jarray_has(keys, "code_verifier"), "no code_verifier sent");
    }

    /* app-public rotates its refresh token at every use. */
    const char *first = ga_token(r, "refresh_token");
    CHECK(first, "no refresh_token");
    DEV_CLEAR();
    struct ga_result r2 = RESULT(genauth_refresh(config, first));
    CHECK_OK(r2);
    expect_wire("none", PUBLIC_ID, "refresh_token");
    const char *second = ga_token(r2, "refresh_token");
    CHECK(second && strcmp(second, first) != 0, "the refresh token did not rotate: %s", r2.text);
    struct ga_result r3 = RESULT(genauth_refresh(config, second));
    CHECK_OK(r3);

    /* Presenting a rotated-out token is refused (and revokes the grant). */
    struct ga_result stale = RESULT(genauth_refresh(config, first));
    EXPECT_ERROR(stale, "oauth_error");
    EXPECT_STR(stale.oauth_error, "invalid_grant");
    EXPECT_ABSENT(stale.text, first, second, ga_token(r3, "refresh_token"));
}

static void test_public_pkce_verifier_is_checked(void) {
    const char *code = LOGIN_PKCE(PUBLIC_ID);
    CHECK(code, "no code");
    const char *config = public_config();
    const char *wrong = "a-wrong-verifier-that-is-long-enough-0123456789-abcdefghijk";

    struct ga_result missing = RESULT(genauth_exchange_code(config, code, NULL));
    EXPECT_ERROR(missing, "oauth_error");
    EXPECT_STR(missing.oauth_error, "invalid_grant");
    EXPECT_ABSENT(missing.text, code);

    struct ga_result bad = RESULT(genauth_exchange_code(config, code, wrong));
    EXPECT_ERROR(bad, "oauth_error");
    EXPECT_STR(bad.oauth_error, "invalid_grant");
    EXPECT(bad.http_status == 400, "http_status %d", bad.http_status);
    EXPECT_ABSENT(bad.text, code, wrong);

    /* A failed exchange does not spend the code. */
    EXPECT_OK(RESULT(genauth_exchange_code(config, code, GA_PKCE_VERIFIER)));
}

/* ---- the provider's refusals ------------------------------------------------------------ */

static void test_reused_code_is_invalid_grant(void) {
    const char *code = LOGIN(POST_ID);
    CHECK(code, "no code");
    const char *config = post_config();
    struct ga_result first = RESULT(genauth_exchange_code(config, code, NULL));
    CHECK_OK(first);
    const char *refresh_token = ga_token(first, "refresh_token");

    struct ga_result again = RESULT(genauth_exchange_code(config, code, NULL));
    EXPECT_ERROR(again, "oauth_error");
    EXPECT_STR(again.oauth_error, "invalid_grant");
    EXPECT(again.http_status == 400, "http_status %d in %s", again.http_status, again.text);
    EXPECT_ABSENT(again.text, code, POST_SECRET, refresh_token);

    /* Reusing a code revokes its grant: the refresh token is dead too. */
    if (refresh_token) {
        struct ga_result rr = RESULT(genauth_refresh(config, refresh_token));
        EXPECT_ERROR(rr, "oauth_error");
        EXPECT_STR(rr.oauth_error, "invalid_grant");
        EXPECT_ABSENT(rr.text, refresh_token, POST_SECRET);
    }
}

static void wrong_secret(const char *client_id, const char *method, const char *auth) {
    const char *code = LOGIN(client_id);
    CHECK(code, "no code");
    const char *bad_secret = "wrong-secret-3f9c2a7e";
    DEV_CLEAR();
    struct ga_result r = RESULT(genauth_exchange_code(
        CONFIG(.app_id = client_id, .secret = bad_secret, .method = method), code, NULL));
    EXPECT_ERROR(r, "oauth_error");
    EXPECT_STR(r.oauth_error, "invalid_client");
    EXPECT(r.http_status == 401, "http_status %d in %s", r.http_status, r.text);
    EXPECT_ABSENT(r.text, bad_secret, code);
    const cJSON *rec = DEV_SINGLE_TOKEN_REQUEST();
    EXPECT(rec && ga_streq(ga_jstr(rec, "auth"), auth), "sent with %s auth", auth);
}

static void test_wrong_secret_post_is_invalid_client(void) {
    wrong_secret(POST_ID, NULL, "post");
}

static void test_wrong_secret_basic_is_invalid_client(void) {
    wrong_secret(BASIC_ID, "client_secret_basic", "basic");
}

static void test_wrong_redirect_uri_is_invalid_grant(void) {
    const char *code = LOGIN(POST_ID);
    CHECK(code, "no code");
    const char *config = CONFIG(.app_id = POST_ID, .secret = POST_SECRET,
                                .redirect = "http://127.0.0.1:8976/other-callback");
    struct ga_result r = RESULT(genauth_exchange_code(config, code, NULL));
    EXPECT_ERROR(r, "oauth_error");
    EXPECT_STR(r.oauth_error, "invalid_grant");
    EXPECT(r.http_status == 400, "http_status %d in %s", r.http_status, r.text);
    EXPECT_ABSENT(r.text, code, POST_SECRET);
}

static void test_unknown_refresh_token_is_invalid_grant(void) {
    const char *token = "not-a-refresh-token-5b1d8e0c94a7";
    struct ga_result r = RESULT(genauth_refresh(post_config(), token));
    EXPECT_ERROR(r, "oauth_error");
    EXPECT_STR(r.oauth_error, "invalid_grant");
    EXPECT(r.http_status == 400, "http_status %d in %s", r.http_status, r.text);
    EXPECT_ABSENT(r.text, token, POST_SECRET);
}

/* ---- the long-lived client -------------------------------------------------------------- */

static void test_client_exchange_and_refresh(void) {
    const char *code = LOGIN(POST_ID);
    CHECK(code, "no code");
    char marker = 0;
    char *error = &marker; /* must be overwritten with NULL */
    genauth_client *client = ga_client(genauth_client_new(post_config(), &error));
    CHECK(client != NULL, "genauth_client_new failed: %s", error == &marker ? "?" : ga_show(error));
    EXPECT(error == NULL, "error_json not set to NULL on success");

    DEV_CLEAR();
    struct ga_result r = RESULT(genauth_client_exchange_code(client, code, NULL));
    CHECK_OK(r);
    expect_full_tokens(r, 1);
    expect_wire("post", POST_ID, "authorization_code");

    DEV_CLEAR();
    struct ga_result rr = RESULT(genauth_client_refresh(client, ga_token(r, "refresh_token")));
    EXPECT_OK(rr);
    expect_full_tokens(rr, 1);
    expect_wire("post", POST_ID, "refresh_token");

    struct ga_result again = RESULT(genauth_client_exchange_code(client, code, NULL));
    EXPECT_ERROR(again, "oauth_error");
    EXPECT_STR(again.oauth_error, "invalid_grant");
    EXPECT(again.http_status == 400, "http_status %d", again.http_status);
    EXPECT_ABSENT(again.text, code, POST_SECRET);
}

static void test_client_basic_and_special(void) {
    const char *ids[] = {BASIC_ID, SPECIAL_ID};
    const char *configs[] = {basic_config(), special_config()};
    for (int i = 0; i < 2; i++) {
        const char *code = LOGIN(ids[i]);
        CHECK(code, "no code");
        genauth_client *client = ga_client(genauth_client_new(configs[i], NULL));
        CHECK(client != NULL, "genauth_client_new failed for %s", ids[i]);
        DEV_CLEAR();
        struct ga_result r = RESULT(genauth_client_exchange_code(client, code, NULL));
        CHECK_OK(r);
        expect_wire("basic", ids[i], "authorization_code");
        DEV_CLEAR();
        EXPECT_OK(RESULT(genauth_client_refresh(client, ga_token(r, "refresh_token"))));
        expect_wire("basic", ids[i], "refresh_token");
    }
}

static void test_client_wrong_secret_and_redirect(void) {
    const char *code = LOGIN(POST_ID);
    CHECK(code, "no code");
    const char *bad_secret = "another-wrong-secret-77d1";
    genauth_client *bad = ga_client(
        genauth_client_new(CONFIG(.app_id = POST_ID, .secret = bad_secret), NULL));
    genauth_client *elsewhere = ga_client(genauth_client_new(
        CONFIG(.app_id = POST_ID, .secret = POST_SECRET, .redirect = "http://127.0.0.1:8976/x"),
        NULL));
    CHECK(bad && elsewhere, "genauth_client_new failed");

    struct ga_result r = RESULT(genauth_client_exchange_code(bad, code, NULL));
    EXPECT_ERROR(r, "oauth_error");
    EXPECT_STR(r.oauth_error, "invalid_client");
    EXPECT(r.http_status == 401, "http_status %d", r.http_status);
    EXPECT_ABSENT(r.text, bad_secret, code);

    struct ga_result w = RESULT(genauth_client_exchange_code(elsewhere, code, NULL));
    EXPECT_ERROR(w, "oauth_error");
    EXPECT_STR(w.oauth_error, "invalid_grant");
    EXPECT_ABSENT(w.text, POST_SECRET, code);
}

static void test_client_pkce_with_options(void) {
    const char *code = LOGIN_PKCE(PUBLIC_ID);
    CHECK(code, "no code");
    genauth_client *client = ga_client(genauth_client_new(public_config(), NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    DEV_CLEAR();
    struct ga_result r = RESULT(genauth_client_exchange_code_with(
        client, code, "{\"codeVerifier\":\"" GA_PKCE_VERIFIER "\"}"));
    CHECK_OK(r);
    expect_full_tokens(r, 1);
    expect_wire("none", PUBLIC_ID, "authorization_code");
    DEV_CLEAR();
    struct ga_result rr = RESULT(genauth_client_refresh(client, ga_token(r, "refresh_token")));
    EXPECT_OK(rr);
    expect_wire("none", PUBLIC_ID, "refresh_token");
}

static void test_client_pkce_positional_verifier(void) {
    const char *code = LOGIN_PKCE(PUBLIC_ID);
    CHECK(code, "no code");
    genauth_client *client = ga_client(genauth_client_new(public_config(), NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    struct ga_result r = RESULT(genauth_client_exchange_code(client, code, GA_PKCE_VERIFIER));
    CHECK_OK(r);
    EXPECT_OK(RESULT(genauth_client_refresh(client, ga_token(r, "refresh_token"))));
}

static void test_client_exchange_with_null_and_empty_options(void) {
    genauth_client *client = ga_client(genauth_client_new(post_config(), NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    const char *code = LOGIN(POST_ID);
    CHECK(code, "no code");
    EXPECT_OK(RESULT(genauth_client_exchange_code_with(client, code, NULL)));
    const char *code2 = LOGIN(POST_ID);
    CHECK(code2, "no code");
    EXPECT_OK(RESULT(genauth_client_exchange_code_with(client, code2, "{}")));
}

static void test_client_exchange_with_nonce(void) {
    genauth_client *client = ga_client(genauth_client_new(post_config(), NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    const char *code = LOGIN_WITH(POST_ID, "nonce=c-test-nonce-5e2a");
    CHECK(code, "no code");
    struct ga_result r = RESULT(
        genauth_client_exchange_code_with(client, code, "{\"nonce\":\"c-test-nonce-5e2a\"}"));
    EXPECT_OK(r);
    const cJSON *claims = cJSON_GetObjectItemCaseSensitive(r.tokens, "id_token_claims");
    EXPECT(ga_streq(ga_jstr(claims, "nonce"), "c-test-nonce-5e2a"), "nonce claim in %s", r.text);

    /* The id_token carries another nonce than the caller expects. */
    const char *code2 = LOGIN_WITH(POST_ID, "nonce=c-test-nonce-5e2a");
    CHECK(code2, "no code");
    struct ga_result bad =
        RESULT(genauth_client_exchange_code_with(client, code2, "{\"nonce\":\"another-nonce\"}"));
    EXPECT_ERROR(bad, "id_token_invalid");
    EXPECT_STR(ga_jstr(bad.error, "reason"), "nonce");
    EXPECT_ABSENT(bad.text, code2, POST_SECRET);
}

static void test_client_exchange_with_bad_options(void) {
    genauth_client *client = ga_client(genauth_client_new(offline_config(), NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    const char *options[] = {
        "{\"codeVerifier\":\"" GA_PKCE_VERIFIER "\",\"unknownKey\":1}", /* unknown key */
        "{\"code_verifier\":\"" GA_PKCE_VERIFIER "\"}",                 /* wrong spelling */
        "{\"codeVerifier\":42}",                                         /* wrong type */
        "{\"nonce\":true}",                                              /* wrong type */
        "{\"codeVerifier\":",                                            /* not JSON */
        "[]",                                                            /* not an object */
    };
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
        struct ga_result r =
            RESULT(genauth_client_exchange_code_with(client, "some-code-1234", options[i]));
        EXPECT(r.valid && !r.ok && ga_streq(r.code, "invalid_argument"),
               "options %s: expected invalid_argument, got %s", options[i], ga_show(r.text));
        EXPECT_ABSENT(r.text, "some-code-1234", POST_SECRET, GA_PKCE_VERIFIER);
    }
}

static void test_client_new_and_free(void) {
    /* Free right away, and free after a call (explicitly, not through the cleanup list). */
    genauth_client *a = genauth_client_new(post_config(), NULL);
    EXPECT(a != NULL, "genauth_client_new failed");
    genauth_client_free(a);

    genauth_client *b = genauth_client_new(offline_config(), NULL);
    CHECK(b != NULL, "genauth_client_new failed");
    char *doc = genauth_client_refresh(b, "some-refresh-token");
    genauth_client_free(b);
    struct ga_result r = PARSE(ga_lib(doc));
    EXPECT_ERROR(r, "connect_failed");
}

static void test_client_new_bad_config(void) {
    struct {
        const char *config;
        const char *code;
    } cases[] = {
        {NULL, "null_argument"},
        {"{", "invalid_config"},
        {"{\"appId\":\"app-post\",\"appSecret\":\"app-post-secret\","
         "\"appHost\":\"http://127.0.0.1:1\",\"bogus\":true}",
         "invalid_config"},
        {"{\"appSecret\":\"app-post-secret\",\"appHost\":\"http://127.0.0.1:1\"}",
         "invalid_config"},
        {"{\"appId\":\"" BAD_UTF8 "\",\"appSecret\":\"s3cret-value\",\"appHost\":\"http://127.0.0.1:1\"}",
         "invalid_utf8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char marker = 0;
        char *error = &marker;
        genauth_client *client = ga_client(genauth_client_new(cases[i].config, &error));
        EXPECT(client == NULL, "case %zu: a client from a bad config", i);
        if (!EXPECT(error != &marker && error != NULL, "case %zu: no error document", i)) continue;
        struct ga_result r = PARSE(ga_lib(error));
        EXPECT(r.valid && !r.ok && ga_streq(r.code, cases[i].code),
               "case %zu: expected %s, got %s", i, cases[i].code, ga_show(r.text));
        /* Without error_json: still NULL, and nothing leaks (valgrind checks). */
        genauth_client *again = ga_client(genauth_client_new(cases[i].config, NULL));
        EXPECT(again == NULL, "case %zu: a client from a bad config", i);
    }
    /* The secret never shows in a config error. */
    char *error = NULL;
    genauth_client *c = ga_client(genauth_client_new(
        "{\"appId\":\"app-post\",\"appSecret\":\"hush-9d2f\",\"appHost\":\"http://127.0.0.1:1\","
        "\"timeoutMs\":\"hush-9d2f\"}",
        &error));
    EXPECT(c == NULL, "a client from a bad config");
    struct ga_result r = PARSE(ga_lib(error));
    EXPECT_ERROR(r, "invalid_config");
    EXPECT_ABSENT(r.text, "hush-9d2f");
}

/* Threads share one client and the one-shot calls' process-wide pool. */
struct refresher {
    pthread_t thread;
    const genauth_client *client;
    const char *config;
    const char *refresh_token;
    char *docs[4];
};

static void *refresh_in_thread(void *arg) {
    struct refresher *r = arg;
    for (int i = 0; i < 4; i++)
        r->docs[i] = i % 2 ? genauth_client_refresh(r->client, r->refresh_token)
                           : genauth_refresh(r->config, r->refresh_token);
    return NULL;
}

static void test_concurrent_calls(void) {
    const char *code = LOGIN(POST_ID);
    CHECK(code, "no code");
    const char *config = post_config();
    struct ga_result r = RESULT(genauth_exchange_code(config, code, NULL));
    CHECK_OK(r);
    genauth_client *client = ga_client(genauth_client_new(config, NULL));
    CHECK(client != NULL, "genauth_client_new failed");

    /* app-post keeps its refresh token on refresh, so every thread can use the same one. */
    struct refresher threads[6];
    int started = 0;
    for (int t = 0; t < 6; t++) {
        threads[t] = (struct refresher){.client = client, .config = config,
                                        .refresh_token = ga_token(r, "refresh_token")};
        if (EXPECT(pthread_create(&threads[t].thread, NULL, refresh_in_thread, &threads[t]) == 0,
                   "cannot start thread %d", t))
            started++;
        else
            break;
    }
    for (int t = 0; t < started; t++) {
        pthread_join(threads[t].thread, NULL);
        for (int i = 0; i < 4; i++) EXPECT_OK(PARSE(ga_lib(threads[t].docs[i])));
    }
}

/* ---- argument errors -------------------------------------------------------------------- */

static void test_null_arguments(void) {
    const char *config = offline_config();
    genauth_client *client = ga_client(genauth_client_new(config, NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    struct {
        const char *what;
        char *doc;
    } cases[] = {
        {"exchange_code(NULL config)", genauth_exchange_code(NULL, "code", NULL)},
        {"exchange_code(NULL code)", genauth_exchange_code(config, NULL, NULL)},
        {"exchange_code(NULL, NULL, NULL)", genauth_exchange_code(NULL, NULL, NULL)},
        {"refresh(NULL config)", genauth_refresh(NULL, "token")},
        {"refresh(NULL token)", genauth_refresh(config, NULL)},
        {"client_exchange_code(NULL client)", genauth_client_exchange_code(NULL, "code", NULL)},
        {"client_exchange_code(NULL code)", genauth_client_exchange_code(client, NULL, NULL)},
        {"client_exchange_code_with(NULL client)",
         genauth_client_exchange_code_with(NULL, "code", NULL)},
        {"client_exchange_code_with(NULL code)",
         genauth_client_exchange_code_with(client, NULL, "{}")},
        {"client_refresh(NULL client)", genauth_client_refresh(NULL, "token")},
        {"client_refresh(NULL token)", genauth_client_refresh(client, NULL)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct ga_result r = PARSE(ga_lib(cases[i].doc));
        EXPECT(r.valid && !r.ok && ga_streq(r.code, "null_argument"),
               "%s: expected null_argument, got %s", cases[i].what, ga_show(r.text));
    }
}

static void test_invalid_utf8(void) {
    const char *config = offline_config();
    genauth_client *client = ga_client(genauth_client_new(config, NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    /* A lone continuation byte, an overlong '/', a UTF-16 surrogate, a truncated sequence. */
    const char *bad[] = {BAD_UTF8, "abc\x80", "\xc0\xaf", "\xed\xa0\x80", "code\xe2\x82"};
    char bad_config[256];
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
        snprintf(bad_config, sizeof bad_config,
                 "{\"appId\":\"app-post%s\",\"appSecret\":\"app-post-secret\","
                 "\"appHost\":\"http://127.0.0.1:1\"}",
                 bad[b]);
        const char *v = bad[b];
        struct {
            const char *what;
            char *doc;
        } cases[] = {
            {"exchange_code config", genauth_exchange_code(bad_config, "code", NULL)},
            {"exchange_code code", genauth_exchange_code(config, v, NULL)},
            {"exchange_code code_verifier", genauth_exchange_code(config, "code", v)},
            {"refresh config", genauth_refresh(bad_config, "token")},
            {"refresh refresh_token", genauth_refresh(config, v)},
            {"client_exchange_code code", genauth_client_exchange_code(client, v, NULL)},
            {"client_exchange_code code_verifier",
             genauth_client_exchange_code(client, "code", v)},
            {"client_exchange_code_with code", genauth_client_exchange_code_with(client, v, NULL)},
            {"client_exchange_code_with options",
             genauth_client_exchange_code_with(client, "code", v)},
            {"client_refresh refresh_token", genauth_client_refresh(client, v)},
        };
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            struct ga_result r = PARSE(ga_lib(cases[i].doc));
            EXPECT(r.valid && !r.ok && ga_streq(r.code, "invalid_utf8"),
                   "%s (bad sequence %zu): expected invalid_utf8, got %s", cases[i].what, b,
                   ga_show(r.text));
        }
        char *error = NULL;
        genauth_client *c = ga_client(genauth_client_new(bad_config, &error));
        EXPECT(c == NULL, "a client from a non-UTF-8 config");
        struct ga_result r = PARSE(ga_lib(error));
        EXPECT(r.valid && !r.ok && ga_streq(r.code, "invalid_utf8"),
               "client_new config (bad sequence %zu): expected invalid_utf8, got %s", b,
               ga_show(r.text));
    }
}

static void test_invalid_config(void) {
    /* Each is wrong for a reason the contract lists; the host is a closed loopback port so that
     * an accepted config fails with connect_failed, not with the expected code by accident. */
    const char *host = url_of("127.0.0.1", ga_closed_port());
    char base[200];
    snprintf(base, sizeof base,
             "\"appId\":\"app-post\",\"appSecret\":\"app-post-secret\",\"appHost\":\"%s\","
             "\"redirectUri\":\"" GA_REDIRECT_URI "\"",
             host);
    const char *whole[] = {
        "", "{", "not json", "[]", "null", "\"appId\"", "{\"appId\":\"app-post\"}",
        "{\"appId\":\"app-post\",\"appSecret\":\"s3cret-value\",\"appHost\":\"http://127.0.0.1:1\"} trailing",
    };
    const char *additions[] = {
        ",\"appid\":\"x\"",                           /* unknown key (case matters) */
        ",\"extra\":1",                               /* unknown key */
        ",\"timeoutMs\":\"100\"",                     /* wrong type */
        ",\"timeoutMs\":0",                           /* out of range */
        ",\"timeoutMs\":300001",                      /* out of range */
        ",\"timeoutMs\":1.5",                         /* not an integer */
        ",\"tokenEndPointAuthMethod\":\"private_key_jwt\"",
        ",\"protocol\":\"saml\"",
        ",\"validateIdToken\":\"yes\"",
        ",\"clockSkewSeconds\":601",
        ",\"caCertPem\":\"not a certificate\"",
    };
    char config[1024];
    const char *configs[64];
    size_t n = 0;
    for (size_t i = 0; i < sizeof whole / sizeof *whole; i++) configs[n++] = whole[i];
    for (size_t i = 0; i < sizeof additions / sizeof *additions; i++) {
        snprintf(config, sizeof config, "{%s%s}", base, additions[i]);
        configs[n++] = strcpy(ga_mem(malloc(strlen(config) + 1)), config);
    }
    const char *replaced[] = {
        /* missing appId */
        "{\"appSecret\":\"app-post-secret\",\"appHost\":\"http://127.0.0.1:1\"}",
        /* missing appHost */
        "{\"appId\":\"app-post\",\"appSecret\":\"app-post-secret\"}",
        /* appId of the wrong type */
        "{\"appId\":7,\"appSecret\":\"app-post-secret\",\"appHost\":\"http://127.0.0.1:1\"}",
        /* appSecret of the wrong type */
        "{\"appId\":\"app-post\",\"appSecret\":[],\"appHost\":\"http://127.0.0.1:1\"}",
        /* appSecret missing with client_secret_post (the default) */
        "{\"appId\":\"app-post\",\"appHost\":\"http://127.0.0.1:1\"}",
        /* appSecret shorter than 8 characters */
        "{\"appId\":\"app-post\",\"appSecret\":\"short\",\"appHost\":\"http://127.0.0.1:1\"}",
        /* appSecret missing with client_secret_basic */
        "{\"appId\":\"app-basic\",\"appHost\":\"http://127.0.0.1:1\","
        "\"tokenEndPointAuthMethod\":\"client_secret_basic\"}",
        /* a bad URL */
        "{\"appId\":\"app-post\",\"appSecret\":\"s3cret-value\",\"appHost\":\"http://\"}",
        "{\"appId\":\"app-post\",\"appSecret\":\"s3cret-value\",\"appHost\":\"http://127.0.0.1:1\","
        "\"redirectUri\":\"not a url\"}",
    };
    for (size_t i = 0; i < sizeof replaced / sizeof *replaced; i++) configs[n++] = replaced[i];

    for (size_t i = 0; i < n; i++) {
        struct ga_result x = RESULT(genauth_exchange_code(configs[i], "code", NULL));
        EXPECT(x.valid && !x.ok && ga_streq(x.code, "invalid_config"),
               "exchange_code with %s: expected invalid_config, got %s", configs[i],
               ga_show(x.text));
        struct ga_result r = RESULT(genauth_refresh(configs[i], "token"));
        EXPECT(r.valid && !r.ok && ga_streq(r.code, "invalid_config"),
               "refresh with %s: expected invalid_config, got %s", configs[i], ga_show(r.text));
        char *error = NULL;
        genauth_client *c = ga_client(genauth_client_new(configs[i], &error));
        EXPECT(c == NULL, "client_new accepted %s", configs[i]);
        struct ga_result e = PARSE(ga_lib(error));
        EXPECT(e.valid && !e.ok && ga_streq(e.code, "invalid_config"),
               "client_new with %s: expected invalid_config, got %s", configs[i], ga_show(e.text));
    }
}

static void test_redirect_uri_needed_for_exchange_only(void) {
    const char *config = CONFIG(.app_id = POST_ID, .secret = POST_SECRET, .no_redirect = 1,
                                .host = url_of("127.0.0.1", ga_closed_port()));
    struct ga_result x = RESULT(genauth_exchange_code(config, "code", NULL));
    EXPECT_ERROR(x, "invalid_config");
    /* A refresh needs none: the config is fine and the call goes on to the (closed) port. */
    struct ga_result r = RESULT(genauth_refresh(config, "token"));
    EXPECT_ERROR(r, "connect_failed");
}

static void test_empty_code_or_token(void) {
    const char *config = offline_config();
    genauth_client *client = ga_client(genauth_client_new(config, NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    struct {
        const char *what;
        char *doc;
    } cases[] = {
        {"exchange_code", genauth_exchange_code(config, "", NULL)},
        {"refresh", genauth_refresh(config, "")},
        {"client_exchange_code", genauth_client_exchange_code(client, "", NULL)},
        {"client_exchange_code_with", genauth_client_exchange_code_with(client, "", NULL)},
        {"client_refresh", genauth_client_refresh(client, "")},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct ga_result r = PARSE(ga_lib(cases[i].doc));
        EXPECT(r.valid && !r.ok && ga_streq(r.code, "invalid_argument"),
               "%s with \"\": expected invalid_argument, got %s", cases[i].what, ga_show(r.text));
    }
}

/* ---- transport errors ------------------------------------------------------------------- */

static void test_insecure_transport(void) {
    const char *hosts[] = {"http://example.com", "http://example.com:80/",
                           "http://127.0.0.1.example.com", "http://localhost.example.com",
                           "http://10.0.0.1"};
    for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++) {
        const char *config = CONFIG(.app_id = POST_ID, .secret = POST_SECRET, .host = hosts[i]);
        double start = ga_now_ms();
        struct ga_result x = RESULT(genauth_exchange_code(config, "code-abc", NULL));
        struct ga_result r = RESULT(genauth_refresh(config, "token-abc"));
        double elapsed = ga_now_ms() - start;
        EXPECT(x.valid && !x.ok && ga_streq(x.code, "insecure_transport"),
               "exchange_code via %s: expected insecure_transport, got %s", hosts[i],
               ga_show(x.text));
        EXPECT(r.valid && !r.ok && ga_streq(r.code, "insecure_transport"),
               "refresh via %s: expected insecure_transport, got %s", hosts[i], ga_show(r.text));
        EXPECT_ABSENT(x.text, POST_SECRET, "code-abc");
        EXPECT_ABSENT(r.text, POST_SECRET, "token-abc");
        EXPECT(elapsed < 3000, "%s: took %.0f ms: refused before any network use?", hosts[i],
               elapsed);

        /* The client refuses it too, at creation or at the call. */
        char *error = NULL;
        genauth_client *c = ga_client(genauth_client_new(config, &error));
        struct ga_result e = c ? RESULT(genauth_client_refresh(c, "token-abc"))
                               : PARSE(ga_lib(error));
        EXPECT(e.valid && !e.ok && ga_streq(e.code, "insecure_transport"),
               "client via %s: expected insecure_transport, got %s", hosts[i], ga_show(e.text));
    }
}

static void test_loopback_http_is_allowed(void) {
    /* Plain http:// is fine for loopback (localhost, 127.0.0.0/8, ::1): these reach the
     * network and fail there, at a port nothing listens on. */
    int port = ga_closed_port();
    const char *hosts[] = {url_of("127.0.0.1", port), url_of("localhost", port),
                           url_of("127.0.0.2", port), url_of("[::1]", port)};
    for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++) {
        const char *config = CONFIG(.app_id = POST_ID, .secret = POST_SECRET, .host = hosts[i]);
        struct ga_result r = RESULT(genauth_refresh(config, "token"));
        EXPECT(r.valid && !r.ok && ga_streq(r.code, "connect_failed"),
               "refresh via %s: expected connect_failed, got %s", hosts[i], ga_show(r.text));
    }
}

static void test_connect_failed(void) {
    const char *config = offline_config();
    struct ga_result x = RESULT(genauth_exchange_code(config, "code-xyz-123", NULL));
    EXPECT_ERROR(x, "connect_failed");
    EXPECT(x.http_status == 0, "no http_status without a reply: %s", x.text);
    EXPECT_ABSENT(x.text, "code-xyz-123", POST_SECRET);
    struct ga_result r = RESULT(genauth_refresh(config, "token-xyz-123"));
    EXPECT_ERROR(r, "connect_failed");
    EXPECT_ABSENT(r.text, "token-xyz-123", POST_SECRET);

    genauth_client *client = ga_client(genauth_client_new(config, NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    EXPECT_ERROR(RESULT(genauth_client_exchange_code(client, "code-xyz-123", NULL)),
                 "connect_failed");
    EXPECT_ERROR(RESULT(genauth_client_refresh(client, "token-xyz-123")), "connect_failed");
}

static void test_timeout(void) {
    /* The kernel completes the TCP handshake for a listening socket; nobody ever answers. */
    int port = ga_silent_port();
    CHECK(port > 0, "no silent port");
    const char *config = CONFIG(.app_id = POST_ID, .secret = POST_SECRET,
                                .host = url_of("127.0.0.1", port), .timeout_ms = 300);
    double start = ga_now_ms();
    struct ga_result x = RESULT(genauth_exchange_code(config, "code-t", NULL));
    double elapsed = ga_now_ms() - start;
    EXPECT_ERROR(x, "timeout");
    EXPECT(elapsed >= 250 && elapsed < 5000, "took %.0f ms for a 300 ms timeout", elapsed);

    start = ga_now_ms();
    struct ga_result r = RESULT(genauth_refresh(config, "token-t"));
    elapsed = ga_now_ms() - start;
    EXPECT_ERROR(r, "timeout");
    EXPECT(elapsed >= 250 && elapsed < 5000, "took %.0f ms for a 300 ms timeout", elapsed);

    genauth_client *client = ga_client(genauth_client_new(config, NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    EXPECT_ERROR(RESULT(genauth_client_refresh(client, "token-t")), "timeout");
}

/* ---- replies from a scripted server ----------------------------------------------------- */

static void test_hostile_provider_echo_is_redacted(void) {
    /* A provider (or a proxy) that quotes what it was sent must not get it into the result.
     * Each call can only hide what it was given: the exchange its code, verifier and secret,
     * the refresh its refresh token and secret. */
    const char *code = "CODE-e1f0a9", *secret = "SECRET-44b2", *verifier = GA_PKCE_VERIFIER;
    const char *token = "REFRESH-7c3d";
    const char *json_body =
        "{\"error\":\"invalid_grant\",\"error_description\":\"code CODE-e1f0a9 verifier "
        GA_PKCE_VERIFIER " refresh REFRESH-7c3d secret SECRET-44b2\","
        "\"error_uri\":\"https://x.example/CODE-e1f0a9\"}";
    const char *html_body = "<html>500: bad code CODE-e1f0a9, secret SECRET-44b2, refresh "
                            "REFRESH-7c3d, verifier " GA_PKCE_VERIFIER "</html>";
    const char *responses[] = {
        canned("400 Bad Request", "Content-Type: application/json\r\n", json_body),
        canned("500 Internal Server Error", "Content-Type: text/html\r\n", html_body),
        canned("200 OK", "Content-Type: text/plain\r\n", html_body),
        canned("200 OK", "Content-Type: application/json\r\n",
               "{\"refresh_token\":\"REFRESH-7c3d\",\"note\":\"CODE-e1f0a9 SECRET-44b2\"}"),
    };
    const char *codes[] = {"oauth_error", "http_status", "invalid_response", "invalid_response"};
    for (size_t i = 0; i < sizeof responses / sizeof *responses; i++) {
        const char *config = canned_config(responses[i], secret);
        struct ga_result x = RESULT(genauth_exchange_code(config, code, verifier));
        EXPECT(x.valid && !x.ok && ga_streq(x.code, codes[i]),
               "reply %zu to exchange: expected %s, got %s", i, codes[i], ga_show(x.text));
        EXPECT_ABSENT(x.text, code, secret, verifier);
        struct ga_result r = RESULT(genauth_refresh(config, token));
        EXPECT(r.valid && !r.ok && ga_streq(r.code, codes[i]),
               "reply %zu to refresh: expected %s, got %s", i, codes[i], ga_show(r.text));
        EXPECT_ABSENT(r.text, secret, token);
    }
}

static void test_http_status_without_error_object(void) {
    const char *config =
        canned_config(canned("502 Bad Gateway", "Content-Type: text/html\r\n",
                             "<html><body>bad gateway</body></html>"), POST_SECRET);
    struct ga_result r = RESULT(genauth_refresh(config, "token-h"));
    EXPECT_ERROR(r, "http_status");
    EXPECT(r.http_status == 502, "http_status %d in %s", r.http_status, r.text);
}

static void test_redirect_is_not_followed(void) {
    /* The redirect points at the real provider: following it would be a visible success
     * or an oauth_error, not http_status 302. */
    char headers[300];
    snprintf(headers, sizeof headers, "Location: %s/oidc/token\r\n", ga_show(ga_dev_url()));
    const char *config = canned_config(canned("302 Found", headers, ""), POST_SECRET);
    struct ga_result r = RESULT(genauth_refresh(config, "token-r"));
    EXPECT_ERROR(r, "http_status");
    EXPECT(r.http_status == 302, "http_status %d in %s", r.http_status, r.text);
}

static void test_invalid_responses(void) {
    const char *bodies[] = {"not json at all", "{\"token_type\":\"Bearer\",\"expires_in\":60}",
                            "[\"access_token\"]", "{\"access_token\":"};
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        const char *config = canned_config(
            canned("200 OK", "Content-Type: application/json\r\n", bodies[i]), POST_SECRET);
        struct ga_result r = RESULT(genauth_refresh(config, "token-i"));
        EXPECT(r.valid && !r.ok && ga_streq(r.code, "invalid_response"),
               "body %s: expected invalid_response, got %s", bodies[i], ga_show(r.text));
    }
}

static void test_oversized_response(void) {
    /* Larger than the 1 MiB cap. */
    size_t size = (size_t)1 << 21;
    char *body = ga_mem(malloc(size + 64));
    CHECK(body, "out of memory");
    strcpy(body, "{\"access_token\":\"");
    size_t len = strlen(body);
    memset(body + len, 'a', size);
    strcpy(body + len + size, "\"}");
    const char *config =
        canned_config(canned("200 OK", "Content-Type: application/json\r\n", body), POST_SECRET);
    struct ga_result r = RESULT(genauth_refresh(config, "token-o"));
    EXPECT_ERROR(r, "invalid_response");
}

static void test_success_document_fields(void) {
    /* expire_in is renamed expires_in, expires_at is added, unknown fields are kept and
     * nothing absent is invented. */
    const char *config = canned_config(
        canned("200 OK", "Content-Type: application/json; charset=utf-8\r\n",
               "{\"access_token\":\"AT-1\",\"token_type\":\"Bearer\",\"expire_in\":7200,"
               "\"custom_field\":{\"k\":[1,2]}}"), POST_SECRET);
    struct ga_result r = RESULT(genauth_refresh(config, "token-s"));
    CHECK_OK(r);
    EXPECT_STR(ga_token(r, "access_token"), "AT-1");
    const cJSON *expires_in = cJSON_GetObjectItemCaseSensitive(r.tokens, "expires_in");
    const cJSON *expires_at = cJSON_GetObjectItemCaseSensitive(r.tokens, "expires_at");
    EXPECT(cJSON_IsNumber(expires_in) && expires_in->valuedouble == 7200, "in %s", r.text);
    EXPECT(!cJSON_HasObjectItem(r.tokens, "expire_in"), "expire_in kept in %s", r.text);
    EXPECT(cJSON_IsNumber(expires_at) &&
               expires_at->valuedouble > (double)time(NULL) + 7200 - 120 &&
               expires_at->valuedouble < (double)time(NULL) + 7200 + 5,
           "expires_at in %s", r.text);
    EXPECT(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r.tokens, "custom_field")),
           "custom_field lost in %s", r.text);
    EXPECT(!cJSON_HasObjectItem(r.tokens, "refresh_token") &&
               !cJSON_HasObjectItem(r.tokens, "id_token"),
           "invented fields in %s", r.text);
}

/* ---- non-blocking calls ----------------------------------------------------------------- */

/* Counts callbacks; each checks that its document is valid JSON and that it runs on a library
 * thread, then frees the document. */
struct tally {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t caller;
    int calls, ok, valid_json, on_caller_thread, reentrant;
    const char *config; /* when set, the callback tries a blocking call */
};

static void tally_init(struct tally *t) {
    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->changed, NULL);
    t->caller = pthread_self();
}

static void tally_callback(void *user_data, char *result_json) {
    struct tally *t = user_data;
    cJSON *doc = cJSON_Parse(result_json);
    int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "ok"));
    cJSON_Delete(doc);
    genauth_string_free(result_json);
    int reentrant = 0;
    if (t->config) {
        char *blocking = genauth_refresh(t->config, "any-refresh-token");
        reentrant = strstr(blocking, "\"code\":\"reentrant_call\"") != NULL;
        genauth_string_free(blocking);
    }
    pthread_mutex_lock(&t->lock);
    t->calls++;
    t->ok += ok;
    t->valid_json += doc != NULL;
    t->on_caller_thread += pthread_equal(pthread_self(), t->caller) != 0;
    t->reentrant += reentrant;
    pthread_cond_broadcast(&t->changed);
    pthread_mutex_unlock(&t->lock);
}

/* Waits until `n` callbacks arrived or `seconds` passed; returns how many arrived. */
static int tally_wait(struct tally *t, int n, int seconds) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds;
    pthread_mutex_lock(&t->lock);
    while (t->calls < n && pthread_cond_timedwait(&t->changed, &t->lock, &until) == 0) {
    }
    int calls = t->calls;
    pthread_mutex_unlock(&t->lock);
    return calls;
}

static void tally_destroy(struct tally *t) {
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->changed);
}

static const char *post_refresh_token(genauth_client *client) {
    const char *code = LOGIN(POST_ID);
    if (!code) return NULL;
    struct ga_result r = RESULT(genauth_client_exchange_code(client, code, NULL));
    return EXPECT_OK(r) ? ga_token(r, "refresh_token") : NULL;
}

static void test_async_100_concurrent_refreshes(void) {
    genauth_client *client = ga_client(genauth_client_new(post_config(), NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    const char *refresh_token = post_refresh_token(client);
    CHECK(refresh_token, "no refresh token");
    static struct tally t;
    tally_init(&t);
    int accepted = 0;
    for (int i = 0; i < 100; i++)
        accepted += genauth_client_refresh_async(client, refresh_token, tally_callback, &t) == 0;
    EXPECT(accepted == 100, "%d of 100 calls accepted", accepted);
    int calls = tally_wait(&t, accepted, 60);
    EXPECT(calls == accepted, "%d of %d callbacks arrived", calls, accepted);
    EXPECT(t.ok == calls && t.valid_json == calls, "%d ok, %d valid JSON of %d", t.ok, t.valid_json, calls);
    EXPECT(t.on_caller_thread == 0, "%d callbacks ran on the caller's thread", t.on_caller_thread);
    EXPECT(tally_wait(&t, accepted + 1, 0) == accepted, "a callback ran twice");
    tally_destroy(&t);
}

/* The rule (header): a client freed while calls are in flight stays alive until they complete,
 * and every accepted call still delivers exactly one callback. */
static void test_async_client_freed_while_calls_in_flight(void) {
    genauth_client *client = genauth_client_new(post_config(), NULL);
    CHECK(client != NULL, "genauth_client_new failed");
    const char *refresh_token = post_refresh_token(client);
    static struct tally t;
    tally_init(&t);
    int accepted = 0;
    if (refresh_token) {
        for (int i = 0; i < 20; i++)
            accepted += genauth_client_refresh_async(client, refresh_token, tally_callback, &t) == 0;
        const char *options = "{\"codeVerifier\":null}";
        accepted += genauth_client_exchange_code_async(client, "spent-or-unknown-code", options,
                                                       tally_callback, &t) == 0;
    }
    genauth_client_free(client);
    CHECK(refresh_token, "no refresh token");
    EXPECT(accepted == 21, "%d of 21 calls accepted", accepted);
    int calls = tally_wait(&t, accepted, 60);
    EXPECT(calls == accepted, "%d of %d callbacks arrived after the client was freed", calls, accepted);
    EXPECT(t.ok == 20, "%d refreshes ok (the bogus exchange is the 21st)", t.ok);
    EXPECT(t.valid_json == calls, "%d valid JSON of %d", t.valid_json, calls);
    tally_destroy(&t);
}

static void test_async_argument_errors(void) {
    static struct tally t;
    tally_init(&t);
    EXPECT(genauth_client_refresh_async(NULL, "rt", NULL, NULL) == -1, "NULL callback not refused");
    EXPECT(genauth_client_exchange_code_async(NULL, "c", NULL, NULL, NULL) == -1,
           "NULL callback not refused");
    /* Argument errors arrive through the callback, once. */
    EXPECT(genauth_client_refresh_async(NULL, "rt", tally_callback, &t) == 0, "not accepted");
    EXPECT(genauth_client_exchange_code_async(NULL, "\xff", NULL, tally_callback, &t) == 0,
           "not accepted");
    int calls = tally_wait(&t, 2, 20);
    EXPECT(calls == 2 && t.ok == 0 && t.valid_json == 2, "%d callbacks, %d ok", calls, t.ok);
    EXPECT(t.on_caller_thread == 0, "an error callback ran on the caller's thread");
    tally_destroy(&t);
}

static void test_async_blocking_call_in_callback_is_reentrant(void) {
    genauth_client *client = ga_client(genauth_client_new(post_config(), NULL));
    CHECK(client != NULL, "genauth_client_new failed");
    static struct tally t;
    tally_init(&t);
    t.config = post_config();
    EXPECT(genauth_client_refresh_async(client, "unknown-refresh-token", tally_callback, &t) == 0,
           "not accepted");
    EXPECT(tally_wait(&t, 1, 30) == 1, "no callback");
    EXPECT(t.reentrant == 1, "a blocking call inside a callback did not answer reentrant_call");
    tally_destroy(&t);
}

/* ---- the table -------------------------------------------------------------------------- */

const struct ga_test ga_tests[] = {
    {"version", test_version},
    {"free_null", test_free_null},
    {"post_exchange_and_refresh", test_post_exchange_and_refresh},
    {"basic_exchange_and_refresh", test_basic_exchange_and_refresh},
    {"basic_special_characters", test_basic_special_characters},
    {"default_auth_method_is_post", test_default_auth_method_is_post},
    {"public_pkce_exchange_and_refresh", test_public_pkce_exchange_and_refresh},
    {"public_pkce_verifier_is_checked", test_public_pkce_verifier_is_checked},
    {"reused_code_is_invalid_grant", test_reused_code_is_invalid_grant},
    {"wrong_secret_post_is_invalid_client", test_wrong_secret_post_is_invalid_client},
    {"wrong_secret_basic_is_invalid_client", test_wrong_secret_basic_is_invalid_client},
    {"wrong_redirect_uri_is_invalid_grant", test_wrong_redirect_uri_is_invalid_grant},
    {"unknown_refresh_token_is_invalid_grant", test_unknown_refresh_token_is_invalid_grant},
    {"client_exchange_and_refresh", test_client_exchange_and_refresh},
    {"client_basic_and_special", test_client_basic_and_special},
    {"client_wrong_secret_and_redirect", test_client_wrong_secret_and_redirect},
    {"client_pkce_with_options", test_client_pkce_with_options},
    {"client_pkce_positional_verifier", test_client_pkce_positional_verifier},
    {"client_exchange_with_null_and_empty_options",
     test_client_exchange_with_null_and_empty_options},
    {"client_exchange_with_nonce", test_client_exchange_with_nonce},
    {"client_exchange_with_bad_options", test_client_exchange_with_bad_options},
    {"client_new_and_free", test_client_new_and_free},
    {"client_new_bad_config", test_client_new_bad_config},
    {"concurrent_calls", test_concurrent_calls},
    {"null_arguments", test_null_arguments},
    {"invalid_utf8", test_invalid_utf8},
    {"invalid_config", test_invalid_config},
    {"redirect_uri_needed_for_exchange_only", test_redirect_uri_needed_for_exchange_only},
    {"empty_code_or_token", test_empty_code_or_token},
    {"insecure_transport", test_insecure_transport},
    {"loopback_http_is_allowed", test_loopback_http_is_allowed},
    {"connect_failed", test_connect_failed},
    {"timeout", test_timeout},
    {"hostile_provider_echo_is_redacted", test_hostile_provider_echo_is_redacted},
    {"http_status_without_error_object", test_http_status_without_error_object},
    {"redirect_is_not_followed", test_redirect_is_not_followed},
    {"invalid_responses", test_invalid_responses},
    {"oversized_response", test_oversized_response},
    {"success_document_fields", test_success_document_fields},
    {"async_100_concurrent_refreshes", test_async_100_concurrent_refreshes},
    {"async_client_freed_while_calls_in_flight", test_async_client_freed_while_calls_in_flight},
    {"async_argument_errors", test_async_argument_errors},
    {"async_blocking_call_in_callback_is_reentrant", test_async_blocking_call_in_callback_is_reentrant},
    {NULL, NULL},
};
