package io.libgenauth

import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.suspendCancellableCoroutine

/*
 * The coroutine side of the `_async` C calls, for io.libgenauth.kotlin. It lives in this package
 * to reach the binding's package-private plumbing (handles, the one JNA callback, the result
 * parsers); `internal` keeps it out of the public API.
 */

/**
 * Starts one `_async` call and suspends until its callback. Cancellation forgets the receiver at
 * once (so the continuation and what it holds can be collected); the native call runs to its end
 * and its callback still frees the result document, exactly once, and drops it.
 */
private suspend fun <T> awaitNative(parser: Results.Parser<T>, start: AsyncCalls.Start): T =
    suspendCancellableCoroutine { continuation ->
        val sink = AsyncCalls.Sink { document ->
            // A library thread: parse here (cheap), resume dispatches to the coroutine's own
            // dispatcher (with Dispatchers.Unconfined the caller's code would run here, where a
            // blocking call is refused with reentrant_call).
            val parsed = runCatching { parser.parse(document) }
            parsed.fold({ continuation.resume(it) }, { continuation.resumeWithException(it) })
        }
        val id = try {
            AsyncCalls.start(sink, start)
        } catch (e: Throwable) {
            continuation.resumeWithException(e)
            return@suspendCancellableCoroutine
        }
        continuation.invokeOnCancellation { AsyncCalls.cancel(id) }
    }

private suspend fun <T> GenAuthClient.await(parser: Results.Parser<T>, call: GenAuthClient.Call): T =
    awaitNative(parser) { cb, userData ->
        val pointer = handle().acquire()
        try {
            call.start(pointer, cb, userData)
        } finally {
            handle().release() // the library copied the arguments and keeps the client alive
        }
    }

internal object KotlinBridge {
    private val lib: GenAuthLibrary get() = GenAuthNative.library()

    suspend fun authorizeUrl(client: GenAuthClient, options: AuthorizeOptions?): AuthorizeRequest {
        val json = options?.toJson()
        return client.await(Results.AUTHORIZE) { c, cb, ud -> lib.genauth_client_authorize_url_async(c, json, cb, ud) }
    }

    suspend fun parseCallback(client: GenAuthClient, callbackUrl: String, expectedState: String): Callback =
        client.await(Results.CALLBACK) { c, cb, ud ->
            lib.genauth_client_parse_callback_async(c, callbackUrl, expectedState, cb, ud)
        }

    suspend fun exchangeCode(client: GenAuthClient, code: String, options: ExchangeOptions): Tokens {
        val json = options.toJson()
        return client.await(Results.TOKENS) { c, cb, ud -> lib.genauth_client_exchange_code_async(c, code, json, cb, ud) }
    }

    suspend fun refresh(client: GenAuthClient, refreshToken: String): Tokens =
        client.await(Results.TOKENS) { c, cb, ud -> lib.genauth_client_refresh_async(c, refreshToken, cb, ud) }

    suspend fun revoke(client: GenAuthClient, token: String, tokenTypeHint: String?) {
        client.await(Results.OK) { c, cb, ud -> lib.genauth_client_revoke_async(c, token, tokenTypeHint, cb, ud) }
    }

    suspend fun introspect(client: GenAuthClient, token: String): Introspection =
        client.await(Results.INTROSPECTION) { c, cb, ud -> lib.genauth_client_introspect_async(c, token, cb, ud) }

    suspend fun userinfo(client: GenAuthClient, accessToken: String): UserInfo =
        client.await(Results.USERINFO) { c, cb, ud -> lib.genauth_client_userinfo_async(c, accessToken, cb, ud) }

    suspend fun clientCredentials(client: GenAuthClient, scope: String?): Tokens {
        val json = GenAuthClient.scopeOptions(scope)
        return client.await(Results.TOKENS) { c, cb, ud -> lib.genauth_client_credentials_async(c, json, cb, ud) }
    }

    suspend fun logoutUrl(client: GenAuthClient, idTokenHint: String?, postLogoutRedirectUri: String?, state: String?): String {
        val json = GenAuthClient.logoutOptions(idTokenHint, postLogoutRedirectUri, state)
        return client.await(Results.LOGOUT) { c, cb, ud -> lib.genauth_client_logout_url_async(c, json, cb, ud) }
    }

    suspend fun deviceStart(client: GenAuthClient, scope: String?): DeviceAuthorization {
        val json = GenAuthClient.scopeOptions(scope)
        return client.await(Results.DEVICE) { c, cb, ud -> lib.genauth_client_device_start_async(c, json, cb, ud) }
    }

    suspend fun devicePoll(client: GenAuthClient, deviceCode: String, maxWaitSeconds: Int): Tokens {
        require(maxWaitSeconds >= 0) { "maxWaitSeconds must not be negative" }
        return client.await(Results.TOKENS) { c, cb, ud ->
            lib.genauth_client_device_poll_async(c, deviceCode, maxWaitSeconds, cb, ud)
        }
    }

    suspend fun freshTokens(session: Session, minValidSeconds: Int): Tokens {
        require(minValidSeconds >= 0) { "minValidSeconds must not be negative" }
        return awaitNative(Results.TOKENS) { cb, ud ->
            val pointer = session.handle().acquire()
            try {
                lib.genauth_session_fresh_tokens_async(pointer, minValidSeconds, cb, ud)
            } finally {
                session.handle().release()
            }
        }
    }

    /** A JSON object text of a map (nested maps and lists included). */
    fun writeJson(map: Map<String, Any?>): String = Json.write(map)

    /** Calls whose result has not arrived and that were not cancelled (tests). */
    fun pendingCount(): Int = AsyncCalls.pendingCount()

    /** Results the shared callback received and freed (tests). */
    fun deliveredCount(): Long = AsyncCalls.deliveredCount()
}
