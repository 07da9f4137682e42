package io.libgenauth;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * A long-lived client over {@code genauth_client}: the config validated once, its own
 * connection pool. Thread-safe; share one per app and close it when done.
 *
 * <p>A login: {@link #authorizeUrl} gives the URL to open and the request to keep; the browser
 * comes back to the redirect URI; {@link #exchangeCallback} checks that callback and exchanges
 * its code. Then {@link #session} keeps the tokens fresh, {@link #userinfo}, {@link #revoke} and
 * {@link #introspect} talk to the provider.
 *
 * <p>Blocking calls wait for the reply or the config's {@code timeoutMs}; keep them off UI
 * threads. The {@code Async} variants return at once; their futures complete on the client's
 * executor ({@link ForkJoinPool#commonPool()} unless one is given, e.g. an Android main-thread
 * executor), never on the library's own thread. Cancelling such a future forgets the result;
 * the request itself runs to its end.
 *
 * <p>{@link #close()} is idempotent. Calls already running when it is called finish normally;
 * the native client is released when the last of them returns. Later calls throw
 * {@link IllegalStateException}. Sessions made from the client keep working after it closes.
 */
public final class GenAuthClient implements AutoCloseable {
    private final GenAuthLibrary lib;
    private final Executor executor;
    private final NativeHandle handle;

    /** A client from a built config; futures complete on the common pool. */
    public GenAuthClient(@NotNull GenAuthConfig config) {
        this(config.toJson(), ForkJoinPool.commonPool());
    }

    /** A client from a built config; futures of the Async calls complete on {@code executor}. */
    public GenAuthClient(@NotNull GenAuthConfig config, @NotNull Executor executor) {
        this(config.toJson(), executor);
    }

    /** A client from a config document (JSON text). */
    public GenAuthClient(@Nullable String configJson) {
        this(configJson, ForkJoinPool.commonPool());
    }

    /**
     * A client from a config document; futures of the Async calls complete on {@code executor}.
     *
     * @throws GenAuthException {@code invalid_config} (or {@code insecure_transport}, ...)
     *                          when the library refuses the config
     */
    public GenAuthClient(@Nullable String configJson, @NotNull Executor executor) {
        if (executor == null) throw new NullPointerException("executor");
        this.lib = GenAuthNative.library();
        this.executor = executor;
        PointerByReference error = new PointerByReference();
        Pointer client = lib.genauth_client_new(configJson, error);
        if (client == null) {
            throw Results.takeError(error.getValue());
        }
        GenAuthNative.take(error.getValue()); // NULL on success; freed should it ever be set
        final GenAuthLibrary freeWith = lib;
        this.handle = new NativeHandle("GenAuthClient", client, new NativeHandle.Free() {
            @Override public void free(Pointer pointer) { freeWith.genauth_client_free(pointer); }
        });
    }

    Executor executor() {
        return executor;
    }

    NativeHandle handle() {
        return handle;
    }

    // --- the login ----------------------------------------------------------------------------

    /**
     * The URL that starts a login, at the authorization endpoint of the client's discovery
     * (fetched on first use, within {@code timeoutMs}), with a fresh state, nonce and S256 PKCE
     * pair. Keep the returned request until the callback. Needs {@code redirectUri}.
     *
     * @throws ConfigException {@code invalid_argument} for {@code prompt=none} with
     *                         {@code offline_access}, or an extra parameter the library sets
     * @throws CallbackException {@code issuer_mismatch} when discovery is another provider's
     */
    public @NotNull AuthorizeRequest authorizeUrl(@Nullable AuthorizeOptions options) {
        final String json = options == null ? null : options.toJson();
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_authorize_url(client, json), Results.AUTHORIZE);
        } finally {
            handle.release();
        }
    }

    /** {@link #authorizeUrl(AuthorizeOptions)} with the library's defaults (scope {@code openid profile}). */
    public @NotNull AuthorizeRequest authorizeUrl() {
        return authorizeUrl(null);
    }

    /**
     * Checks the full URL the browser came back to (scheme, host, port and path of
     * {@code redirectUri}, the login's state, RFC 9207's {@code iss}, {@code error=}) and returns
     * its code. May fetch discovery once.
     *
     * @throws CallbackException {@code state_mismatch} or {@code issuer_mismatch}
     * @throws OAuthException the callback's {@code error=} (e.g. {@code access_denied}), without HTTP status
     * @throws ConfigException {@code invalid_argument}: not the redirect URI, no code, not a URL
     */
    public @NotNull Callback parseCallback(@Nullable String callbackUrl, @Nullable String expectedState) {
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_parse_callback(client, callbackUrl, expectedState),
                    Results.CALLBACK);
        } finally {
            handle.release();
        }
    }

    /**
     * Finishes a login: {@link #parseCallback} with the request's state, then
     * {@link #exchangeCode(String, ExchangeOptions)} with its verifier and nonce.
     */
    public @NotNull Tokens exchangeCallback(@Nullable String callbackUrl, @NotNull AuthorizeRequest request) {
        Callback callback = parseCallback(callbackUrl, request.getState());
        return exchangeCode(callback.getCode(), ExchangeOptions.of(request.getCodeVerifier(), request.getNonce()));
    }

    // --- tokens -------------------------------------------------------------------------------

    /** Exchanges the authorization code of a login that did not use PKCE. */
    public @NotNull Tokens exchangeCode(@Nullable String code) {
        return exchangeCode(code, (String) null);
    }

    /** Exchanges an authorization code; {@code codeVerifier} is null unless the login used PKCE. */
    public @NotNull Tokens exchangeCode(@Nullable String code, @Nullable String codeVerifier) {
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_exchange_code(client, code, codeVerifier));
        } finally {
            handle.release();
        }
    }

    /** Exchanges an authorization code with a PKCE verifier and/or the login's nonce. */
    public @NotNull Tokens exchangeCode(@Nullable String code, @Nullable ExchangeOptions options) {
        String json = options == null ? null : options.toJson();
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_exchange_code_with(client, code, json));
        } finally {
            handle.release();
        }
    }

    /** Exchanges a refresh token; store the result's refresh token when it has one (rotation). */
    public @NotNull Tokens refresh(@Nullable String refreshToken) {
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_refresh(client, refreshToken));
        } finally {
            handle.release();
        }
    }

    /**
     * A {@link Session} seeded with {@code tokens}: it hands out tokens that are still valid,
     * refreshing through this client, one refresh at a time however many threads ask.
     */
    public @NotNull Session session(@NotNull Tokens tokens) {
        return session(tokens.toJson());
    }

    /**
     * A {@link Session} seeded with a token document or a whole result document (JSON), e.g.
     * what {@link Tokens#toJson()} or {@link Session#tokens()} gave before.
     *
     * @throws ConfigException {@code invalid_argument} when it is no token document
     */
    public @NotNull Session session(@NotNull String tokensJson) {
        return new Session(this, tokensJson);
    }

    // --- revocation, introspection, userinfo --------------------------------------------------

    /**
     * Revokes a token (RFC 7009); {@code tokenTypeHint} is null, {@code "access_token"} or
     * {@code "refresh_token"}. Revoking a refresh token ends the grant. A token the provider did
     * not know is no error.
     */
    public void revoke(@Nullable String token, @Nullable String tokenTypeHint) {
        Pointer client = handle.acquire();
        try {
            Results.take(lib.genauth_client_revoke(client, token, tokenTypeHint), Results.OK);
        } finally {
            handle.release();
        }
    }

    /** {@link #revoke(String, String)} without a hint. */
    public void revoke(@Nullable String token) {
        revoke(token, null);
    }

    /** Asks the provider about a token (RFC 7662): a revoked or expired one is inactive, not an error. */
    public @NotNull Introspection introspect(@Nullable String token) {
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_introspect(client, token), Results.INTROSPECTION);
        } finally {
            handle.release();
        }
    }

    /** The user's claims from the userinfo endpoint, with {@code accessToken} as Bearer credential. */
    public @NotNull UserInfo userinfo(@Nullable String accessToken) {
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_userinfo(client, accessToken), Results.USERINFO);
        } finally {
            handle.release();
        }
    }

    // --- more grants: machine to machine, devices, logout -------------------------------------

    /** The {@code client_credentials} grant (machine to machine); {@code scope} may be null. */
    public @NotNull Tokens clientCredentials(@Nullable String scope) {
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_credentials(client, scopeOptions(scope)));
        } finally {
            handle.release();
        }
    }

    /** {@link #clientCredentials(String)} without blocking. */
    public @NotNull CompletableFuture<Tokens> clientCredentialsAsync(@Nullable String scope) {
        final String json = scopeOptions(scope);
        return async(Results.TOKENS, (client, cb, ud) -> lib.genauth_client_credentials_async(client, json, cb, ud));
    }

    /**
     * The RP-Initiated Logout URL (discovery's {@code end_session_endpoint}, else
     * {@code {appHost}/{protocol}/session/end}); each argument may be null.
     */
    public @NotNull String logoutUrl(@Nullable String idTokenHint, @Nullable String postLogoutRedirectUri,
                                     @Nullable String state) {
        String options = logoutOptions(idTokenHint, postLogoutRedirectUri, state);
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_logout_url(client, options), Results.LOGOUT);
        } finally {
            handle.release();
        }
    }

    /** {@link #logoutUrl(String, String, String)} without blocking (discovery may be fetched). */
    public @NotNull CompletableFuture<String> logoutUrlAsync(@Nullable String idTokenHint,
                                                             @Nullable String postLogoutRedirectUri,
                                                             @Nullable String state) {
        final String json = logoutOptions(idTokenHint, postLogoutRedirectUri, state);
        return async(Results.LOGOUT, (client, cb, ud) -> lib.genauth_client_logout_url_async(client, json, cb, ud));
    }

    /** Starts the device authorization grant (RFC 8628); {@code scope} may be null. */
    public @NotNull DeviceAuthorization deviceStart(@Nullable String scope) {
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_device_start(client, scopeOptions(scope)), Results.DEVICE);
        } finally {
            handle.release();
        }
    }

    /** {@link #deviceStart(String)} without blocking. */
    public @NotNull CompletableFuture<DeviceAuthorization> deviceStartAsync(@Nullable String scope) {
        final String json = scopeOptions(scope);
        return async(Results.DEVICE, (client, cb, ud) -> lib.genauth_client_device_start_async(client, json, cb, ud));
    }

    /**
     * Polls for the device's tokens at the provider's interval, blocking up to
     * {@code maxWaitSeconds} (a negative value counts as 0); then {@code authorization_pending}
     * (poll again).
     */
    public @NotNull Tokens devicePoll(@Nullable String deviceCode, int maxWaitSeconds) {
        int wait = Math.max(0, maxWaitSeconds); // the C argument is unsigned
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_device_poll(client, deviceCode, wait));
        } finally {
            handle.release();
        }
    }

    /**
     * {@link #devicePoll(String, int)} without blocking: no thread waits while the library polls;
     * the future completes with the tokens, the provider's refusal, or
     * {@code authorization_pending} once {@code maxWaitSeconds} end.
     */
    public @NotNull CompletableFuture<Tokens> devicePollAsync(@Nullable String deviceCode, int maxWaitSeconds) {
        final int wait = Math.max(0, maxWaitSeconds);
        return async(Results.TOKENS, (client, cb, ud) -> lib.genauth_client_device_poll_async(client, deviceCode, wait, cb, ud));
    }

    /**
     * Desktop and command-line login (RFC 8252): listens on 127.0.0.1, hands the login URL to
     * {@code onUrl} (null: the system browser is opened), waits for one callback, exchanges its
     * code. {@code optionsJson}: {@code {"scope", "port", "timeoutSeconds", "prompt",
     * "extraParams"}} or null. {@code onUrl} runs on this thread and must return at once.
     *
     * <p>It blocks until the browser comes back (there is no {@code Async} form): from a UI
     * thread, run it on an executor of your own, e.g.
     * {@code CompletableFuture.supplyAsync(() -> client.loginLoopback(options, onUrl), executor)}.
     */
    public @NotNull Tokens loginLoopback(@Nullable String optionsJson,
                                         @Nullable java.util.function.Consumer<String> onUrl) {
        GenAuthLibrary.UrlCallback callback = onUrl == null ? null
                : (userData, url) -> onUrl.accept(url == null ? "" : url);
        Pointer client = handle.acquire();
        try {
            return Results.take(lib.genauth_client_login_loopback(client, optionsJson, callback, null));
        } finally {
            handle.release();
            keepAlive(callback);
        }
    }

    // The JNA callback must stay reachable until the native call returned (no reachabilityFence
    // on Java 8): a volatile write the JIT cannot drop.
    private static volatile Object lastCallback;

    private static void keepAlive(Object callback) {
        lastCallback = callback;
    }

    static String logoutOptions(@Nullable String idTokenHint, @Nullable String postLogoutRedirectUri,
                                @Nullable String state) {
        org.json.JSONObject options = new org.json.JSONObject();
        if (idTokenHint != null) options.put("idTokenHint", idTokenHint);
        if (postLogoutRedirectUri != null) options.put("postLogoutRedirectUri", postLogoutRedirectUri);
        if (state != null) options.put("state", state);
        return options.toString();
    }

    static String scopeOptions(@Nullable String scope) {
        org.json.JSONObject options = new org.json.JSONObject();
        if (scope != null) options.put("scope", scope);
        return options.toString();
    }

    // --- the same without blocking ------------------------------------------------------------

    private <T> CompletableFuture<T> async(Results.Parser<T> parser, final Call call) {
        final Pointer client = handle.acquire();
        try {
            return AsyncCalls.submit(executor, parser, new AsyncCalls.Start() {
                @Override
                public int start(GenAuthLibrary.ResultCallback cb, Pointer userData) {
                    return call.start(client, cb, userData);
                }
            });
        } finally {
            handle.release(); // the library copied everything and keeps its client alive itself
        }
    }

    /** One {@code genauth_client_*_async} call on a client pointer. */
    interface Call {
        int start(Pointer client, GenAuthLibrary.ResultCallback cb, Pointer userData);
    }

    /** {@link #authorizeUrl(AuthorizeOptions)} without blocking (discovery may be fetched). */
    public @NotNull CompletableFuture<AuthorizeRequest> authorizeUrlAsync(@Nullable AuthorizeOptions options) {
        final String json = options == null ? null : options.toJson();
        return async(Results.AUTHORIZE, (client, cb, ud) -> lib.genauth_client_authorize_url_async(client, json, cb, ud));
    }

    /** {@link #parseCallback(String, String)} without blocking (discovery may be fetched). */
    public @NotNull CompletableFuture<Callback> parseCallbackAsync(@Nullable String callbackUrl,
                                                                   @Nullable String expectedState) {
        return async(Results.CALLBACK,
                (client, cb, ud) -> lib.genauth_client_parse_callback_async(client, callbackUrl, expectedState, cb, ud));
    }

    /** {@link #exchangeCallback(String, AuthorizeRequest)} without blocking. */
    public @NotNull CompletableFuture<Tokens> exchangeCallbackAsync(@Nullable String callbackUrl,
                                                                    @NotNull AuthorizeRequest request) {
        return parseCallbackAsync(callbackUrl, request.getState()).thenCompose(callback -> exchangeCodeAsync(
                callback.getCode(), ExchangeOptions.of(request.getCodeVerifier(), request.getNonce())));
    }

    /** {@link #exchangeCode(String)} without blocking. */
    public @NotNull CompletableFuture<Tokens> exchangeCodeAsync(@Nullable String code) {
        return exchangeCodeAsync(code, (String) null);
    }

    /** {@link #exchangeCode(String, String)} without blocking. */
    public @NotNull CompletableFuture<Tokens> exchangeCodeAsync(@Nullable String code, @Nullable String codeVerifier) {
        return exchangeCodeAsync(code, ExchangeOptions.of(codeVerifier, null));
    }

    /** {@link #exchangeCode(String, ExchangeOptions)} without blocking. */
    public @NotNull CompletableFuture<Tokens> exchangeCodeAsync(@Nullable String code, @Nullable ExchangeOptions options) {
        final String json = options == null ? null : options.toJson();
        return async(Results.TOKENS, (client, cb, ud) -> lib.genauth_client_exchange_code_async(client, code, json, cb, ud));
    }

    /** {@link #refresh(String)} without blocking. */
    public @NotNull CompletableFuture<Tokens> refreshAsync(@Nullable String refreshToken) {
        return async(Results.TOKENS, (client, cb, ud) -> lib.genauth_client_refresh_async(client, refreshToken, cb, ud));
    }

    /** {@link #revoke(String, String)} without blocking. */
    public @NotNull CompletableFuture<Void> revokeAsync(@Nullable String token, @Nullable String tokenTypeHint) {
        return async(Results.OK, (client, cb, ud) -> lib.genauth_client_revoke_async(client, token, tokenTypeHint, cb, ud));
    }

    /** {@link #introspect(String)} without blocking. */
    public @NotNull CompletableFuture<Introspection> introspectAsync(@Nullable String token) {
        return async(Results.INTROSPECTION, (client, cb, ud) -> lib.genauth_client_introspect_async(client, token, cb, ud));
    }

    /** {@link #userinfo(String)} without blocking. */
    public @NotNull CompletableFuture<UserInfo> userinfoAsync(@Nullable String accessToken) {
        return async(Results.USERINFO, (client, cb, ud) -> lib.genauth_client_userinfo_async(client, accessToken, cb, ud));
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Releases the native client (once; later calls do nothing). */
    @Override
    public void close() {
        handle.close();
    }
}
