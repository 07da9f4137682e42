/* Concurrency and leak tests of libgenauth, against the fast local token server
 * (examples/fast_token_server.rs, its URL in GENAUTH_FAST_URL). Run by tests/c/run-hardening.
 *
 * stress_mixed: GENAUTH_STRESS_THREADS threads (64) x GENAUTH_STRESS_CALLS calls (200), each
 * thread cycling through one-shot refreshes and exchanges, refreshes on one shared client,
 * a client created, used and freed per call, and _async refreshes on the shared client.
 * Every result must be a valid JSON document with "ok": true and an access token.
 *
 * rss_client_refresh: GENAUTH_RSS_CALLS (20000) refreshes through genauth_client_refresh on
 * one client, VmRSS read after 1000 calls and at the end; growth past GENAUTH_RSS_BOUND_KB
 * (20 MB) fails. A leak check, not a timing assertion.
 */

#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static long env_long(const char *name, long fallback) {
    const char *v = getenv(name);
    if (!v || !*v) return fallback;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    return (end && *end == '\0' && n > 0) ? n : fallback;
}

static const char *fast_url(void) {
    const char *url = getenv("GENAUTH_FAST_URL");
    EXPECT(url && *url, "GENAUTH_FAST_URL must name the fast token server (tests/c/run-hardening)");
    return url;
}

/* ---- checking documents from any thread ------------------------------------------------- */

static atomic_long docs_ok, docs_bad;
static pthread_mutex_t first_bad_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_bad[512];

/* Checks a success document and releases it; thread-safe (the harness's checks are not). */
static void check_and_free(char *doc, const char *what) {
    int good = 0;
    if (doc) {
        cJSON *root = cJSON_Parse(doc);
        const cJSON *ok = cJSON_GetObjectItemCaseSensitive(root, "ok");
        const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(root, "tokens");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(tokens, "access_token");
        good = cJSON_IsTrue(ok) && cJSON_IsString(at) && at->valuestring[0] != '\0';
        cJSON_Delete(root);
    }
    if (good) {
        atomic_fetch_add(&docs_ok, 1);
    } else {
        if (atomic_fetch_add(&docs_bad, 1) == 0) {
            pthread_mutex_lock(&first_bad_lock);
            snprintf(first_bad, sizeof first_bad, "%s: %s", what, doc ? doc : "(null)");
            pthread_mutex_unlock(&first_bad_lock);
        }
    }
    genauth_string_free(doc);
}

/* ---- stress_mixed ----------------------------------------------------------------------- */

/* One _async call's rendezvous: the callback checks the document and signals. */
struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t done;
    int delivered;
};

static void on_result(void *user_data, char *result_json) {
    struct waiter *w = user_data;
    check_and_free(result_json, "genauth_client_refresh_async");
    pthread_mutex_lock(&w->lock);
    w->delivered = 1;
    pthread_cond_signal(&w->done);
    pthread_mutex_unlock(&w->lock);
}

struct worker {
    pthread_t thread;
    int index;
    long calls;
    const char *config;
    const genauth_client *shared;
    long client_new_failed;
    long async_refused;
};

static void *work(void *arg) {
    struct worker *w = arg;
    struct waiter waiter;
    pthread_mutex_init(&waiter.lock, NULL);
    pthread_cond_init(&waiter.done, NULL);
    for (long i = 0; i < w->calls; i++) {
        switch ((w->index + i) % 5) {
        case 0:
            check_and_free(genauth_refresh(w->config, "rt-stress"), "genauth_refresh");
            break;
        case 1:
            check_and_free(genauth_exchange_code(w->config, "code-stress", NULL),
                           "genauth_exchange_code");
            break;
        case 2:
            check_and_free(genauth_client_refresh(w->shared, "rt-stress"),
                           "genauth_client_refresh");
            break;
        case 3: {
            char *error = NULL;
            genauth_client *own = genauth_client_new(w->config, &error);
            if (!own) {
                w->client_new_failed++;
                genauth_string_free(error);
                break;
            }
            check_and_free(genauth_client_refresh(own, "rt-stress"), "own client refresh");
            genauth_client_free(own);
            break;
        }
        case 4:
            waiter.delivered = 0;
            if (genauth_client_refresh_async(w->shared, "rt-stress", on_result, &waiter) != 0) {
                w->async_refused++;
                break;
            }
            pthread_mutex_lock(&waiter.lock);
            while (!waiter.delivered) pthread_cond_wait(&waiter.done, &waiter.lock);
            pthread_mutex_unlock(&waiter.lock);
            break;
        }
    }
    pthread_cond_destroy(&waiter.done);
    pthread_mutex_destroy(&waiter.lock);
    return NULL;
}

static void test_stress_mixed(void) {
    const char *url = fast_url();
    CHECK(url, "no server");
    long threads = env_long("GENAUTH_STRESS_THREADS", 64);
    long calls = env_long("GENAUTH_STRESS_CALLS", 200);
    const char *config = CONFIG(.app_id = "app-stress", .secret = "stress-secret", .host = url,
                                .timeout_ms = 60000);
    genauth_client *shared = ga_client(genauth_client_new(config, NULL));
    CHECK(shared != NULL, "genauth_client_new failed");

    atomic_store(&docs_ok, 0);
    atomic_store(&docs_bad, 0);
    struct worker *workers = ga_mem(calloc((size_t)threads, sizeof *workers));
    CHECK(workers != NULL, "out of memory");
    double started = ga_now_ms();
    long running = 0;
    for (long t = 0; t < threads; t++) {
        workers[t] = (struct worker){.index = (int)t, .calls = calls, .config = config,
                                     .shared = shared};
        if (!EXPECT(pthread_create(&workers[t].thread, NULL, work, &workers[t]) == 0,
                    "cannot start thread %ld", t))
            break;
        running++;
    }
    long new_failed = 0, refused = 0;
    for (long t = 0; t < running; t++) {
        pthread_join(workers[t].thread, NULL);
        new_failed += workers[t].client_new_failed;
        refused += workers[t].async_refused;
    }
    double elapsed = ga_now_ms() - started;
    long good = atomic_load(&docs_ok), bad = atomic_load(&docs_bad);
    printf("  stress: %ld threads x %ld calls: %ld ok documents, %ld bad, in %.0f ms "
           "(%.0f calls/s)\n",
           running, calls, good, bad, elapsed, (double)(good + bad) * 1000.0 / elapsed);
    EXPECT(bad == 0, "%ld bad documents; first: %s", bad, first_bad);
    EXPECT(new_failed == 0 && refused == 0, "%ld genauth_client_new failures, %ld refused",
           new_failed, refused);
    EXPECT(good == running * calls, "%ld of %ld calls gave a success", good, running * calls);
}

/* ---- rss_client_refresh ----------------------------------------------------------------- */

static long vm_rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
    fclose(f);
    return kb;
}

static void test_rss_client_refresh(void) {
    const char *url = fast_url();
    CHECK(url, "no server");
    long calls = env_long("GENAUTH_RSS_CALLS", 20000);
    long bound_kb = env_long("GENAUTH_RSS_BOUND_KB", 20 * 1024);
    CHECK(calls > 1000, "GENAUTH_RSS_CALLS must be over 1000");
    const char *config = CONFIG(.app_id = "app-rss", .secret = "rss-secret", .host = url,
                                .timeout_ms = 60000);
    genauth_client *client = ga_client(genauth_client_new(config, NULL));
    CHECK(client != NULL, "genauth_client_new failed");

    atomic_store(&docs_ok, 0);
    atomic_store(&docs_bad, 0);
    double started = ga_now_ms();
    long rss_1k = -1;
    for (long i = 1; i <= calls; i++) {
        check_and_free(genauth_client_refresh(client, "rt-rss"), "genauth_client_refresh");
        if (i == 1000) rss_1k = vm_rss_kb();
    }
    long rss_end = vm_rss_kb();
    double elapsed = ga_now_ms() - started;
    printf("  rss: VmRSS %ld kB after 1000 calls, %ld kB after %ld calls (%+ld kB), "
           "%.1f s, %.0f us per call\n",
           rss_1k, rss_end, calls, rss_end - rss_1k, elapsed / 1000.0,
           elapsed * 1000.0 / (double)calls);
    EXPECT(atomic_load(&docs_bad) == 0, "%ld bad documents; first: %s", atomic_load(&docs_bad),
           first_bad);
    EXPECT(rss_1k > 0 && rss_end > 0, "VmRSS unreadable");
    EXPECT(rss_end - rss_1k < bound_kb, "VmRSS grew %ld kB over %ld calls (bound %ld kB)",
           rss_end - rss_1k, calls, bound_kb);
}

const struct ga_test ga_tests[] = {
    {"stress_mixed", test_stress_mixed},
    {"rss_client_refresh", test_rss_client_refresh},
    {NULL, NULL},
};
