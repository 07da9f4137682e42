package io.libgenauth;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.jetbrains.annotations.NotNull;

import java.util.concurrent.CompletableFuture;

/**
 * Hands out tokens that are still valid, refreshing them through its client when needed
 * ({@code genauth_session}). Made by {@link GenAuthClient#session}.
 *
 * <p>Freshness comes from the tokens' {@code expires_at}, else from {@code expires_in} counted
 * from the session's creation; tokens with neither count as fresh. Safe to share between
 * threads: callers of {@link #freshTokens} that arrive while a refresh runs wait for it and share
 * its result, error included, so however many ask, one refresh reaches the provider (which
 * matters when refresh tokens rotate). Once the provider rejected the refresh token
 * ({@code invalid_grant}) every later call throws that error again without calling it.
 *
 * <p>After a refresh, persist {@link #tokens()}: the provider may have rotated the refresh token.
 * The session keeps what it needs of the client, which may be closed first. {@link #close()} is
 * idempotent; calls running then finish first.
 */
public final class Session implements AutoCloseable {
    /** The default margin of {@link #freshTokens()}: tokens with more than a minute left. */
    public static final int DEFAULT_MIN_VALID_SECONDS = 60;

    private final GenAuthLibrary lib;
    private final GenAuthClient client;
    private final NativeHandle handle;

    Session(GenAuthClient client, String tokensJson) {
        this.lib = GenAuthNative.library();
        this.client = client;
        PointerByReference error = new PointerByReference();
        Pointer session;
        Pointer clientPointer = client.handle().acquire();
        try {
            session = lib.genauth_session_new(clientPointer, tokensJson, error);
        } finally {
            client.handle().release();
        }
        if (session == null) {
            throw Results.takeError(error.getValue());
        }
        GenAuthNative.take(error.getValue());
        final GenAuthLibrary freeWith = lib;
        this.handle = new NativeHandle("Session", session, new NativeHandle.Free() {
            @Override public void free(Pointer pointer) { freeWith.genauth_session_free(pointer); }
        });
    }

    NativeHandle handle() {
        return handle;
    }

    /** {@link #freshTokens(int)} with a one-minute margin. */
    public @NotNull Tokens freshTokens() {
        return freshTokens(DEFAULT_MIN_VALID_SECONDS);
    }

    /**
     * Tokens with more than {@code minValidSeconds} of life left, refreshed first when the held
     * ones have less. Blocks while a refresh runs.
     *
     * @throws SessionException {@code no_refresh_token}: stale, and nothing to refresh with
     * @throws OAuthException the refresh's error (e.g. {@code invalid_grant}: sign in again)
     */
    public @NotNull Tokens freshTokens(int minValidSeconds) {
        checkSeconds(minValidSeconds);
        Pointer session = handle.acquire();
        try {
            return Results.take(lib.genauth_session_fresh_tokens(session, minValidSeconds));
        } finally {
            handle.release();
        }
    }

    /** {@link #freshTokens()} without blocking. */
    public @NotNull CompletableFuture<Tokens> freshTokensAsync() {
        return freshTokensAsync(DEFAULT_MIN_VALID_SECONDS);
    }

    /** {@link #freshTokens(int)} without blocking; the future completes on the client's executor. */
    public @NotNull CompletableFuture<Tokens> freshTokensAsync(final int minValidSeconds) {
        checkSeconds(minValidSeconds);
        final Pointer session = handle.acquire();
        try {
            return AsyncCalls.submit(client.executor(), Results.TOKENS,
                    (cb, ud) -> lib.genauth_session_fresh_tokens_async(session, minValidSeconds, cb, ud));
        } finally {
            handle.release(); // the call in flight keeps the session's state alive itself
        }
    }

    /** The current tokens as they are (no refresh, no network), e.g. to persist them. */
    public @NotNull Tokens tokens() {
        Pointer session = handle.acquire();
        try {
            return Results.take(lib.genauth_session_tokens(session));
        } finally {
            handle.release();
        }
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Releases the native session once no call is inside it. */
    @Override
    public void close() {
        handle.close();
    }

    private static void checkSeconds(int minValidSeconds) {
        if (minValidSeconds < 0) throw new IllegalArgumentException("minValidSeconds must not be negative");
    }
}
