package io.libgenauth;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** The non-blocking calls: CompletableFuture over the library's callbacks. */
class AsyncTest {

    @Test
    void asyncExchangeThenRefresh() {
        long before = System.currentTimeMillis() / 1000;
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build())) {
            Tokens fresh = client.exchangeCodeAsync(Dev.code("app-post"))
                    .thenCompose(tokens -> client.refreshAsync(tokens.getRefreshToken()))
                    .orTimeout(20, TimeUnit.SECONDS).join();
            ExchangeTest.assertUsable(fresh, before);
        }
    }

    @Test
    void asyncPkceWithOptions() {
        String verifier = Dev.verifier();
        long before = System.currentTimeMillis() / 1000;
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-public").build())) {
            Tokens tokens = client.exchangeCodeAsync(Dev.pkceCode(verifier), ExchangeOptions.of(verifier, null))
                    .orTimeout(20, TimeUnit.SECONDS).join();
            ExchangeTest.assertUsable(tokens, before);
            Tokens fresh = client.refreshAsync(tokens.getRefreshToken()).orTimeout(20, TimeUnit.SECONDS).join();
            assertNotEquals(tokens.getRefreshToken(), fresh.getRefreshToken());
        }
    }

    @Test
    void fiftyConcurrentRefreshes() {
        long before = System.currentTimeMillis() / 1000;
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build())) {
            String rt = client.exchangeCode(Dev.code("app-post")).getRefreshToken();
            List<CompletableFuture<Tokens>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) calls.add(client.refreshAsync(rt));
            CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]))
                    .orTimeout(60, TimeUnit.SECONDS).join();
            long distinct = calls.stream().map(f -> f.join().getAccessToken()).distinct().count();
            assertEquals(50, distinct, "fifty fresh access tokens");
            for (CompletableFuture<Tokens> f : calls) ExchangeTest.assertUsable(f.join(), before);
        }
        assertEquals(0, AsyncCalls.pendingCount());
    }

    @Test
    void asyncErrorsCompleteExceptionally() {
        String code = Dev.code("app-post");
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build())) {
            client.exchangeCode(code);
            CompletionException e = assertThrows(CompletionException.class,
                    () -> client.exchangeCodeAsync(code).orTimeout(20, TimeUnit.SECONDS).join());
            GenAuthException cause = (GenAuthException) e.getCause();
            assertEquals("oauth_error", cause.getCode());
            assertEquals("invalid_grant", cause.getOauthError());
            assertEquals(400, cause.getHttpStatus());
            ErrorTest.assertClean(cause, code, "app-post-secret");
        }
    }

    @Test
    void futuresCompleteOffTheLibraryThreadSoBlockingCallsWorkThere() {
        ExecutorService app = Executors.newSingleThreadExecutor(r -> new Thread(r, "app-thread"));
        try (GenAuthClient client = new GenAuthClient(Dev.config("app-post").build(), app)) {
            AtomicReference<String> thread = new AtomicReference<>();
            Tokens fresh = client.exchangeCodeAsync(Dev.code("app-post"))
                    .thenApply(tokens -> {
                        thread.set(Thread.currentThread().getName());
                        return client.refresh(tokens.getRefreshToken()); // blocking, not reentrant_call
                    })
                    .orTimeout(20, TimeUnit.SECONDS).join();
            assertEquals("app-thread", thread.get());
            assertNotNull(fresh.getAccessToken());
        } finally {
            app.shutdown();
        }
    }

    @Test
    void closingWhileCallsAreInFlightLetsThemFinish() {
        GenAuthClient client = new GenAuthClient(Dev.config("app-post").build());
        String rt = client.exchangeCode(Dev.code("app-post")).getRefreshToken();
        List<CompletableFuture<Tokens>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) calls.add(client.refreshAsync(rt));
        client.close();
        client.close();
        for (CompletableFuture<Tokens> f : calls) {
            assertNotNull(f.orTimeout(20, TimeUnit.SECONDS).join().getAccessToken());
        }
    }

    @Test
    void cancellingAFutureForgetsItsCallAndTheCallbackStillFreesTheResult() throws Exception {
        // A server that accepts and never answers: the call stays in flight until its timeout.
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) held.add(silent.accept());
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            GenAuthConfig config = GenAuthConfig.builder().appId("app-post").appSecret("app-post-secret")
                    .appHost("http://127.0.0.1:" + silent.getLocalPort()).timeoutMs(2000).build();
            try (GenAuthClient client = new GenAuthClient(config)) {
                int pending = AsyncCalls.pendingCount();
                long delivered = AsyncCalls.deliveredCount();
                CompletableFuture<Introspection> call = client.introspectAsync("some-token");
                Thread.sleep(200);
                assertEquals(pending + 1, AsyncCalls.pendingCount());
                assertTrue(call.cancel(true));
                assertEquals(pending, AsyncCalls.pendingCount(), "the receiver is forgotten at once");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (AsyncCalls.deliveredCount() == delivered && System.nanoTime() < deadline) Thread.sleep(50);
                Thread.sleep(300);
                assertEquals(delivered + 1, AsyncCalls.deliveredCount(), "the callback ran once and freed its document");
            } finally {
                for (java.net.Socket s : held) s.close();
            }
        }
    }
}
