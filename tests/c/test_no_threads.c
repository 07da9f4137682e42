/* The C ABI in a process that can start no thread at all (its user is at RLIMIT_NPROC): the
 * _async calls must return -2 and never call their callback, the blocking calls still work (they
 * run on the caller's thread and need none of their own), and nothing may abort the process (a Rust panic that reaches the C boundary
 * does). tests/c/run-hardening runs it as an unprivileged user, since root ignores the limit:
 *
 *   prlimit --nproc=1 setpriv --reuid=nobody --regid=nogroup --clear-groups \
 *       build/c-tests/test_no_threads
 *
 * Self-contained (no test harness, no cJSON: the harness's helpers are not needed here). Prints
 * one line per check and ends with "N passed, N failed", as the other C tests do; a process that
 * aborts prints no such line. Each refused runtime start also prints a panic message on stderr
 * ("OS can't spawn worker thread"): the async runtime panics there, and the library catches it. */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "genauth.h"

static int passed, failed;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    fflush(stdout);
    if (ok)
        passed++;
    else
        failed++;
}

/* Written only by a callback, which must never run: no thread could run it. */
static volatile int callbacks;

static void on_result(void *user_data, char *result_json) {
    (void)user_data;
    callbacks++;
    genauth_string_free(result_json);
}

static void *nothing(void *arg) { return arg; }

int main(void) {
    /* The premise: this process cannot start a thread. */
    pthread_t thread;
    int err = pthread_create(&thread, NULL, nothing, NULL);
    if (err == 0) {
        pthread_join(thread, NULL);
        printf("FAIL this process can start threads: run it under prlimit --nproc=1 as an "
               "unprivileged user\n0 passed, 1 failed\n");
        return 1;
    }
    check(err == EAGAIN, "pthread_create fails with EAGAIN");

    check(genauth_client_refresh_async(NULL, "rt", on_result, NULL) == -2,
          "genauth_client_refresh_async returns -2");
    check(genauth_client_exchange_code_async(NULL, "code", NULL, on_result, NULL) == -2,
          "genauth_client_exchange_code_async returns -2");
    /* Twice: a failed start leaves nothing half made behind. */
    check(genauth_client_refresh_async(NULL, "rt", on_result, NULL) == -2,
          "genauth_client_refresh_async returns -2 again");
    check(genauth_client_refresh_async(NULL, "rt", NULL, NULL) == -1,
          "a NULL callback is still -1");

    char *doc = genauth_refresh(
        "{\"appId\":\"a\",\"appSecret\":\"s3cret-value\",\"appHost\":\"http://127.0.0.1:1\"}",
        "rt");
    /* Nothing listens on port 1: that the call got as far as connecting shows it ran. */
    check(doc != NULL && strstr(doc, "\"ok\":false") && strstr(doc, "\"code\":\"connect_failed\""),
          "a blocking call runs on the caller's thread (connect_failed: port 1 is closed)");
    if (doc) printf("     %s\n", doc);
    genauth_string_free(doc);

    check(callbacks == 0, "no callback ran");
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
