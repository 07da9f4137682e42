package io.libgenauth.kotlin

import io.libgenauth.GenAuthConfig

/**
 * A client's config: one property per key of the library's config document. Null properties are
 * not sent, so the library's defaults apply. [toString] hides [appSecret] and [proxy].
 */
public data class ClientConfig(
    /** The client_id. */
    val appId: String,
    /** E.g. `https://your-app.genauth.ai`. */
    val appHost: String,
    /** Required unless [tokenEndPointAuthMethod] is `none` (public clients: mobile apps). */
    val appSecret: String? = null,
    /** Where the browser comes back; required for logins and code exchange. */
    val redirectUri: String? = null,
    /** `client_secret_post` (default), `client_secret_basic` or `none`. */
    val tokenEndPointAuthMethod: String? = null,
    /** `oidc` (default) or `oauth`. */
    val protocol: String? = null,
    /** Deadline of each call, 1..300000 ms (default 10000). */
    val timeoutMs: Int? = null,
    /** Extra trusted root certificate(s), PEM. */
    val caCertPem: String? = null,
    /** Verify every id_token (default true). */
    val validateIdToken: Boolean? = null,
    /** Leeway for id_token times, 0..600 s (default 60). */
    val clockSkewSeconds: Int? = null,
    /** `none` or an `http://`/`https://` proxy URL for `https://` requests. */
    val proxy: String? = null,
) {
    /** The Java binding's config. */
    public fun toJava(): GenAuthConfig = GenAuthConfig.builder()
        .appId(appId)
        .appHost(appHost)
        .appSecret(appSecret)
        .redirectUri(redirectUri)
        .tokenEndPointAuthMethod(tokenEndPointAuthMethod)
        .protocol(protocol)
        .timeoutMs(timeoutMs)
        .caCertPem(caCertPem)
        .validateIdToken(validateIdToken)
        .clockSkewSeconds(clockSkewSeconds)
        .proxy(proxy)
        .build()

    override fun toString(): String = "ClientConfig(" + toJava().toString().removePrefix("GenAuthConfig{").removeSuffix("}") + ")"
}
