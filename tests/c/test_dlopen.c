/* Loading libgenauth at run time: dlopen() the library (GENAUTH_LIBRARY), resolve the functions,
 * make real calls (a refresh against the fast token server at GENAUTH_FAST_URL, one-shot, on a
 * client, non-blocking on a client, and a call with a bad config), dlclose() it, then open it
 * again and call again, and exit cleanly. Run by tests/c/run-hardening, plainly and under valgrind.
 *
 * What happens at dlclose: the shared runtime's threads ("genauth-worker", started by the
 * non-blocking call; blocking calls run on the caller's thread) are never stopped (see
 * src/runtime.rs), and they and this thread have registered thread-local destructors, so glibc
 * keeps the library mapped; dlclose returns 0 and the threads keep running. The program reports whether the library
 * is still mapped and how many runtime threads are alive, and checks that a second dlopen works.
 *
 * Not linked with the library and without the test harness (which is): prints its own
 * "ok NAME" lines and closes with "N passed, N failed".
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef char *(*refresh_fn)(const char *, const char *);
typedef void *(*client_new_fn)(const char *, char **);
typedef char *(*client_refresh_fn)(const void *, const char *);
typedef void (*client_free_fn)(void *);
typedef int (*client_refresh_async_fn)(const void *, const char *, void (*)(void *, char *), void *);
typedef void (*string_free_fn)(char *);
typedef const char *(*version_fn)(void);

static int passed, failed;

static void report(int ok, const char *name, const char *detail) {
    if (ok) {
        passed++;
        printf("ok   %s%s%s\n", name, detail ? ": " : "", detail ? detail : "");
    } else {
        failed++;
        printf("FAIL %s%s%s\n", name, detail ? ": " : "", detail ? detail : "");
    }
    fflush(stdout);
}

/* Whether a path containing `name` is mapped into this process. */
static int mapped(const char *name) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    char line[4096];
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, name)) found = 1;
    fclose(f);
    return found;
}

/* How many threads of this process are named `name`. */
static int threads_named(const char *name) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        if (fgets(comm, sizeof comm, f) && strncmp(comm, name, strlen(name)) == 0) count++;
        fclose(f);
    }
    closedir(d);
    return count;
}

struct lib {
    void *handle;
    version_fn version;
    refresh_fn refresh;
    client_new_fn client_new;
    client_refresh_fn client_refresh;
    client_free_fn client_free;
    client_refresh_async_fn client_refresh_async;
    string_free_fn string_free;
};

/* The document of one non-blocking call, handed over by its callback. */
struct delivery {
    pthread_mutex_t lock;
    pthread_cond_t done;
    char *doc;
    int delivered;
};

static void on_result(void *user_data, char *doc) {
    struct delivery *d = user_data;
    pthread_mutex_lock(&d->lock);
    d->doc = doc;
    d->delivered = 1;
    pthread_cond_signal(&d->done);
    pthread_mutex_unlock(&d->lock);
}

static int open_lib(const char *path, struct lib *lib) {
    memset(lib, 0, sizeof *lib);
    lib->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle) {
        report(0, "dlopen", dlerror());
        return 0;
    }
    /* POSIX: a function pointer is read through a void * from dlsym. */
    *(void **)&lib->version = dlsym(lib->handle, "genauth_version");
    *(void **)&lib->refresh = dlsym(lib->handle, "genauth_refresh");
    *(void **)&lib->client_new = dlsym(lib->handle, "genauth_client_new");
    *(void **)&lib->client_refresh = dlsym(lib->handle, "genauth_client_refresh");
    *(void **)&lib->client_free = dlsym(lib->handle, "genauth_client_free");
    *(void **)&lib->client_refresh_async = dlsym(lib->handle, "genauth_client_refresh_async");
    *(void **)&lib->string_free = dlsym(lib->handle, "genauth_string_free");
    int all = lib->version && lib->refresh && lib->client_new && lib->client_refresh &&
              lib->client_free && lib->client_refresh_async && lib->string_free;
    report(all, "dlopen_and_resolve", path);
    return all;
}

/* Checks that a result document holds `needle`, then releases it. */
static int expect_doc(struct lib *lib, char *doc, const char *needle) {
    int ok = doc && strstr(doc, needle) != NULL;
    if (!ok) printf("  unexpected document: %s\n", doc ? doc : "(null)");
    lib->string_free(doc);
    return ok;
}

static void calls(struct lib *lib, const char *config, const char *round) {
    char name[64];
    const char *version = lib->version();
    snprintf(name, sizeof name, "%s_version", round);
    report(version && *version, name, version);

    snprintf(name, sizeof name, "%s_invalid_config", round);
    report(expect_doc(lib, lib->refresh("{\"appId\":1}", "rt"), "\"invalid_config\""), name, NULL);

    snprintf(name, sizeof name, "%s_one_shot_refresh", round);
    report(expect_doc(lib, lib->refresh(config, "rt-dlopen"), "\"ok\":true"), name, NULL);

    snprintf(name, sizeof name, "%s_client_refresh", round);
    char *error = NULL;
    void *client = lib->client_new(config, &error);
    int ok = client != NULL;
    if (client) {
        ok = expect_doc(lib, lib->client_refresh(client, "rt-dlopen"), "\"ok\":true");
        struct delivery d = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0};
        if (lib->client_refresh_async(client, "rt-dlopen", on_result, &d) == 0) {
            pthread_mutex_lock(&d.lock);
            while (!d.delivered) pthread_cond_wait(&d.done, &d.lock);
            pthread_mutex_unlock(&d.lock);
            ok = expect_doc(lib, d.doc, "\"ok\":true") && ok;
        } else {
            ok = 0;
        }
        lib->client_free(client);
    } else {
        printf("  genauth_client_new: %s\n", error ? error : "(null)");
        lib->string_free(error);
    }
    report(ok, name, NULL);
}

int main(void) {
    const char *path = getenv("GENAUTH_LIBRARY");
    const char *url = getenv("GENAUTH_FAST_URL");
    if (!path || !url) {
        fprintf(stderr, "GENAUTH_LIBRARY and GENAUTH_FAST_URL must be set (tests/c/run-hardening)\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    char config[512];
    snprintf(config, sizeof config,
             "{\"appId\":\"app-dlopen\",\"appSecret\":\"s3cret-value\",\"appHost\":\"%s\","
             "\"redirectUri\":\"http://127.0.0.1:8976/callback\",\"timeoutMs\":30000}",
             url);

    struct lib lib;
    if (open_lib(path, &lib)) {
        calls(&lib, config, "first");
        char detail[128];
        int workers = threads_named("genauth-worker");
        snprintf(detail, sizeof detail, "%d runtime threads before dlclose", workers);
        report(workers > 0, "runtime_threads_started", detail);

        int closed = dlclose(lib.handle);
        int still_mapped = mapped("libgenauth");
        workers = threads_named("genauth-worker");
        snprintf(detail, sizeof detail, "dlclose returned %d; library %s; %d runtime threads alive",
                 closed, still_mapped ? "still mapped" : "unmapped", workers);
        report(closed == 0, "dlclose", detail);

        /* Whatever dlclose did, loading the library again must work. */
        if (open_lib(path, &lib)) {
            calls(&lib, config, "second");
            report(dlclose(lib.handle) == 0, "second_dlclose", NULL);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}
