package io.libgenauth;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * A long-lived client over {@code genauth_client}: the config validated once, its own
 * connection pool. Thread-safe; share one per app and close it when done.
 *
 * <p>Blocking calls ({@link #exchangeCode}, {@link #refresh}) wait for the reply or the
 * config's {@code timeoutMs}; keep them off UI threads. The {@code Async} variants return at once;
 * their futures are completed on the client's executor ({@link ForkJoinPool#commonPool()} unless
 * one is given, e.g. an Android main-thread executor), never on the library's own thread.
 *
 * <p>{@link #close()} is idempotent. Calls already running when it is called finish normally;
 * the native client is released when the last of them returns. Later calls throw
 * {@link IllegalStateException}.
 */
public final class GenAuthClient implements AutoCloseable {
    private final GenAuthLibrary lib;
    private final Executor executor;
    private final Object lock = new Object();
    private Pointer handle;   // null once released
    private boolean closed;
    private int inFlight;

    /** A client from a built config; futures complete on the common pool. */
    public GenAuthClient(GenAuthConfig config) {
        this(config.toJson(), ForkJoinPool.commonPool());
    }

    /** A client from a built config; futures of the Async calls complete on {@code executor}. */
    public GenAuthClient(GenAuthConfig config, Executor executor) {
        this(config.toJson(), executor);
    }

    /** A client from a config document (JSON text). */
    public GenAuthClient(String configJson) {
        this(configJson, ForkJoinPool.commonPool());
    }

    /**
     * A client from a config document; futures of the Async calls complete on {@code executor}.
     *
     * @throws GenAuthException {@code invalid_config} (or {@code insecure_transport}, ...)
     *                          when the library refuses the config
     */
    public GenAuthClient(String configJson, Executor executor) {
        if (executor == null) throw new NullPointerException("executor");
        this.lib = GenAuthNative.library();
        this.executor = executor;
        PointerByReference error = new PointerByReference();
        Pointer client = lib.genauth_client_new(configJson, error);
        if (client == null) {
            throw Results.takeError(error.getValue());
        }
        GenAuthNative.take(error.getValue()); // NULL on success; freed should it ever be set
        this.handle = client;
    }

    /** Exchanges the authorization code of a login that did not use PKCE. */
    public Tokens exchangeCode(String code) {
        return exchangeCode(code, (String) null);
    }

    /** Exchanges an authorization code; {@code codeVerifier} is null unless the login used PKCE. */
    public Tokens exchangeCode(String code, String codeVerifier) {
        Pointer client = acquire();
        try {
            return Results.take(lib.genauth_client_exchange_code(client, code, codeVerifier));
        } finally {
            release();
        }
    }

    /** Exchanges an authorization code with a PKCE verifier and/or the login's nonce. */
    public Tokens exchangeCode(String code, ExchangeOptions options) {
        String json = options == null ? null : options.toJson();
        Pointer client = acquire();
        try {
            return Results.take(lib.genauth_client_exchange_code_with(client, code, json));
        } finally {
            release();
        }
    }

    /** Exchanges a refresh token; store the result's refresh token when it has one (rotation). */
    public Tokens refresh(String refreshToken) {
        Pointer client = acquire();
        try {
            return Results.take(lib.genauth_client_refresh(client, refreshToken));
        } finally {
            release();
        }
    }

    /** {@link #exchangeCode(String)} without blocking. */
    public CompletableFuture<Tokens> exchangeCodeAsync(String code) {
        return exchangeCodeAsync(code, (String) null);
    }

    /** {@link #exchangeCode(String, String)} without blocking. */
    public CompletableFuture<Tokens> exchangeCodeAsync(String code, String codeVerifier) {
        return exchangeCodeAsync(code, ExchangeOptions.of(codeVerifier, null));
    }

    /** {@link #exchangeCode(String, ExchangeOptions)} without blocking. */
    public CompletableFuture<Tokens> exchangeCodeAsync(final String code, ExchangeOptions options) {
        final String json = options == null ? null : options.toJson();
        final Pointer client = acquire();
        try {
            return AsyncCalls.submit(executor, new AsyncCalls.Start() {
                @Override
                public int start(GenAuthLibrary.ResultCallback cb, Pointer userData) {
                    return lib.genauth_client_exchange_code_async(client, code, json, cb, userData);
                }
            });
        } finally {
            release(); // the library copied everything and keeps its client alive itself
        }
    }

    /** {@link #refresh(String)} without blocking. */
    public CompletableFuture<Tokens> refreshAsync(final String refreshToken) {
        final Pointer client = acquire();
        try {
            return AsyncCalls.submit(executor, new AsyncCalls.Start() {
                @Override
                public int start(GenAuthLibrary.ResultCallback cb, Pointer userData) {
                    return lib.genauth_client_refresh_async(client, refreshToken, cb, userData);
                }
            });
        } finally {
            release();
        }
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Releases the native client (once; later calls do nothing). */
    @Override
    public void close() {
        Pointer toFree = null;
        synchronized (lock) {
            if (closed) return;
            closed = true;
            if (inFlight == 0) {
                toFree = handle;
                handle = null;
            }
        }
        if (toFree != null) lib.genauth_client_free(toFree);
    }

    private Pointer acquire() {
        synchronized (lock) {
            if (closed) throw new IllegalStateException("this GenAuthClient is closed");
            inFlight++;
            return handle;
        }
    }

    private void release() {
        Pointer toFree = null;
        synchronized (lock) {
            inFlight--;
            if (inFlight == 0 && closed && handle != null) {
                toFree = handle;
                handle = null;
            }
        }
        if (toFree != null) lib.genauth_client_free(toFree);
    }
}
