// GenAuth.swift — a Swift wrapper over libgenauth's C ABI (genauth.h).
//
// UNTESTED: written without a Swift toolchain; this file has never been compiled or run.
// See ../../README.md before relying on it.
//
// Memory and threading follow genauth.h: every string the library returns is released with
// genauth_string_free exactly once (takeString), a client is immutable and may be shared between
// threads and tasks, and an async call's callback runs exactly once on a library thread.

import CGenAuth
import Foundation

// MARK: - Errors

/// A failed libgenauth call: the "error" object of the result document.
///
/// `code` is one of the library's stable codes: "invalid_config", "oauth_error", "timeout",
/// "connect_failed", "tls", "http_status", "invalid_response", "id_token_invalid", ...
public struct GenAuthError: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    /// The provider's HTTP status, when there was a reply.
    public let httpStatus: Int?
    /// RFC 6749 `error`, e.g. "invalid_grant", for code "oauth_error".
    public let oauthError: String?
    /// RFC 6749 `error_description`.
    public let oauthErrorDescription: String?
    /// The failed check, for code "id_token_invalid".
    public let reason: String?
    /// The whole result document as the library returned it.
    public let rawJSON: String

    public var description: String { "\(code): \(message)" }

    init(code: String, message: String, httpStatus: Int? = nil, oauthError: String? = nil,
         oauthErrorDescription: String? = nil, reason: String? = nil, rawJSON: String? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.oauthError = oauthError
        self.oauthErrorDescription = oauthErrorDescription
        self.reason = reason
        self.rawJSON = rawJSON ?? GenAuthError.document(code: code, message: message)
    }

    /// An error document like the library's, for errors this wrapper reports itself.
    private static func document(code: String, message: String) -> String {
        let object: [String: Any] = ["ok": false, "error": ["code": code, "message": message]]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        else { return "{\"ok\":false}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func unreadable(_ text: String?) -> GenAuthError {
        GenAuthError(code: "internal",
                     message: "the library returned a document this wrapper cannot read",
                     rawJSON: text)
    }
}

// MARK: - Tokens

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
        expiresIn = Tokens.integer(c, .expiresIn)
        expiresAt = Tokens.integer(c, .expiresAt)
    }

    /// 7200, 7200.5 (truncated) or "7200".
    private static func integer(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> Int64? {
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
}

// MARK: - Config

/// The config document (the official Node SDK's option names). Fields left nil are omitted, so
/// the library's defaults apply. See the libgenauth README for each key.
public struct GenAuthConfig: Encodable {
    public var appId: String
    public var appSecret: String?
    public var appHost: String
    public var redirectUri: String?
    public var tokenEndPointAuthMethod: String?
    public var `protocol`: String?
    public var timeoutMs: Int?
    public var caCertPem: String?
    public var validateIdToken: Bool?
    public var clockSkewSeconds: Int?

    public init(appId: String, appSecret: String? = nil, appHost: String,
                redirectUri: String? = nil, tokenEndPointAuthMethod: String? = nil,
                `protocol`: String? = nil, timeoutMs: Int? = nil, caCertPem: String? = nil,
                validateIdToken: Bool? = nil, clockSkewSeconds: Int? = nil) {
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
    }
}

// MARK: - Client

/// A long-lived libgenauth client: the config validated once, its own connection pool.
///
/// Immutable and safe to share between threads and tasks. Deinitializing it while async calls
/// are in flight is fine: they complete as if it had not been (genauth.h).
public final class GenAuthClient: @unchecked Sendable {
    private let handle: OpaquePointer

    /// The library's version, e.g. "0.1.0".
    public static var version: String { String(cString: genauth_version()) }

    /// Creates a client from a config document (JSON). Throws `GenAuthError` with code
    /// "invalid_config" when a key is missing, unknown or of the wrong type.
    public init(config: String) throws {
        try requireNoNUL(config, "the config", code: "invalid_config")
        var errorJSON: UnsafeMutablePointer<CChar>? = nil
        guard let handle = genauth_client_new(config, &errorJSON) else {
            throw GenAuthClient.errorFromCreate(takeString(errorJSON))
        }
        genauth_string_free(errorJSON) // NULL on success
        self.handle = handle
    }

    /// Creates a client from a `GenAuthConfig`.
    public convenience init(config: GenAuthConfig) throws {
        let data = try JSONEncoder().encode(config)
        try self.init(config: String(decoding: data, as: UTF8.self))
    }

    deinit {
        genauth_client_free(handle)
    }

    // MARK: Blocking calls (never call them on the main thread)

    /// Exchanges the authorization code of a login callback. `codeVerifier` is the PKCE verifier
    /// when the login used one; `nonce` the nonce of the login request, checked in the id_token.
    /// Blocks until the reply or `timeoutMs`. A code is single-use: nothing is retried.
    public func exchangeCode(_ code: String, codeVerifier: String? = nil,
                             nonce: String? = nil) throws -> Tokens {
        try requireNoNUL(code, "the code")
        let options = try GenAuthClient.optionsJSON(codeVerifier: codeVerifier, nonce: nonce)
        let document = code.withCString { c in
            withOptionalCString(options) { o in genauth_client_exchange_code_with(handle, c, o) }
        }
        return try GenAuthClient.decode(takeString(document)).get()
    }

    /// Exchanges a refresh token. Blocks until the reply or `timeoutMs`.
    public func refresh(_ refreshToken: String) throws -> Tokens {
        try requireNoNUL(refreshToken, "the refresh token")
        let document = refreshToken.withCString { t in genauth_client_refresh(handle, t) }
        return try GenAuthClient.decode(takeString(document)).get()
    }

    // MARK: async calls (the request runs on a library thread; the task is suspended meanwhile)

    /// As `exchangeCode(_:codeVerifier:nonce:)`, without blocking a thread. Task cancellation does
    /// not stop the request; the call still ends by `timeoutMs`.
    public func exchangeCode(_ code: String, codeVerifier: String? = nil,
                             nonce: String? = nil) async throws -> Tokens {
        try requireNoNUL(code, "the code")
        let options = try GenAuthClient.optionsJSON(codeVerifier: codeVerifier, nonce: nonce)
        return try await withCheckedThrowingContinuation { continuation in
            let userData = Unmanaged.passRetained(ContinuationBox(continuation)).toOpaque()
            let accepted = code.withCString { c in
                withOptionalCString(options) { o in
                    genauth_client_exchange_code_async(handle, c, o, genAuthTrampoline, userData)
                }
            }
            if accepted != 0 { // only when the callback is NULL, which it never is here
                Unmanaged<ContinuationBox>.fromOpaque(userData).release()
                continuation.resume(throwing: GenAuthError(
                    code: "internal", message: "the library did not accept the call"))
            }
        }
    }

    /// As `refresh(_:)`, without blocking a thread.
    public func refresh(_ refreshToken: String) async throws -> Tokens {
        try requireNoNUL(refreshToken, "the refresh token")
        return try await withCheckedThrowingContinuation { continuation in
            let userData = Unmanaged.passRetained(ContinuationBox(continuation)).toOpaque()
            let accepted = refreshToken.withCString { t in
                genauth_client_refresh_async(handle, t, genAuthTrampoline, userData)
            }
            if accepted != 0 {
                Unmanaged<ContinuationBox>.fromOpaque(userData).release()
                continuation.resume(throwing: GenAuthError(
                    code: "internal", message: "the library did not accept the call"))
            }
        }
    }

    // MARK: Documents

    private struct ExchangeOptions: Encodable {
        let codeVerifier: String?
        let nonce: String?
    }

    /// `{"codeVerifier": ..., "nonce": ...}` without the absent keys, or nil when both are absent.
    private static func optionsJSON(codeVerifier: String?, nonce: String?) throws -> String? {
        if codeVerifier == nil && nonce == nil { return nil }
        if let v = codeVerifier { try requireNoNUL(v, "the code verifier") }
        if let n = nonce { try requireNoNUL(n, "the nonce") }
        let data = try JSONEncoder().encode(ExchangeOptions(codeVerifier: codeVerifier, nonce: nonce))
        return String(decoding: data, as: UTF8.self)
    }

    private struct ErrorObject: Decodable {
        let code: String
        let message: String?
        let httpStatus: Int?
        let oauthError: String?
        let oauthErrorDescription: String?
        let reason: String?

        enum CodingKeys: String, CodingKey {
            case code, message, reason
            case httpStatus = "http_status"
            case oauthError = "oauth_error"
            case oauthErrorDescription = "oauth_error_description"
        }

        func error(rawJSON: String) -> GenAuthError {
            GenAuthError(code: code, message: message ?? "", httpStatus: httpStatus,
                         oauthError: oauthError, oauthErrorDescription: oauthErrorDescription,
                         reason: reason, rawJSON: rawJSON)
        }
    }

    private struct ResultDocument: Decodable {
        let ok: Bool
        let tokens: Tokens?
        let error: ErrorObject?
    }

    /// Reads a result document: {"ok":true,"tokens":{...}} or {"ok":false,"error":{...}}.
    static func decode(_ text: String?) -> Result<Tokens, GenAuthError> {
        guard let text = text else {
            return .failure(GenAuthError(code: "internal", message: "the library returned no document"))
        }
        let data = Data(text.utf8)
        guard let document = try? JSONDecoder().decode(ResultDocument.self, from: data) else {
            return .failure(.unreadable(text))
        }
        if document.ok, var tokens = document.tokens {
            tokens.rawJSON = rawTokensJSON(data) ?? ""
            return .success(tokens)
        }
        if !document.ok, let error = document.error {
            return .failure(error.error(rawJSON: text))
        }
        return .failure(.unreadable(text))
    }

    private static func rawTokensJSON(_ document: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: document) as? [String: Any],
              let tokens = object["tokens"],
              let data = try? JSONSerialization.data(withJSONObject: tokens)
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The error document of genauth_client_new: a result document (or a bare error object).
    private static func errorFromCreate(_ text: String?) -> GenAuthError {
        guard let text = text else {
            return GenAuthError(code: "internal", message: "the library returned no error document")
        }
        let data = Data(text.utf8)
        if let document = try? JSONDecoder().decode(ResultDocument.self, from: data),
           let error = document.error {
            return error.error(rawJSON: text)
        }
        if let error = try? JSONDecoder().decode(ErrorObject.self, from: data) {
            return error.error(rawJSON: text)
        }
        return .unreadable(text)
    }
}

// MARK: - Plumbing

/// Carries a continuation through the C callback's user_data (retained until the callback).
private final class ContinuationBox {
    let continuation: CheckedContinuation<Tokens, Error>
    init(_ continuation: CheckedContinuation<Tokens, Error>) { self.continuation = continuation }
}

/// The C callback of the _async calls: runs once, on a library thread. It takes back the box
/// retained by the caller, releases the document and resumes the task.
private let genAuthTrampoline: genauth_callback = { userData, resultJSON in
    let text = takeString(resultJSON)
    guard let userData = userData else { return }
    let box = Unmanaged<ContinuationBox>.fromOpaque(userData).takeRetainedValue()
    box.continuation.resume(with: GenAuthClient.decode(text))
}

/// Copies and releases a string the library returned (NULL gives nil).
private func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer = pointer else { return nil }
    defer { genauth_string_free(pointer) }
    return String(cString: pointer)
}

/// A C string cannot carry a NUL byte; cutting the argument short would send something else.
private func requireNoNUL(_ value: String, _ what: String, code: String = "invalid_argument") throws {
    if value.utf8.contains(0) {
        throw GenAuthError(code: code, message: "\(what) contains a NUL byte")
    }
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string = string else { return body(nil) }
    return string.withCString { body($0) }
}
