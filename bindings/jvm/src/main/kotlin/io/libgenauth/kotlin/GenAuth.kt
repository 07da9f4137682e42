package io.libgenauth.kotlin

import io.libgenauth.AuthorizeOptions
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import io.libgenauth.GenAuth as JavaGenAuth

/** The library's version, Android's initialisation and the one-shot calls. */
public object GenAuth {
    /** The native library's version, e.g. `0.1.0`. */
    public fun version(): String = JavaGenAuth.version()

    /**
     * On Android, prepares the library's TLS certificate verification with [context] (any
     * `android.content.Context`); once per process, before the first `https://` request, e.g. in
     * `Application.onCreate`. Off Android it does nothing and returns false.
     */
    public fun initAndroid(context: Any): Boolean = JavaGenAuth.initAndroid(context)

    /** A login URL from a config alone, without discovery and without network. Prefer [Client.authorizeUrl]. */
    public fun buildAuthorizeUrl(
        config: ClientConfig,
        scope: String? = null,
        prompt: String? = null,
        extraParams: Map<String, String> = emptyMap(),
    ): AuthorizeRequest {
        var options = AuthorizeOptions.scope(scope).withPrompt(prompt)
        for ((key, value) in extraParams) options = options.withExtraParam(key, value)
        return JavaGenAuth.buildAuthorizeUrl(config.toJava(), options).toKotlin()
    }

    /** Checks a callback URL from a config alone (no network). Prefer [Client.parseCallback]. */
    public fun parseCallback(config: ClientConfig, callbackUrl: String, expectedState: String): Callback =
        JavaGenAuth.parseCallback(config.toJava(), callbackUrl, expectedState).toKotlin()

    /** One-shot code exchange (the library has no non-blocking form: runs on [Dispatchers.IO]). */
    public suspend fun exchangeCode(config: ClientConfig, code: String, codeVerifier: String? = null): Tokens =
        withContext(Dispatchers.IO) { JavaGenAuth.exchangeCode(config.toJava(), code, codeVerifier).toKotlin() }

    /** One-shot refresh, on [Dispatchers.IO]. */
    public suspend fun refresh(config: ClientConfig, refreshToken: String): Tokens =
        withContext(Dispatchers.IO) { JavaGenAuth.refresh(config.toJava(), refreshToken).toKotlin() }
}
