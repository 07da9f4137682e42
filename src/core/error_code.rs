//! The stable error codes: the one list of them. `include/genauth.h` renders it as the enum
//! `genauth_error_code` (one documented line per code), the Rust test support and the bindings'
//! tests read it from there or from `ErrorCode::ALL`, and a test checks the README's list.

/// The `code` of every failure document (`{"ok": false, "error": {"code": ...}}`): stable names,
/// never renamed or removed; new ones may be added. Documents carry the name (the backquoted word
/// of each line); the numbers are stable too, for bindings that map names to values.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `null_argument`: a required pointer was NULL.
    NullArgument = 1,
    /// `invalid_utf8`: an argument was not UTF-8.
    InvalidUtf8 = 2,
    /// `invalid_config`: config not JSON, a required key missing, a wrong type, an unknown key.
    InvalidConfig = 3,
    /// `invalid_argument`: an empty code or token, malformed options, a callback not for us.
    InvalidArgument = 4,
    /// `insecure_transport`: plain `http://` to a host that is not loopback.
    InsecureTransport = 5,
    /// `timeout`: no complete reply within `timeoutMs`.
    Timeout = 6,
    /// `connect_failed`: DNS failure, refused or reset connection.
    ConnectFailed = 7,
    /// `tls`: certificate or handshake failure.
    Tls = 8,
    /// `oauth_error`: the provider answered with an RFC 6749 error object.
    OauthError = 9,
    /// `http_status`: a non-2xx status without an error object (a proxy's page, a redirect).
    HttpStatus = 10,
    /// `invalid_response`: a reply that is not JSON, lacks a field, is too large, or is untrusted.
    InvalidResponse = 11,
    /// `id_token_invalid`: the id_token failed verification (`reason` names the check).
    IdTokenInvalid = 12,
    /// `reentrant_call`: a blocking call from a library callback thread.
    ReentrantCall = 13,
    /// `state_mismatch`: a login callback whose state is not this login's.
    StateMismatch = 14,
    /// `issuer_mismatch`: a callback's `iss`, or discovery's issuer, is not appHost's provider.
    IssuerMismatch = 15,
    /// `no_refresh_token`: a session must refresh but holds no refresh token.
    NoRefreshToken = 16,
    /// `internal`: a bug was caught at the boundary, or the OS refused a resource.
    Internal = 17,
    /// `authorization_pending`: a device poll's window ended before the user approved.
    AuthorizationPending = 18,
    /// `login_timeout`: a loopback login saw no callback in time.
    LoginTimeout = 19,
    /// `browser_failed`: no browser could be opened and no URL callback was given.
    BrowserFailed = 20,
}

impl ErrorCode {
    /// Every code, in the order of the table.
    pub const ALL: [ErrorCode; 20] = [
        ErrorCode::NullArgument,
        ErrorCode::InvalidUtf8,
        ErrorCode::InvalidConfig,
        ErrorCode::InvalidArgument,
        ErrorCode::InsecureTransport,
        ErrorCode::Timeout,
        ErrorCode::ConnectFailed,
        ErrorCode::Tls,
        ErrorCode::OauthError,
        ErrorCode::HttpStatus,
        ErrorCode::InvalidResponse,
        ErrorCode::IdTokenInvalid,
        ErrorCode::ReentrantCall,
        ErrorCode::StateMismatch,
        ErrorCode::IssuerMismatch,
        ErrorCode::NoRefreshToken,
        ErrorCode::Internal,
        ErrorCode::AuthorizationPending,
        ErrorCode::LoginTimeout,
        ErrorCode::BrowserFailed,
    ];

    /// The code as it appears in documents.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NullArgument => "null_argument",
            ErrorCode::InvalidUtf8 => "invalid_utf8",
            ErrorCode::InvalidConfig => "invalid_config",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::InsecureTransport => "insecure_transport",
            ErrorCode::Timeout => "timeout",
            ErrorCode::ConnectFailed => "connect_failed",
            ErrorCode::Tls => "tls",
            ErrorCode::OauthError => "oauth_error",
            ErrorCode::HttpStatus => "http_status",
            ErrorCode::InvalidResponse => "invalid_response",
            ErrorCode::IdTokenInvalid => "id_token_invalid",
            ErrorCode::ReentrantCall => "reentrant_call",
            ErrorCode::StateMismatch => "state_mismatch",
            ErrorCode::IssuerMismatch => "issuer_mismatch",
            ErrorCode::NoRefreshToken => "no_refresh_token",
            ErrorCode::Internal => "internal",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::LoginTimeout => "login_timeout",
            ErrorCode::BrowserFailed => "browser_failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_names_are_unique_and_in_order() {
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(*code as usize, i + 1, "{code:?}");
        }
        let mut names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }
}
