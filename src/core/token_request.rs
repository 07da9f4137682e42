//! Token requests built as plain values, so every encoding rule is testable without a socket.

use base64::Engine as _;
use url::Url;
use zeroize::Zeroizing;

use super::config::{AuthMethod, Config};
use super::error::Error;
use super::redact::Secrets;

/// What the caller wants from the token endpoint.
#[derive(Clone, Copy)]
pub enum Grant<'a> {
    AuthorizationCode {
        code: &'a str,
        code_verifier: Option<&'a str>,
    },
    RefreshToken {
        refresh_token: &'a str,
    },
    /// Machine to machine (RFC 6749 §4.4): the client's own credentials, no user.
    ClientCredentials {
        scope: Option<&'a str>,
    },
    /// RFC 8628 §3.4: the device code of a device authorization.
    DeviceCode {
        device_code: &'a str,
    },
}

// The grant's kind only: every field is a secret.
impl std::fmt::Debug for Grant<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Grant::AuthorizationCode { code_verifier, .. } => f
                .debug_struct("AuthorizationCode")
                .field("pkce", &code_verifier.is_some())
                .finish_non_exhaustive(),
            Grant::RefreshToken { .. } => f.debug_struct("RefreshToken").finish_non_exhaustive(),
            Grant::ClientCredentials { scope } => f
                .debug_struct("ClientCredentials")
                .field("scope", scope)
                .finish(),
            Grant::DeviceCode { .. } => f.debug_struct("DeviceCode").finish_non_exhaustive(),
        }
    }
}

/// An HTTP POST with a form body, ready for any transport.
#[derive(Clone, PartialEq, Eq)]
pub struct FormPost {
    pub url: Url,
    pub headers: Vec<(&'static str, String)>,
    /// Holds the client secret and the grant's secrets; wiped from memory when dropped (the
    /// copy the HTTP stack sends is not: see `transport::send`).
    pub body: Zeroizing<String>,
    /// Everything secret in this request, for scrubbing whatever comes back.
    pub secrets: Secrets,
}

// The header values include the Basic credentials.
impl Drop for FormPost {
    fn drop(&mut self) {
        for (_, value) in &mut self.headers {
            zeroize::Zeroize::zeroize(value);
        }
    }
}

impl std::fmt::Debug for FormPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormPost")
            .field("url", &self.url.as_str())
            .field("body", &"[not shown]")
            .finish()
    }
}

/// RFC 8628 §3.4's grant type.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The secrets of one grant: the client secret and the grant's code, verifier or refresh token
/// (the Basic credentials are added by `authenticated_post`, which makes them).
pub fn grant_secrets(config: &Config, grant: Grant<'_>) -> Secrets {
    let secrets = Secrets::new().with(config.app_secret());
    match grant {
        Grant::AuthorizationCode {
            code,
            code_verifier,
        } => secrets.with(Some(code)).with(code_verifier),
        Grant::RefreshToken { refresh_token } => secrets.with(Some(refresh_token)),
        Grant::ClientCredentials { .. } => secrets,
        Grant::DeviceCode { device_code } => secrets.with(Some(device_code)),
    }
}

/// Builds `POST {appHost}/{protocol}/token` for a grant (GenAuth's field order: client
/// authentication, `grant_type`, then the grant's own fields; absent optional fields omitted).
#[cfg(test)]
pub fn token_request(config: &Config, grant: Grant<'_>) -> Result<FormPost, Error> {
    token_request_at(config, config.endpoint("token"), grant)
}

/// `token_request` to a token endpoint the caller already knows (a client keeps it: joining the
/// URL on every call is a measurable part of a call's own work).
pub fn token_request_at(config: &Config, url: Url, grant: Grant<'_>) -> Result<FormPost, Error> {
    let mut fields: Vec<(&str, &str)> = Vec::with_capacity(6);
    match grant {
        Grant::AuthorizationCode {
            code,
            code_verifier,
        } => {
            check_non_empty("code", code)?;
            if let Some(v) = code_verifier {
                check_code_verifier(v)?;
            }
            let redirect_uri = config.redirect_uri.as_deref().ok_or_else(|| {
                Error::InvalidConfig("`redirectUri` is required for code exchange".into())
            })?;
            fields.push(("grant_type", "authorization_code"));
            fields.push(("code", code));
            fields.push(("redirect_uri", redirect_uri));
            if let Some(v) = code_verifier {
                fields.push(("code_verifier", v));
            }
        }
        Grant::RefreshToken { refresh_token } => {
            check_non_empty("refresh_token", refresh_token)?;
            fields.push(("grant_type", "refresh_token"));
            fields.push(("refresh_token", refresh_token));
        }
        Grant::ClientCredentials { scope } => {
            if config.auth_method == AuthMethod::None {
                return Err(Error::InvalidConfig(
                    "client_credentials needs a confidential client: `authMethod` \
                     client_secret_post or client_secret_basic"
                        .into(),
                ));
            }
            fields.push(("grant_type", "client_credentials"));
            if let Some(scope) = scope.filter(|s| !s.is_empty()) {
                fields.push(("scope", scope));
            }
        }
        Grant::DeviceCode { device_code } => {
            check_non_empty("device_code", device_code)?;
            fields.push(("grant_type", DEVICE_CODE_GRANT));
            fields.push(("device_code", device_code));
        }
    }
    Ok(authenticated_post(
        config,
        url,
        &fields,
        grant_secrets(config, grant),
    ))
}

/// Adds client authentication to a form POST. Shared by every endpoint that authenticates the
/// client the way the token endpoint does. The request's secrets are `secrets` plus everything
/// this adds (client secret, Basic credentials): whatever the server echoes can be redacted.
pub fn authenticated_post(
    config: &Config,
    url: Url,
    fields: &[(&str, &str)],
    mut secrets: Secrets,
) -> FormPost {
    let mut headers = vec![
        ("content-type", FORM_CONTENT_TYPE.to_owned()),
        ("accept", "application/json".to_owned()),
        ("x-genauth-app-id", config.app_id.clone()),
    ];
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    let secret = config.app_secret().unwrap_or_default();
    secrets.add(secret);
    match config.auth_method {
        AuthMethod::ClientSecretPost => {
            form.append_pair("client_id", &config.app_id);
            form.append_pair("client_secret", secret);
        }
        AuthMethod::ClientSecretBasic => {
            let credentials = Zeroizing::new(basic_credentials(&config.app_id, secret));
            secrets.add(&credentials);
            // A server that does not follow RFC 6749 §2.3.1 may echo base64 of the raw pair.
            secrets.add(&Zeroizing::new(format!("{}:{secret}", config.app_id)));
            headers.push(("authorization", format!("Basic {}", credentials.as_str())));
        }
        AuthMethod::None => {
            form.append_pair("client_id", &config.app_id);
        }
    }
    for (k, v) in fields {
        form.append_pair(k, v);
    }
    FormPost {
        url,
        headers,
        body: Zeroizing::new(form.finish()),
        secrets,
    }
}

/// RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded.
pub fn basic_credentials(client_id: &str, client_secret: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        encode(client_id),
        encode(client_secret)
    ))
}

fn check_non_empty(name: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::InvalidArgument(format!("`{name}` is empty")));
    }
    Ok(())
}

/// RFC 7636 §4.1: 43 to 128 characters from the unreserved set. Checked here because a bad
/// verifier would otherwise surface as the provider's opaque `invalid_grant`.
fn check_code_verifier(v: &str) -> Result<(), Error> {
    let ok_len = (43..=128).contains(&v.len());
    let ok_chars = v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !ok_len || !ok_chars {
        return Err(Error::InvalidArgument(
            "`code_verifier` must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
