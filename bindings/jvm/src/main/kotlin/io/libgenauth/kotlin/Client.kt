package io.libgenauth.kotlin

import io.libgenauth.AuthorizeOptions
import io.libgenauth.ExchangeOptions
import io.libgenauth.GenAuthClient
import io.libgenauth.KotlinBridge
import java.util.function.Consumer
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/**
 * A long-lived client with `suspend` functions over the library's non-blocking calls: no thread
 * waits while a request runs, so they are safe from `Dispatchers.Main`. Thread-safe; share one
 * per app and [close] it when done.
 *
 * Cancelling a coroutine suspended in one of these calls resumes it at once with a
 * `CancellationException`; the request itself runs to its end and its result is freed and
 * dropped. Failures are [io.libgenauth.GenAuthException]s (`OAuthException`, `NetworkException`,
 * ...), thrown from the suspended call.
 *
 * On Android, pass [androidContext] (any `Context`; its application context is kept) once per
 * process before the first `https://` request, or call [GenAuth.initAndroid]: the library's TLS
 * verifier needs it. Off Android it is ignored.
 */
public class Client(config: ClientConfig, androidContext: Any? = null) : AutoCloseable {
    init {
        if (androidContext != null) GenAuth.initAndroid(androidContext)
    }

    /** The Java client underneath, for its blocking and `CompletableFuture` calls. */
    public val java: GenAuthClient = GenAuthClient(config.toJava())

    /**
     * The URL that starts a login (discovery's authorization endpoint, fetched on first use),
     * with a fresh state, nonce and PKCE pair. Keep the request until the callback.
     */
    public suspend fun authorizeUrl(
        scope: String? = null,
        prompt: String? = null,
        extraParams: Map<String, String> = emptyMap(),
    ): AuthorizeRequest {
        var options = AuthorizeOptions.scope(scope).withPrompt(prompt)
        for ((key, value) in extraParams) options = options.withExtraParam(key, value)
        return KotlinBridge.authorizeUrl(java, options).toKotlin()
    }

    /** Checks the URL the browser came back to against the login's [expectedState]; returns its code. */
    public suspend fun parseCallback(callbackUrl: String, expectedState: String): Callback =
        KotlinBridge.parseCallback(java, callbackUrl, expectedState).toKotlin()

    /** Finishes a login: [parseCallback] with the request's state, then [exchangeCode] with its verifier and nonce. */
    public suspend fun exchangeCallback(callbackUrl: String, request: AuthorizeRequest): Tokens {
        val callback = parseCallback(callbackUrl, request.state)
        return exchangeCode(callback.code, codeVerifier = request.codeVerifier, nonce = request.nonce)
    }

    /** Exchanges an authorization code; [codeVerifier] when the login used PKCE, [nonce] the login's. */
    public suspend fun exchangeCode(code: String, codeVerifier: String? = null, nonce: String? = null): Tokens =
        KotlinBridge.exchangeCode(java, code, ExchangeOptions.of(codeVerifier, nonce)).toKotlin()

    /** Exchanges a refresh token; store the result's refresh token (rotation). */
    public suspend fun refresh(refreshToken: String): Tokens = KotlinBridge.refresh(java, refreshToken).toKotlin()

    /** Revokes a token (RFC 7009); [tokenTypeHint] is null, `access_token` or `refresh_token`. */
    public suspend fun revoke(token: String, tokenTypeHint: String? = null) {
        KotlinBridge.revoke(java, token, tokenTypeHint)
    }

    /** Asks the provider about a token (RFC 7662). */
    public suspend fun introspect(token: String): Introspection = KotlinBridge.introspect(java, token).toKotlin()

    /** The user's claims, with [accessToken] as Bearer credential. */
    public suspend fun userinfo(accessToken: String): UserInfo = KotlinBridge.userinfo(java, accessToken).toKotlin()

    /** Tokens for the client itself (the `client_credentials` grant: machine to machine, no id_token). */
    public suspend fun clientCredentials(scope: String? = null): Tokens =
        KotlinBridge.clientCredentials(java, scope).toKotlin()

    /**
     * The URL that signs the user out at the provider (RP-Initiated Logout 1.0): discovery's
     * `end_session_endpoint`, else `{appHost}/{protocol}/session/end`.
     */
    public suspend fun logoutUrl(
        idTokenHint: String? = null,
        postLogoutRedirectUri: String? = null,
        state: String? = null,
    ): String = KotlinBridge.logoutUrl(java, idTokenHint, postLogoutRedirectUri, state)

    /** Starts a device authorization (RFC 8628): show the user code and URI, then [devicePoll]. */
    public suspend fun deviceStart(scope: String? = null): DeviceAuthorization =
        KotlinBridge.deviceStart(java, scope).toKotlin()

    /**
     * Waits for the user to approve the device, polling at the provider's interval; no thread
     * waits meanwhile. Throws `authorization_pending` when [maxWaitSeconds] end first (poll
     * again), `oauth_error` (`access_denied`, `expired_token`) when the provider ends it.
     */
    public suspend fun devicePoll(deviceCode: String, maxWaitSeconds: Int = 60): Tokens =
        KotlinBridge.devicePoll(java, deviceCode, maxWaitSeconds).toKotlin()

    /**
     * A whole login for a desktop or command-line app (RFC 8252): listens on 127.0.0.1 ([port],
     * 0 for any free one), hands the login URL to [onUrl] (null: the system browser is opened),
     * waits up to [timeoutSeconds] for the browser's callback, exchanges its code and returns the
     * verified tokens. The library has no non-blocking form of it (it waits for a person): it runs
     * on [Dispatchers.IO], where [onUrl] runs too (it must return at once), and cancelling the
     * coroutine does not end the wait before the callback or the timeout.
     */
    public suspend fun loginLoopback(
        scope: String? = null,
        prompt: String? = null,
        extraParams: Map<String, String> = emptyMap(),
        port: Int = 0,
        timeoutSeconds: Int = 300,
        onUrl: ((String) -> Unit)? = null,
    ): Tokens {
        val options = mutableMapOf<String, Any?>("port" to port, "timeoutSeconds" to timeoutSeconds)
        if (scope != null) options["scope"] = scope
        if (prompt != null) options["prompt"] = prompt
        if (extraParams.isNotEmpty()) options["extraParams"] = extraParams
        val json = KotlinBridge.writeJson(options)
        return withContext(Dispatchers.IO) {
            java.loginLoopback(json, onUrl?.let { handler -> Consumer<String> { handler(it) } }).toKotlin()
        }
    }

    /** A [Session] seeded with [tokens]. */
    public fun session(tokens: Tokens): Session = session(tokens.toJson())

    /** A [Session] seeded with a token document or a whole result document (JSON). */
    public fun session(tokensJson: String): Session = Session(java.session(tokensJson))

    /** Releases the native client; calls in flight finish first. Idempotent. */
    override fun close() {
        java.close()
    }
}

/**
 * Always-fresh tokens: [freshTokens] refreshes when less than `minValidSeconds` of life is
 * left, one refresh at a time however many coroutines ask (they share its result, error
 * included). Persist [tokens] after a refresh: the refresh token may have rotated.
 */
public class Session internal constructor(
    /** The Java session underneath. */
    public val java: io.libgenauth.Session,
) : AutoCloseable {
    /** Tokens with more than [minValidSeconds] of life left, refreshed first when needed. */
    public suspend fun freshTokens(minValidSeconds: Int = io.libgenauth.Session.DEFAULT_MIN_VALID_SECONDS): Tokens =
        KotlinBridge.freshTokens(java, minValidSeconds).toKotlin()

    /** The current tokens as they are (no network). */
    public fun tokens(): Tokens = java.tokens().toKotlin()

    /** Releases the native session; a [freshTokens] in flight completes first. Idempotent. */
    override fun close() {
        java.close()
    }
}
