package io.libgenauth.kotlin

import io.libgenauth.KotlinBridge

/**
 * The tokens of a successful exchange or refresh. Fields the provider did not send are null;
 * [raw] holds every field it sent. [expiresAt] is the receipt time plus `expires_in` (Unix
 * seconds); [idTokenClaims] the verified id_token payload (empty when none was verified).
 * [toString] never shows a token.
 */
public data class Tokens(
    val accessToken: String,
    val tokenType: String?,
    val expiresIn: Long?,
    val expiresAt: Long?,
    val refreshToken: String?,
    val idToken: String?,
    val scope: String?,
    val idTokenClaims: Map<String, Any?>,
    val raw: Map<String, Any?>,
) {
    /** The whole `tokens` object as JSON, to persist (encrypted: it holds the tokens). */
    public fun toJson(): String = KotlinBridge.writeJson(raw)

    override fun toString(): String =
        "Tokens(fields=${raw.keys}, tokenType=$tokenType, expiresAt=$expiresAt, scope=$scope)"

    public companion object {
        /** Tokens from a `tokens` object or a whole result document, e.g. [toJson]'s. */
        public fun fromJson(json: String): Tokens = io.libgenauth.Tokens.fromJson(json).toKotlin()
    }
}

/**
 * A login request: open [url] in the browser (a Custom Tab on Android), keep the rest until the
 * callback ([Client.exchangeCallback]). [codeVerifier] is the PKCE secret: [toString] hides it.
 */
public data class AuthorizeRequest(
    val url: String,
    val state: String,
    val nonce: String,
    val codeVerifier: String,
) {
    /** `{"url", "state", "nonce", "code_verifier"}`, to survive a process death (holds the verifier). */
    public fun toJson(): String = toJava().toJson()

    override fun toString(): String = "AuthorizeRequest(url=$url, state=$state, nonce=$nonce, codeVerifier=***)"

    internal fun toJava(): io.libgenauth.AuthorizeRequest = io.libgenauth.AuthorizeRequest(url, state, nonce, codeVerifier)

    public companion object {
        /** Reads back what [toJson] wrote. */
        public fun fromJson(json: String): AuthorizeRequest = io.libgenauth.AuthorizeRequest.fromJson(json).toKotlin()
    }
}

/** A checked login callback: its single-use [code] (hidden by [toString]) and [state]. */
public data class Callback(val code: String, val state: String) {
    override fun toString(): String = "Callback(code=***, state=$state)"
}

/** The provider's answer about a token (RFC 7662): a revoked or expired one is not [active]. */
public data class Introspection(
    val active: Boolean,
    val scope: String?,
    val clientId: String?,
    val sub: String?,
    val tokenType: String?,
    val exp: Long?,
    val iat: Long?,
    val iss: String?,
    val raw: Map<String, Any?>,
)

/** The user's claims from the userinfo endpoint; any other claim is in [raw]. */
public data class UserInfo(
    val sub: String?,
    val name: String?,
    val email: String?,
    val emailVerified: Boolean?,
    val raw: Map<String, Any?>,
)

/**
 * A device authorization (RFC 8628) from [Client.deviceStart]: show [userCode] and
 * [verificationUri] (or [verificationUriComplete]) to the user, then [Client.devicePoll] with
 * [deviceCode] ([toString] hides it).
 */
public data class DeviceAuthorization(
    val deviceCode: String,
    val userCode: String,
    val verificationUri: String,
    val verificationUriComplete: String?,
    val expiresIn: Long?,
    val interval: Long?,
) {
    override fun toString(): String =
        "DeviceAuthorization(deviceCode=***, userCode=$userCode, verificationUri=$verificationUri, " +
            "verificationUriComplete=$verificationUriComplete, expiresIn=$expiresIn, interval=$interval)"
}

internal fun io.libgenauth.Tokens.toKotlin(): Tokens = Tokens(
    accessToken = accessToken ?: "",
    tokenType = tokenType,
    expiresIn = expiresIn,
    expiresAt = expiresAt,
    refreshToken = refreshToken,
    idToken = idToken,
    scope = scope,
    idTokenClaims = idTokenClaims,
    raw = raw,
)

internal fun io.libgenauth.AuthorizeRequest.toKotlin(): AuthorizeRequest =
    AuthorizeRequest(url = url, state = state, nonce = nonce, codeVerifier = codeVerifier)

internal fun io.libgenauth.Callback.toKotlin(): Callback = Callback(code = code, state = state)

internal fun io.libgenauth.Introspection.toKotlin(): Introspection = Introspection(
    active = isActive,
    scope = scope,
    clientId = clientId,
    sub = sub,
    tokenType = tokenType,
    exp = exp,
    iat = iat,
    iss = iss,
    raw = raw,
)

internal fun io.libgenauth.UserInfo.toKotlin(): UserInfo =
    UserInfo(sub = sub, name = name, email = email, emailVerified = emailVerified, raw = raw)

internal fun io.libgenauth.DeviceAuthorization.toKotlin(): DeviceAuthorization = DeviceAuthorization(
    deviceCode = deviceCode,
    userCode = userCode,
    verificationUri = verificationUri,
    verificationUriComplete = verificationUriComplete,
    expiresIn = expiresIn,
    interval = interval,
)
