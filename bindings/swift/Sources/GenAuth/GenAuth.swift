// GenAuth.swift — a Swift wrapper over libgenauth's C ABI (genauth.h).
//
// NEVER COMPILED. No Swift toolchain exists where this file was written: it has never been
// compiled, linked or run; its only checks are a syntax parse and the repository's
// scripts/check-api-coverage (every genauth_* function of the header is called here). Read
// ../../README.md before relying on it, and expect to fix it on its first `swift build`.
//
// Memory and threading follow genauth.h: every string the library returns is released with
// genauth_string_free exactly once (takeString); a client is immutable and may be shared between
// threads and tasks; an async call's callback runs exactly once, on a library thread, and owns
// the result document. Each `async` function starts the library's non-blocking `_async` call
// inside withCheckedThrowingContinuation and is resumed by that callback: no thread waits.

import CGenAuth
import Foundation

// MARK: - JSON values

/// Any JSON value: the claims of an id_token, an introspection response or a userinfo reply.
public enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The string, when this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

// MARK: - Errors

/// A failed call: the "error" object of a result document (Codable with its wire names).
///
/// `code` is one of the library's stable codes: "invalid_config", "null_argument",
/// "invalid_utf8", "invalid_argument", "insecure_transport", "timeout", "connect_failed", "tls",
/// "oauth_error", "http_status", "invalid_response", "id_token_invalid", "state_mismatch",
/// "issuer_mismatch", "no_refresh_token", "reentrant_call", "internal". No error text contains
/// the client secret, a code, a verifier or a token.
public struct GenAuthError: Error, Codable, Equatable, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    /// The provider's HTTP status, when there was a reply.
    public let httpStatus: Int?
    /// RFC 6749 `error`, e.g. "invalid_grant", for code "oauth_error".
    public let oauthError: String?
    /// RFC 6749 `error_description`.
    public let oauthErrorDescription: String?
    /// The failed check, for code "id_token_invalid" ("signature", "exp", "nonce", ...).
    public let reason: String?
    /// When the provider accepted a grant and the call failed afterwards (the id_token did not
    /// verify, the deadline passed), the refresh token its reply carried — possibly a rotated
    /// one, the only one still valid: store it. Never shown by `description`.
    public internal(set) var refreshToken: String?
    /// The whole result document as the library returned it (it holds `refreshToken` too).
    /// Not part of the Codable form.
    public internal(set) var rawJSON: String = ""

    public var description: String { "\(code): \(message)" }

    enum CodingKeys: String, CodingKey {
        case code, message, reason
        case httpStatus = "http_status"
        case oauthError = "oauth_error"
        case oauthErrorDescription = "oauth_error_description"
        case refreshToken = "refresh_token"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        code = try c.decode(String.self, forKey: .code)
        message = (try? c.decodeIfPresent(String.self, forKey: .message)) ?? code
        httpStatus = try? c.decodeIfPresent(Int.self, forKey: .httpStatus)
        oauthError = try? c.decodeIfPresent(String.self, forKey: .oauthError)
        oauthErrorDescription = try? c.decodeIfPresent(String.self, forKey: .oauthErrorDescription)
        reason = try? c.decodeIfPresent(String.self, forKey: .reason)
        refreshToken = try? c.decodeIfPresent(String.self, forKey: .refreshToken)
    }

    init(code: String, message: String) {
        self.code = code
        self.message = message
        httpStatus = nil
        oauthError = nil
        oauthErrorDescription = nil
        reason = nil
        refreshToken = nil
        rawJSON = Document.failureText(code: code, message: message)
    }

    static func unreadable(_ text: String?) -> GenAuthError {
        var error = GenAuthError(code: "internal",
                                 message: "the library returned a document this wrapper cannot read")
        if let text = text { error.rawJSON = text }
        return error
    }
}

// MARK: - Config

/// The config document: every key of the library (the official Node SDK's option names).
/// Fields left nil are omitted, so the library's defaults apply. See the libgenauth README.
public struct GenAuthConfig: Codable, Equatable, Sendable {
    /// The client_id.
    public var appId: String
    /// The client secret; nil for public clients (`tokenEndPointAuthMethod` "none").
    public var appSecret: String?
    /// E.g. "https://your-app.genauth.ai"; http:// only for loopback hosts.
    public var appHost: String
    /// The login's redirect URI; needed for logins and code exchanges.
    public var redirectUri: String?
    /// "client_secret_post" (default), "client_secret_basic" or "none".
    public var tokenEndPointAuthMethod: String?
    /// "oidc" (default) or "oauth".
    public var `protocol`: String?
    /// The deadline of a whole call, 1...300000 ms (10000).
    public var timeoutMs: Int?
    /// Extra trusted root certificates, PEM.
    public var caCertPem: String?
    /// Verify every id_token received (default true).
    public var validateIdToken: Bool?
    /// Leeway for exp/iat/nbf, 0...600 s (60).
    public var clockSkewSeconds: Int?
    /// "none", or an http:// or https:// proxy URL for https:// hosts other than loopback.
    public var proxy: String?

    public init(appId: String, appSecret: String? = nil, appHost: String,
                redirectUri: String? = nil, tokenEndPointAuthMethod: String? = nil,
                `protocol`: String? = nil, timeoutMs: Int? = nil, caCertPem: String? = nil,
                validateIdToken: Bool? = nil, clockSkewSeconds: Int? = nil,
                proxy: String? = nil) {
        self.appId = appId
        self.appSecret = appSecret
        self.appHost = appHost
        self.redirectUri = redirectUri
        self.tokenEndPointAuthMethod = tokenEndPointAuthMethod
        self.protocol = `protocol`
        self.timeoutMs = timeoutMs
        self.caCertPem = caCertPem
        self.validateIdToken = validateIdToken
        self.clockSkewSeconds = clockSkewSeconds
        self.proxy = proxy
    }

    /// The config document as JSON text.
    public func jsonText() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }
}

// MARK: - Results

/// A login request: the URL to send the browser to, and what to keep until its callback.
/// Keep `codeVerifier` on the app's side (it proves the exchange comes from this login).
public struct AuthorizeRequest: Codable, Equatable, Sendable, CustomStringConvertible {
    /// The provider's authorize URL with every parameter: open it in the browser.
    public var url: String
    /// What the callback must carry back (checked by `parseCallback`).
    public var state: String
    /// What the id_token must carry (checked by the exchange).
    public var nonce: String
    /// The PKCE secret of this login.
    public var codeVerifier: String

    enum CodingKeys: String, CodingKey {
        case url, state, nonce
        case codeVerifier = "code_verifier"
    }

    /// A request restored from storage (it is also Codable).
    public init(url: String, state: String, nonce: String, codeVerifier: String) {
        self.url = url
        self.state = state
        self.nonce = nonce
        self.codeVerifier = codeVerifier
    }

    public var description: String {
        "AuthorizeRequest(url: \(url), state: \(state), nonce: \(nonce), codeVerifier: ***)"
    }
}

/// A checked login callback: its authorization code and state.
public struct Callback: Codable, Equatable, Sendable {
    public var code: String
    public var state: String
}

/// A started device authorization (RFC 8628): the "device" object of `deviceStart`.
public struct DeviceAuthorization: Codable, Equatable, Sendable {
    public var deviceCode: String
    public var userCode: String
    public var verificationURI: String
    public var verificationURIComplete: String?
    public var expiresIn: Int64
    public var interval: Int64

    enum CodingKeys: String, CodingKey {
        case deviceCode = "device_code"
        case userCode = "user_code"
        case verificationURI = "verification_uri"
        case verificationURIComplete = "verification_uri_complete"
        case expiresIn = "expires_in"
        case interval
    }
}

struct LogoutURL: Codable {
    var url: String
}

/// The "tokens" object of a successful call. Store the newest `refreshToken`: providers may
/// rotate it on every refresh.
public struct Tokens: Codable, Equatable, Sendable {
    public var accessToken: String
    public var idToken: String?
    public var refreshToken: String?
    public var tokenType: String?
    public var scope: String?
    /// Seconds, as the provider sent them.
    public var expiresIn: Int64?
    /// Unix seconds, added by the library (receipt time + expires_in).
    public var expiresAt: Int64?
    /// The verified id_token payload, when the library verified one.
    public var idTokenClaims: [String: JSONValue]?
    /// The "tokens" object as JSON, every field the provider sent included (re-serialized, so key
    /// order and spacing may differ from the library's text). Not part of the Codable form.
    public internal(set) var rawJSON: String = ""

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case idToken = "id_token"
        case refreshToken = "refresh_token"
        case tokenType = "token_type"
        case scope
        case expiresIn = "expires_in"
        case expiresAt = "expires_at"
        case idTokenClaims = "id_token_claims"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accessToken = try c.decode(String.self, forKey: .accessToken)
        // The library passes on what the provider sent: a field of an unexpected type is
        // treated as absent rather than failing the whole result.
        idToken = try? c.decodeIfPresent(String.self, forKey: .idToken)
        refreshToken = try? c.decodeIfPresent(String.self, forKey: .refreshToken)
        tokenType = try? c.decodeIfPresent(String.self, forKey: .tokenType)
        scope = try? c.decodeIfPresent(String.self, forKey: .scope)
        expiresIn = integer(c, .expiresIn)
        expiresAt = integer(c, .expiresAt)
        idTokenClaims = try? c.decodeIfPresent([String: JSONValue].self, forKey: .idTokenClaims)
    }

    /// The token document to seed a `Session` with or to persist: `rawJSON` when the tokens came
    /// from the library, else their Codable form.
    public func jsonText() throws -> String {
        if !rawJSON.isEmpty { return rawJSON }
        return String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }
}

/// An RFC 7662 introspection response. `active` false means revoked, expired or unknown.
public struct Introspection: Codable, Equatable, Sendable {
    public var active: Bool
    public var scope: String?
    public var clientId: String?
    public var username: String?
    public var tokenType: String?
    public var sub: String?
    public var iss: String?
    public var exp: Int64?
    public var iat: Int64?
    /// Every field of the response, the ones above included.
    public var claims: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case active, scope, username, sub, iss, exp, iat
        case clientId = "client_id"
        case tokenType = "token_type"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        active = (try? c.decodeIfPresent(Bool.self, forKey: .active)) ?? false
        scope = try? c.decodeIfPresent(String.self, forKey: .scope)
        clientId = try? c.decodeIfPresent(String.self, forKey: .clientId)
        username = try? c.decodeIfPresent(String.self, forKey: .username)
        tokenType = try? c.decodeIfPresent(String.self, forKey: .tokenType)
        sub = try? c.decodeIfPresent(String.self, forKey: .sub)
        iss = try? c.decodeIfPresent(String.self, forKey: .iss)
        exp = integer(c, .exp)
        iat = integer(c, .iat)
        claims = try [String: JSONValue](from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        try claims.encode(to: encoder)
    }
}

/// The user's claims from the userinfo endpoint: `sub` and the claims of the granted scopes.
public struct UserInfo: Codable, Equatable, Sendable {
    public var sub: String
    public var name: String?
    public var email: String?
    public var emailVerified: Bool?
    public var picture: String?
    /// Every claim of the reply, the ones above included.
    public var claims: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case sub, name, email, picture
        case emailVerified = "email_verified"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sub = try c.decode(String.self, forKey: .sub)
        name = try? c.decodeIfPresent(String.self, forKey: .name)
        email = try? c.decodeIfPresent(String.self, forKey: .email)
        emailVerified = try? c.decodeIfPresent(Bool.self, forKey: .emailVerified)
        picture = try? c.decodeIfPresent(String.self, forKey: .picture)
        claims = try [String: JSONValue](from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        try claims.encode(to: encoder)
    }
}

/// 7200, 7200.5 (truncated) or "7200".
private func integer<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) -> Int64? {
    if let n = try? c.decodeIfPresent(Int64.self, forKey: key) { return n }
    if let d = try? c.decodeIfPresent(Double.self, forKey: key),
       d.isFinite, d >= -9.2e18, d <= 9.2e18 {
        return Int64(d)
    }
    if let s = try? c.decodeIfPresent(String.self, forKey: key) {
        return Int64(s.trimmingCharacters(in: .whitespaces))
    }
    return nil
}

// MARK: - Client

/// A long-lived libgenauth client: the config validated once, its own connection pool.
///
/// Immutable and safe to share between threads and tasks. Every network call exists twice with
/// the same name: `async` (over the library's non-blocking call; Swift picks it in async code)
/// and blocking (never on the main thread). Deinitializing the client while async calls are in
/// flight is fine: they complete as if it had not been (genauth.h).
public final class GenAuthClient: @unchecked Sendable {
    let handle: OpaquePointer

    /// The library's version, e.g. "0.1.0".
    public static var version: String { String(cString: genauth_version()) }

    /// Creates a client from a config document (JSON). Throws `GenAuthError` with code
    /// "invalid_config" when a key is missing, unknown or of the wrong type.
    public init(config: String) throws {
        try requireNoNUL(config, "the config", code: "invalid_config")
        var errorJSON: UnsafeMutablePointer<CChar>? = nil
        guard let handle = genauth_client_new(config, &errorJSON) else {
            throw Document.failure(takeString(errorJSON))
        }
        genauth_string_free(errorJSON) // NULL on success
        self.handle = handle
    }

    /// Creates a client from a `GenAuthConfig`.
    public convenience init(config: GenAuthConfig) throws {
        try self.init(config: try config.jsonText())
    }

    deinit {
        genauth_client_free(handle)
    }

    // MARK: Login

    /// Builds the URL that starts a login, with a fresh state, nonce and S256 PKCE pair, at the
    /// authorization endpoint of the client's discovery document (fetched on first use). Keep
    /// the request until the callback (`exchangeCallback`). The default scope is
    /// "openid profile"; "offline_access" adds prompt=consent (no refresh token without it).
    public func authorizeURL(scope: String? = nil, prompt: String? = nil,
                             extraParams: [String: String]? = nil) throws -> AuthorizeRequest {
        let options = try authorizeOptions(scope: scope, prompt: prompt, extraParams: extraParams)
        return try blocking(Document.authorizeRequest) {
            withOptionalCString(options) { o in genauth_client_authorize_url(handle, o) }
        }
    }

    /// As the blocking `authorizeURL`, without blocking a thread.
    public func authorizeURL(scope: String? = nil, prompt: String? = nil,
                             extraParams: [String: String]? = nil) async throws -> AuthorizeRequest {
        let options = try authorizeOptions(scope: scope, prompt: prompt, extraParams: extraParams)
        return try await awaitCall(Document.authorizeRequest) { cb, userData in
            withOptionalCString(options) { o in
                genauth_client_authorize_url_async(handle, o, cb, userData)
            }
        }
    }

    /// Checks the full URL the browser came back to against the redirect URI, the login's
    /// `expectedState` and the provider (RFC 9207 `iss`), and returns its code. Throws
    /// "state_mismatch", "issuer_mismatch", "oauth_error" (the callback's `error=`, e.g.
    /// access_denied) or "invalid_argument".
    public func parseCallback(_ callbackURL: String, expectedState: String) throws -> Callback {
        try requireNoNUL(callbackURL, "the callback URL")
        try requireNoNUL(expectedState, "the expected state")
        return try blocking(Document.callback) {
            callbackURL.withCString { u in
                expectedState.withCString { s in genauth_client_parse_callback(handle, u, s) }
            }
        }
    }

    /// As the blocking `parseCallback`, without blocking a thread.
    public func parseCallback(_ callbackURL: String, expectedState: String) async throws -> Callback {
        try requireNoNUL(callbackURL, "the callback URL")
        try requireNoNUL(expectedState, "the expected state")
        return try await awaitCall(Document.callback) { cb, userData in
            callbackURL.withCString { u in
                expectedState.withCString { s in
                    genauth_client_parse_callback_async(handle, u, s, cb, userData)
                }
            }
        }
    }

    /// Finishes a login: `parseCallback` with the request's state, then `exchangeCode` with its
    /// code verifier and nonce.
    public func exchangeCallback(_ callbackURL: String, request: AuthorizeRequest) throws -> Tokens {
        let callback: Callback = try parseCallback(callbackURL, expectedState: request.state)
        return try exchangeCode(callback.code, codeVerifier: request.codeVerifier,
                                nonce: request.nonce)
    }

    /// As the blocking `exchangeCallback`, without blocking a thread.
    public func exchangeCallback(_ callbackURL: String,
                                 request: AuthorizeRequest) async throws -> Tokens {
        let callback: Callback = try await parseCallback(callbackURL, expectedState: request.state)
        return try await exchangeCode(callback.code, codeVerifier: request.codeVerifier,
                                      nonce: request.nonce)
    }

    // MARK: Tokens

    /// Exchanges the authorization code of a login callback. `codeVerifier` is the PKCE verifier
    /// when the login used one; `nonce` the nonce of the login request, checked in the id_token.
    /// A code is single-use: nothing is retried.
    public func exchangeCode(_ code: String, codeVerifier: String? = nil,
                             nonce: String? = nil) throws -> Tokens {
        try requireNoNUL(code, "the code")
        if nonce == nil {
            if let v = codeVerifier { try requireNoNUL(v, "the code verifier") }
            return try blocking(Document.tokens) {
                code.withCString { c in
                    withOptionalCString(codeVerifier) { v in
                        genauth_client_exchange_code(handle, c, v)
                    }
                }
            }
        }
        let options = try exchangeOptions(codeVerifier: codeVerifier, nonce: nonce)
        return try blocking(Document.tokens) {
            code.withCString { c in
                withOptionalCString(options) { o in genauth_client_exchange_code_with(handle, c, o) }
            }
        }
    }

    /// As the blocking `exchangeCode`, without blocking a thread.
    public func exchangeCode(_ code: String, codeVerifier: String? = nil,
                             nonce: String? = nil) async throws -> Tokens {
        try requireNoNUL(code, "the code")
        let options = try exchangeOptions(codeVerifier: codeVerifier, nonce: nonce)
        return try await awaitCall(Document.tokens) { cb, userData in
            code.withCString { c in
                withOptionalCString(options) { o in
                    genauth_client_exchange_code_async(handle, c, o, cb, userData)
                }
            }
        }
    }

    /// Exchanges a refresh token. Store the `refreshToken` of the result: it may be rotated.
    public func refresh(_ refreshToken: String) throws -> Tokens {
        try requireNoNUL(refreshToken, "the refresh token")
        return try blocking(Document.tokens) {
            refreshToken.withCString { t in genauth_client_refresh(handle, t) }
        }
    }

    /// As the blocking `refresh`, without blocking a thread.
    public func refresh(_ refreshToken: String) async throws -> Tokens {
        try requireNoNUL(refreshToken, "the refresh token")
        return try await awaitCall(Document.tokens) { cb, userData in
            refreshToken.withCString { t in
                genauth_client_refresh_async(handle, t, cb, userData)
            }
        }
    }

    /// A `Session` seeded with `tokens`: it hands out tokens that are still valid and refreshes
    /// them through this client, one refresh at a time. No network call.
    public func session(_ tokens: Tokens) throws -> Session {
        try Session(client: self, tokens: tokens)
    }

    // MARK: Revocation, introspection, userinfo

    /// Revokes a token (RFC 7009). `tokenTypeHint` is nil, "access_token" or "refresh_token".
    /// Revoking a refresh token ends the grant. An unknown token is no error.
    public func revoke(_ token: String, tokenTypeHint: String? = nil) throws {
        try requireNoNUL(token, "the token")
        if let h = tokenTypeHint { try requireNoNUL(h, "the token type hint") }
        try blocking(Document.success) {
            token.withCString { t in
                withOptionalCString(tokenTypeHint) { h in genauth_client_revoke(handle, t, h) }
            }
        }
    }

    /// As the blocking `revoke`, without blocking a thread.
    public func revoke(_ token: String, tokenTypeHint: String? = nil) async throws {
        try requireNoNUL(token, "the token")
        if let h = tokenTypeHint { try requireNoNUL(h, "the token type hint") }
        try await awaitCall(Document.success) { cb, userData in
            token.withCString { t in
                withOptionalCString(tokenTypeHint) { h in
                    genauth_client_revoke_async(handle, t, h, cb, userData)
                }
            }
        }
    }

    /// Asks the provider about a token (RFC 7662). A revoked or expired token is
    /// `active == false`, not an error.
    public func introspect(_ token: String) throws -> Introspection {
        try requireNoNUL(token, "the token")
        return try blocking(Document.introspection) {
            token.withCString { t in genauth_client_introspect(handle, t) }
        }
    }

    /// As the blocking `introspect`, without blocking a thread.
    public func introspect(_ token: String) async throws -> Introspection {
        try requireNoNUL(token, "the token")
        return try await awaitCall(Document.introspection) { cb, userData in
            token.withCString { t in
                genauth_client_introspect_async(handle, t, cb, userData)
            }
        }
    }

    /// The user's claims from the userinfo endpoint. An expired or revoked token throws
    /// "oauth_error" or "http_status" with `httpStatus` 401.
    public func userinfo(_ accessToken: String) throws -> UserInfo {
        try requireNoNUL(accessToken, "the access token")
        return try blocking(Document.userInfo) {
            accessToken.withCString { t in genauth_client_userinfo(handle, t) }
        }
    }

    /// As the blocking `userinfo`, without blocking a thread.
    public func userinfo(_ accessToken: String) async throws -> UserInfo {
        try requireNoNUL(accessToken, "the access token")
        return try await awaitCall(Document.userInfo) { cb, userData in
            accessToken.withCString { t in
                genauth_client_userinfo_async(handle, t, cb, userData)
            }
        }
    }

    // MARK: More grants and URLs

    /// Tokens for the client itself (client_credentials: machine to machine, no user, no
    /// id_token). A public client throws "invalid_config".
    public func clientCredentials(scope: String? = nil) throws -> Tokens {
        let options = try scopeOptions(scope)
        return try blocking(Document.tokens) {
            withOptionalCString(options) { o in genauth_client_credentials(handle, o) }
        }
    }

    /// As the blocking `clientCredentials`, without blocking a thread.
    public func clientCredentials(scope: String? = nil) async throws -> Tokens {
        let options = try scopeOptions(scope)
        return try await awaitCall(Document.tokens) { cb, userData in
            withOptionalCString(options) { o in
                genauth_client_credentials_async(handle, o, cb, userData)
            }
        }
    }

    /// The URL that signs the user out at the provider (RP-Initiated Logout 1.0).
    public func logoutURL(idTokenHint: String? = nil, postLogoutRedirectURI: String? = nil,
                          state: String? = nil) throws -> String {
        let options = try logoutOptions(idTokenHint: idTokenHint,
                                        postLogoutRedirectURI: postLogoutRedirectURI, state: state)
        return try blocking(Document.logoutURL) {
            options.withCString { o in genauth_client_logout_url(handle, o) }
        }
    }

    /// As the blocking `logoutURL`, without blocking a thread (discovery may be fetched first).
    public func logoutURL(idTokenHint: String? = nil, postLogoutRedirectURI: String? = nil,
                          state: String? = nil) async throws -> String {
        let options = try logoutOptions(idTokenHint: idTokenHint,
                                        postLogoutRedirectURI: postLogoutRedirectURI, state: state)
        return try await awaitCall(Document.logoutURL) { cb, userData in
            options.withCString { o in
                genauth_client_logout_url_async(handle, o, cb, userData)
            }
        }
    }

    /// Starts a device authorization (RFC 8628): show `userCode` and `verificationURI`, then
    /// call `devicePoll`.
    public func deviceStart(scope: String? = nil) throws -> DeviceAuthorization {
        let options = try scopeOptions(scope)
        return try blocking(Document.device) {
            withOptionalCString(options) { o in genauth_client_device_start(handle, o) }
        }
    }

    /// As the blocking `deviceStart`, without blocking a thread.
    public func deviceStart(scope: String? = nil) async throws -> DeviceAuthorization {
        let options = try scopeOptions(scope)
        return try await awaitCall(Document.device) { cb, userData in
            withOptionalCString(options) { o in
                genauth_client_device_start_async(handle, o, cb, userData)
            }
        }
    }

    /// A whole login for a desktop or command-line app (RFC 8252): listens on 127.0.0.1,
    /// opens the system browser at the login page, waits up to `timeoutSeconds` for its
    /// callback and returns the verified tokens. Throws "login_timeout", "browser_failed",
    /// "state_mismatch" and the exchange's errors. Blocks the calling thread until the browser
    /// comes back (there is no `async` form: it waits for a person). From async code, run it on
    /// a thread of its own (a `Thread` or a `DispatchQueue`, not the cooperative pool) and resume
    /// a checked continuation with its result.
    public func loginLoopback(scope: String? = nil, port: UInt16 = 0,
                              timeoutSeconds: UInt32 = 300) throws -> Tokens {
        let data = try JSONEncoder().encode(LoopbackOptions(
            scope: scope, port: port, timeoutSeconds: timeoutSeconds))
        let options = String(decoding: data, as: UTF8.self)
        return try blocking(Document.tokens) {
            options.withCString { o in genauth_client_login_loopback(handle, o, nil, nil) }
        }
    }

    /// Waits up to `maxWaitSeconds` for the user to approve the device, polling at the
    /// provider's interval. Throws "authorization_pending" when the wait ends first.
    public func devicePoll(_ deviceCode: String, maxWaitSeconds: UInt32 = 60) throws -> Tokens {
        try requireNoNUL(deviceCode, "the device code")
        return try blocking(Document.tokens) {
            deviceCode.withCString { d in genauth_client_device_poll(handle, d, maxWaitSeconds) }
        }
    }

    /// As the blocking `devicePoll`, without blocking a thread: the task is suspended while the
    /// library polls, up to `maxWaitSeconds` plus one poll.
    public func devicePoll(_ deviceCode: String, maxWaitSeconds: UInt32 = 60) async throws -> Tokens {
        try requireNoNUL(deviceCode, "the device code")
        return try await awaitCall(Document.tokens) { cb, userData in
            deviceCode.withCString { d in
                genauth_client_device_poll_async(handle, d, maxWaitSeconds, cb, userData)
            }
        }
    }
}

// MARK: - Session

/// Hands out tokens that are still valid, refreshing them through the client when needed.
///
/// Tasks that ask while a refresh runs share it and its result, error included: one refresh
/// reaches the provider however many ask (the actor is reentrant: each `freshTokens` suspends
/// while the library works). Once the provider has rejected the refresh token
/// ("invalid_grant"), every later call throws that error without asking the provider. The
/// session keeps what it needs of the client, so it may outlive it.
public actor Session {
    /// Owns the native session; freed when the last reference goes.
    private final class Handle: @unchecked Sendable {
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { genauth_session_free(pointer) }
    }

    private let handle: Handle

    /// A session seeded with a token document (`{"access_token": ..., "expires_at": ...}` or a
    /// whole result document). No network call.
    public init(client: GenAuthClient, tokensJSON: String) throws {
        handle = Handle(try Session.create(client, tokensJSON))
    }

    /// A session seeded with tokens from an earlier call (or decoded from storage).
    public init(client: GenAuthClient, tokens: Tokens) throws {
        handle = Handle(try Session.create(client, try tokens.jsonText()))
    }

    private static func create(_ client: GenAuthClient, _ tokensJSON: String) throws -> OpaquePointer {
        try requireNoNUL(tokensJSON, "the tokens")
        var errorJSON: UnsafeMutablePointer<CChar>? = nil
        let created: OpaquePointer? = withExtendedLifetime(client) {
            tokensJSON.withCString { t in genauth_session_new(client.handle, t, &errorJSON) }
        }
        guard let pointer = created else {
            throw Document.failure(takeString(errorJSON))
        }
        genauth_string_free(errorJSON) // NULL on success
        return pointer
    }

    /// Tokens with more than `minValidSeconds` of life left, refreshed first when the held ones
    /// have less. Throws "no_refresh_token" when they are stale and there is nothing to refresh
    /// them with, and the refresh's errors otherwise. After a refresh, persist `tokens()`.
    public func freshTokens(minValidSeconds: UInt32 = 60) async throws -> Tokens {
        // The session may be freed once the library took the call (genauth.h); `self` keeps it
        // alive until then anyway.
        let pointer = handle.pointer
        return try await awaitCall(Document.tokens) { cb, userData in
            genauth_session_fresh_tokens_async(pointer, minValidSeconds, cb, userData)
        }
    }

    /// As `freshTokens`, blocking the calling thread while a refresh runs (never on the main
    /// thread).
    public nonisolated func freshTokensBlocking(minValidSeconds: UInt32 = 60) throws -> Tokens {
        let pointer = handle.pointer
        return try blocking(Document.tokens) {
            genauth_session_fresh_tokens(pointer, minValidSeconds)
        }
    }

    /// The current tokens as they are (no refresh, no network), e.g. to persist them.
    public nonisolated func tokens() throws -> Tokens {
        let pointer = handle.pointer
        return try blocking(Document.tokens) { genauth_session_tokens(pointer) }
    }
}

// MARK: - One-shot calls

/// Calls with a config document and no client (connections are pooled process-wide).
/// The library's process-wide log sink.
public enum GenAuthLog {
    /// Sends log messages up to `maxLevel` (1 error, 2 warn, 3 info, 4 debug: each HTTP
    /// exchange, 5 trace) to `handler(level, message)`; nil turns logging off. Messages are
    /// one line each, already redacted. The handler runs on the thread that logs and must
    /// return quickly. Each handler is kept for the life of the process.
    public static func setCallback(maxLevel: Int32 = 4,
                                   _ handler: (@Sendable (Int32, String) -> Void)?) {
        guard let handler = handler else {
            genauth_set_log_callback(nil, nil, 0)
            return
        }
        // Retained for good: a message may still be on its way to a replaced handler.
        let box = Unmanaged.passRetained(LogHandler(handler)).toOpaque()
        genauth_set_log_callback(genAuthLogTrampoline, box, maxLevel)
    }
}

private final class LogHandler {
    let handler: @Sendable (Int32, String) -> Void
    init(_ handler: @escaping @Sendable (Int32, String) -> Void) { self.handler = handler }
}

private let genAuthLogTrampoline: genauth_log_fn = { userData, level, message in
    guard let userData = userData, let message = message else { return }
    Unmanaged<LogHandler>.fromOpaque(userData).takeUnretainedValue()
        .handler(level, String(cString: message))
}

public enum GenAuthOneShot {
    /// Exchanges a code with `config` (blocking). Prefer a `GenAuthClient`.
    public static func exchangeCode(config: GenAuthConfig, code: String,
                                    codeVerifier: String? = nil) throws -> Tokens {
        let configJSON = try config.jsonText()
        try requireNoNUL(code, "the code")
        if let v = codeVerifier { try requireNoNUL(v, "the code verifier") }
        return try blocking(Document.tokens) {
            configJSON.withCString { j in
                code.withCString { c in
                    withOptionalCString(codeVerifier) { v in genauth_exchange_code(j, c, v) }
                }
            }
        }
    }

    /// Exchanges a refresh token with `config` (blocking).
    public static func refresh(config: GenAuthConfig, refreshToken: String) throws -> Tokens {
        let configJSON = try config.jsonText()
        try requireNoNUL(refreshToken, "the refresh token")
        return try blocking(Document.tokens) {
            configJSON.withCString { j in
                refreshToken.withCString { t in genauth_refresh(j, t) }
            }
        }
    }

    /// Builds a login URL with `config` (no network call: discovery's endpoint when this
    /// process already fetched it, else `{appHost}/{protocol}/auth`).
    public static func buildAuthorizeURL(config: GenAuthConfig, scope: String? = nil,
                                         prompt: String? = nil,
                                         extraParams: [String: String]? = nil) throws -> AuthorizeRequest {
        let configJSON = try config.jsonText()
        let options = try authorizeOptions(scope: scope, prompt: prompt, extraParams: extraParams)
        return try blocking(Document.authorizeRequest) {
            configJSON.withCString { j in
                withOptionalCString(options) { o in genauth_build_authorize_url(j, o) }
            }
        }
    }

    /// Checks a login callback with `config` (no network call). Prefer the client's
    /// `parseCallback`, which checks `iss` against the client's own discovery.
    public static func parseCallback(config: GenAuthConfig, callbackURL: String,
                                     expectedState: String) throws -> Callback {
        let configJSON = try config.jsonText()
        try requireNoNUL(callbackURL, "the callback URL")
        try requireNoNUL(expectedState, "the expected state")
        return try blocking(Document.callback) {
            configJSON.withCString { j in
                callbackURL.withCString { u in
                    expectedState.withCString { s in genauth_parse_callback(j, u, s) }
                }
            }
        }
    }
}

// MARK: - Documents

/// Reading the library's result documents: {"ok": true, KEY: {...}} or
/// {"ok": false, "error": {...}, "refresh_token"?: "..."}.
enum Document {
    static let noDocument =
        #"{"ok":false,"error":{"code":"internal","message":"the library returned no document"}}"#

    static func failureText(code: String, message: String) -> String {
        let object: [String: Any] = ["ok": false, "error": ["code": code, "message": message]]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else { return #"{"ok":false}"# }
        return String(decoding: data, as: UTF8.self)
    }

    private static func object(_ text: String) -> [String: Any]? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return nil }
        return value as? [String: Any]
    }

    /// The error of a failure document (also a constructor's `error_json`, or a bare error).
    static func failure(_ text: String?) -> GenAuthError {
        guard let text = text, let document = object(text) else { return .unreadable(text) }
        let errorObject = (document["error"] as? [String: Any]) ?? document
        guard JSONSerialization.isValidJSONObject(errorObject),
              let data = try? JSONSerialization.data(withJSONObject: errorObject),
              var error = try? JSONDecoder().decode(GenAuthError.self, from: data)
        else { return .unreadable(text) }
        error.refreshToken = document["refresh_token"] as? String
        error.rawJSON = text
        return error
    }

    /// The member `key` of a success document decoded as `T`, with its JSON text.
    static func member<T: Decodable>(_ type: T.Type, _ key: String,
                                     _ text: String) -> Result<(T, String), GenAuthError> {
        guard let document = object(text) else { return .failure(.unreadable(text)) }
        guard (document["ok"] as? Bool) == true else { return .failure(failure(text)) }
        guard let member = document[key] as? [String: Any],
              let data = try? JSONSerialization.data(withJSONObject: member),
              let value = try? JSONDecoder().decode(T.self, from: data)
        else { return .failure(.unreadable(text)) }
        return .success((value, String(decoding: data, as: UTF8.self)))
    }

    static func success(_ text: String) -> Result<Void, GenAuthError> {
        guard let document = object(text) else { return .failure(.unreadable(text)) }
        if (document["ok"] as? Bool) == true { return .success(Void()) }
        return .failure(failure(text))
    }

    static func tokens(_ text: String) -> Result<Tokens, GenAuthError> {
        member(Tokens.self, "tokens", text).map { decoded in
            var tokens = decoded.0
            tokens.rawJSON = decoded.1
            return tokens
        }
    }

    static func authorizeRequest(_ text: String) -> Result<AuthorizeRequest, GenAuthError> {
        member(AuthorizeRequest.self, "authorize", text).map { $0.0 }
    }

    static func callback(_ text: String) -> Result<Callback, GenAuthError> {
        member(Callback.self, "callback", text).map { $0.0 }
    }

    static func introspection(_ text: String) -> Result<Introspection, GenAuthError> {
        member(Introspection.self, "introspection", text).map { $0.0 }
    }

    static func userInfo(_ text: String) -> Result<UserInfo, GenAuthError> {
        member(UserInfo.self, "userinfo", text).map { $0.0 }
    }

    static func logoutURL(_ text: String) -> Result<String, GenAuthError> {
        member(LogoutURL.self, "logout", text).map { $0.0.url }
    }

    static func device(_ text: String) -> Result<DeviceAuthorization, GenAuthError> {
        member(DeviceAuthorization.self, "device", text).map { $0.0 }
    }
}

// MARK: - Plumbing

private struct AuthorizeOptions: Encodable {
    let scope: String?
    let prompt: String?
    let extraParams: [String: String]?
}

/// `{"scope", "prompt", "extraParams"}` without the absent keys, or nil when all are absent.
private func authorizeOptions(scope: String?, prompt: String?,
                              extraParams: [String: String]?) throws -> String? {
    if scope == nil && prompt == nil && extraParams == nil { return nil }
    let data = try JSONEncoder().encode(
        AuthorizeOptions(scope: scope, prompt: prompt, extraParams: extraParams))
    return String(decoding: data, as: UTF8.self) // JSON escapes NULs: nothing is cut
}

private struct LoopbackOptions: Encodable {
    let scope: String?
    let port: UInt16
    let timeoutSeconds: UInt32
}

private struct LogoutOptions: Encodable {
    let idTokenHint: String?
    let postLogoutRedirectUri: String?
    let state: String?
}

private struct ScopeOptions: Encodable {
    let scope: String
}

/// `{"scope": ...}`, or nil without a scope.
private func logoutOptions(idTokenHint: String?, postLogoutRedirectURI: String?,
                           state: String?) throws -> String {
    let data = try JSONEncoder().encode(LogoutOptions(
        idTokenHint: idTokenHint, postLogoutRedirectUri: postLogoutRedirectURI, state: state))
    return String(decoding: data, as: UTF8.self)
}

private func scopeOptions(_ scope: String?) throws -> String? {
    guard let scope = scope else { return nil }
    let data = try JSONEncoder().encode(ScopeOptions(scope: scope))
    return String(decoding: data, as: UTF8.self)
}

private struct ExchangeOptions: Encodable {
    let codeVerifier: String?
    let nonce: String?
}

/// `{"codeVerifier", "nonce"}` without the absent keys, or nil when both are absent.
private func exchangeOptions(codeVerifier: String?, nonce: String?) throws -> String? {
    if codeVerifier == nil && nonce == nil { return nil }
    let data = try JSONEncoder().encode(ExchangeOptions(codeVerifier: codeVerifier, nonce: nonce))
    return String(decoding: data, as: UTF8.self)
}

/// Runs a blocking call and reads the document it returned (released here, once).
private func blocking<T>(_ read: (String) -> Result<T, GenAuthError>,
                         _ call: () -> UnsafeMutablePointer<CChar>?) throws -> T {
    try read(takeString(call()) ?? Document.noDocument).get()
}

/// One call in flight: what the C callback resumes. Retained through `user_data` until then.
private class PendingCall {
    func deliver(_ text: String) {}
}

private final class PendingContinuation<T>: PendingCall {
    let continuation: CheckedContinuation<T, Error>
    let read: (String) -> Result<T, GenAuthError>

    init(_ continuation: CheckedContinuation<T, Error>,
         _ read: @escaping (String) -> Result<T, GenAuthError>) {
        self.continuation = continuation
        self.read = read
    }

    override func deliver(_ text: String) {
        continuation.resume(with: read(text))
    }
}

/// The C callback of every `_async` call: runs exactly once, on a library thread. It releases
/// the document, takes back the call retained by `awaitCall` and resumes the task.
private let genAuthTrampoline: genauth_callback = { userData, resultJSON in
    let text = takeString(resultJSON) ?? Document.noDocument
    guard let userData = userData else { return }
    Unmanaged<PendingCall>.fromOpaque(userData).takeRetainedValue().deliver(text)
}

/// Starts one non-blocking call and suspends until its callback. `start` calls a
/// `genauth_*_async` function with the callback and `user_data` and returns its status: 0 when
/// accepted (the callback then runs exactly once), non-zero when nothing will be called back.
///
/// Task cancellation does not stop the request: the task resumes when the library answers
/// (within `timeoutMs`), and the document is released either way.
private func awaitCall<T>(_ read: @escaping (String) -> Result<T, GenAuthError>,
                          _ start: (genauth_callback, UnsafeMutableRawPointer) -> Int32)
    async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
        let call: PendingCall = PendingContinuation(continuation, read)
        let userData = Unmanaged.passRetained(call).toOpaque()
        let status = start(genAuthTrampoline, userData)
        if status != 0 {
            Unmanaged<PendingCall>.fromOpaque(userData).release()
            continuation.resume(throwing: GenAuthError(
                code: "internal", message: "the library did not accept the call (\(status))"))
        }
    }
}

/// Copies and releases a string the library returned (NULL gives nil).
private func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer = pointer else { return nil }
    defer { genauth_string_free(pointer) }
    return String(cString: pointer)
}

/// A C string cannot carry a NUL byte; cutting the argument short would send something else.
private func requireNoNUL(_ value: String, _ what: String,
                          code: String = "invalid_argument") throws {
    if value.utf8.contains(0) {
        throw GenAuthError(code: code, message: "\(what) contains a NUL byte")
    }
}

private func withOptionalCString<R>(_ string: String?,
                                    _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string = string else { return body(nil) }
    return string.withCString { body($0) }
}
