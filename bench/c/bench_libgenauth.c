/* libgenauth's refresh through the C ABI, for the benchmark.
 *
 *   --api client   genauth_client_refresh on one genauth_client shared by every thread
 *   --api oneshot  genauth_refresh(config_json, refresh_token): config parsed on every call,
 *                  the process-wide pool reused
 *
 * Modes: "full" (first call, warm latency, throughput with N threads), "cold" (first call
 * only, then exit), "rss" (resident memory after 1 000 and after 100 000 calls, one thread),
 * "rss-threads" (resident memory after the first and after the last of 8 waves of 8 threads
 * that each make --rss-calls' second number of calls and exit: 64 threads that come and go).
 * --gap-us N adds, in "full", a second latency loop in which the caller busy-works N µs
 * between calls, as a program that does anything besides calling does (only calls are timed).
 * Same command line and one-line JSON output as the other bench programs (bench/README.md).
 * Every result document is checked: anything but {"ok":true,...} counts as an error. */

#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "genauth.h"

struct options {
    const char *app_host, *client_id, *client_secret, *refresh_token;
    const char *mode, *api;
    long warmup, calls, max_calls, rss_small, rss_large, gap_us;
    int levels[16], n_levels;
    double seconds, max_seconds;
    int verify;
};

static struct options opt = {
    .mode = "full", .api = "client", .warmup = 200, .calls = 2000, .max_calls = 1000000,
    .rss_small = 1000, .rss_large = 100000, .levels = {1, 8, 32}, .n_levels = 3,
    .seconds = 3.0, .max_seconds = 20.0, .verify = 0,
};

static char config[4096];
static genauth_client *client;
static atomic_long error_count;
static char first_error[512];
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void usage(const char *message) {
    fprintf(stderr, "bench_libgenauth: %s\n", message);
    exit(2);
}

/* One refresh through the chosen entry point; 1 when the document says ok. */
static int call(void) {
    char *result = strcmp(opt.api, "oneshot") == 0 ? genauth_refresh(config, opt.refresh_token)
                                                   : genauth_client_refresh(client, opt.refresh_token);
    int ok = result && strncmp(result, "{\"ok\":true", 10) == 0;
    if (!ok) {
        atomic_fetch_add(&error_count, 1);
        pthread_mutex_lock(&error_lock);
        if (!first_error[0]) snprintf(first_error, sizeof first_error, "%s", result ? result : "NULL");
        pthread_mutex_unlock(&error_lock);
    }
    genauth_string_free(result);
    return ok;
}

/* A line of /proc/self/status in kB: "VmRSS" (now) or "VmHWM" (peak). The peak is read there
 * rather than from getrusage: ru_maxrss carries over across exec, so a child of a bigger
 * process would report its parent's peak. */
static long status_kb(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = atol(line + n + 1);
            break;
        }
    fclose(f);
    return kb;
}

/* CPU time of the whole process (every thread: the caller's and the library's), seconds. */
static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static long rss_kb_now(void) { return status_kb("VmRSS"); }
static long peak_rss_kb(void) { return status_kb("VmHWM"); }

/* The caller's own work between calls: `us` microseconds of spinning. */
static void busy_work(long us) {
    double until = now_s() + (double)us / 1e6;
    while (now_s() < until) {
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, long n, double p) {
    if (n == 0) return 0;
    long rank = (long)((p / 100.0) * (double)n + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}

struct worker {
    pthread_t thread;
    pthread_barrier_t *barrier;
    atomic_int *stop;
    long cap, done;
};

static void *work(void *arg) {
    struct worker *w = arg;
    pthread_barrier_wait(w->barrier);
    while (!atomic_load_explicit(w->stop, memory_order_relaxed) && w->done < w->cap)
        if (call()) w->done++;
    return NULL;
}

static double throughput(int n) {
    struct worker *workers = calloc((size_t)n, sizeof *workers);
    pthread_barrier_t barrier;
    atomic_int stop = 0;
    pthread_barrier_init(&barrier, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        workers[i] = (struct worker){.barrier = &barrier, .stop = &stop, .cap = opt.max_calls / n + 1};
        pthread_create(&workers[i].thread, NULL, work, &workers[i]);
    }
    pthread_barrier_wait(&barrier);
    double start = now_s();
    double duration = opt.seconds < opt.max_seconds ? opt.seconds : opt.max_seconds;
    struct timespec tick = {0, 5 * 1000 * 1000};
    while (now_s() - start < duration) nanosleep(&tick, NULL);
    atomic_store(&stop, 1);
    long total = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(workers[i].thread, NULL);
        total += workers[i].done;
    }
    double elapsed = now_s() - start;
    pthread_barrier_destroy(&barrier);
    free(workers);
    return (double)total / elapsed;
}

struct rss_worker {
    pthread_t thread;
    long calls;
};

static void *rss_work(void *arg) {
    struct rss_worker *w = arg;
    for (long i = 0; i < w->calls; i++) call();
    return NULL;
}

/* 8 waves of 8 threads, each thread `calls` calls then exit; RSS after the first and last wave. */
static void rss_threads(long calls) {
    enum { WAVES = 8, PER_WAVE = 8 };
    long rss_first = 0;
    double t = now_s();
    int waves = 0;
    for (; waves < WAVES && now_s() - t < opt.max_seconds; waves++) {
        struct rss_worker w[PER_WAVE];
        for (int i = 0; i < PER_WAVE; i++) {
            w[i].calls = calls;
            pthread_create(&w[i].thread, NULL, rss_work, &w[i]);
        }
        for (int i = 0; i < PER_WAVE; i++) pthread_join(w[i].thread, NULL);
        if (waves == 0) rss_first = rss_kb_now();
    }
    printf(",\"rss_threads\":%d,\"rss_calls_per_thread\":%ld,\"rss_first_wave_kb\":%ld"
           ",\"rss_last_wave_kb\":%ld",
           waves * PER_WAVE, calls, rss_first, rss_kb_now());
}

static void print_json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
        else putchar(*s);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--verify") == 0) { opt.verify = 1; continue; }
        if (i + 1 >= argc) usage("an option needs a value");
        const char *v = argv[++i];
        if (strcmp(a, "--app-host") == 0) opt.app_host = v;
        else if (strcmp(a, "--client-id") == 0) opt.client_id = v;
        else if (strcmp(a, "--client-secret") == 0) opt.client_secret = v;
        else if (strcmp(a, "--refresh-token") == 0) opt.refresh_token = v;
        else if (strcmp(a, "--mode") == 0) opt.mode = v;
        else if (strcmp(a, "--api") == 0) opt.api = v;
        else if (strcmp(a, "--warmup") == 0) opt.warmup = atol(v);
        else if (strcmp(a, "--calls") == 0) opt.calls = atol(v);
        else if (strcmp(a, "--max-calls") == 0) opt.max_calls = atol(v);
        else if (strcmp(a, "--seconds") == 0) opt.seconds = atof(v);
        else if (strcmp(a, "--max-seconds") == 0) opt.max_seconds = atof(v);
        else if (strcmp(a, "--gap-us") == 0) opt.gap_us = atol(v);
        else if (strcmp(a, "--rss-calls") == 0) sscanf(v, "%ld,%ld", &opt.rss_small, &opt.rss_large);
        else if (strcmp(a, "--levels") == 0) {
            opt.n_levels = 0;
            char *copy = strdup(v), *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t && opt.n_levels < 16; t = strtok_r(NULL, ",", &save))
                opt.levels[opt.n_levels++] = atoi(t);
            free(copy);
        } else usage("unknown option");
    }
    if (!opt.app_host || !opt.client_id || !opt.client_secret || !opt.refresh_token)
        usage("--app-host, --client-id, --client-secret and --refresh-token are required");
    /* The bench's values are plain ASCII without quotes or backslashes. */
    snprintf(config, sizeof config,
             "{\"appId\":\"%s\",\"appSecret\":\"%s\",\"appHost\":\"%s\",\"validateIdToken\":%s}",
             opt.client_id, opt.client_secret, opt.app_host, opt.verify ? "true" : "false");

    /* First call, client creation included (process start is timed by the caller). */
    double started = now_s();
    if (strcmp(opt.api, "client") == 0) {
        char *error = NULL;
        client = genauth_client_new(config, &error);
        if (!client) {
            fprintf(stderr, "genauth_client_new: %s\n", error);
            genauth_string_free(error);
            return 1;
        }
    } else if (strcmp(opt.api, "oneshot") != 0) {
        usage("--api is client or oneshot");
    }
    double setup_ms = (now_s() - started) * 1e3;
    int first_ok = call();
    double first_call_ms = (now_s() - started) * 1e3;
    double first_epoch = epoch_ms();
    printf("{\"first_result_epoch_ms\":%.3f,\"first_call_ms\":%.3f,\"setup_ms\":%.3f,\"first_ok\":%s",
           first_epoch, first_call_ms, setup_ms, first_ok ? "true" : "false");

    if (strcmp(opt.mode, "full") == 0) {
        double t = now_s();
        for (long i = 0; i < opt.warmup && now_s() - t < opt.max_seconds; i++) call();
        double *samples = malloc(sizeof(double) * (size_t)(opt.calls > 0 ? opt.calls : 1));
        long n = 0;
        t = now_s();
        double cpu0 = cpu_s();
        while (n < opt.calls && now_s() - t < opt.max_seconds) {
            double s = now_s();
            call();
            samples[n++] = (now_s() - s) * 1e6;
        }
        double cpu_per_call_us = n ? (cpu_s() - cpu0) * 1e6 / (double)n : 0;
        double sum = 0;
        for (long i = 0; i < n; i++) sum += samples[i];
        qsort(samples, (size_t)n, sizeof(double), cmp_double);
        printf(",\"lat_calls\":%ld,\"lat_p50_us\":%.2f,\"lat_p99_us\":%.2f,\"lat_mean_us\":%.2f"
               ",\"cpu_us_per_call\":%.2f",
               n, percentile(samples, n, 50), percentile(samples, n, 99), n ? sum / (double)n : 0,
               cpu_per_call_us);
        if (opt.gap_us > 0) {
            n = 0;
            t = now_s();
            while (n < opt.calls && now_s() - t < opt.max_seconds) {
                busy_work(opt.gap_us);
                double s = now_s();
                call();
                samples[n++] = (now_s() - s) * 1e6;
            }
            qsort(samples, (size_t)n, sizeof(double), cmp_double);
            printf(",\"gap_us\":%ld,\"gap_lat_p50_us\":%.2f,\"gap_lat_p99_us\":%.2f", opt.gap_us,
                   percentile(samples, n, 50), percentile(samples, n, 99));
        }
        free(samples);
        printf(",\"tput\":{");
        for (int i = 0; i < opt.n_levels; i++)
            printf("%s\"%d\":%.1f", i ? "," : "", opt.levels[i], throughput(opt.levels[i]));
        printf("}");
    } else if (strcmp(opt.mode, "rss") == 0) {
        double t = now_s();
        long done = 1; /* the first call */
        while (done < opt.rss_small && now_s() - t < opt.max_seconds) { call(); done++; }
        long rss_small = rss_kb_now();
        long at_small = done;
        while (done < opt.rss_large && now_s() - t < opt.max_seconds) { call(); done++; }
        long rss_large = rss_kb_now();
        printf(",\"rss_small_calls\":%ld,\"rss_small_kb\":%ld,\"rss_large_calls\":%ld,\"rss_large_kb\":%ld",
               at_small, rss_small, done, rss_large);
    } else if (strcmp(opt.mode, "rss-threads") == 0) {
        rss_threads(opt.rss_large);
    } else if (strcmp(opt.mode, "cold") != 0) {
        usage("--mode is full, cold, rss or rss-threads");
    }
    printf(",\"errors\":%ld", atomic_load(&error_count));
    if (first_error[0]) {
        printf(",\"first_error\":");
        print_json_string(first_error);
    }
    printf(",\"peak_rss_kb\":%ld}\n", peak_rss_kb());
    fflush(stdout);
    /* The client is freed; this thread's runtime goes with the thread (the process). */
    genauth_client_free(client);
    return 0;
}
