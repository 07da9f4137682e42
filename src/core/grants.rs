//! The grants and URLs beyond the login: client credentials (RFC 6749 §4.4), RP-Initiated
//! Logout 1.0, and the device authorization grant (RFC 8628).

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;
use url::Url;

use super::client::{Client, IdTokenChecks};
use super::error::Error;
use super::log;
use super::redact::Secrets;
use super::token_reply::parse_json_reply;
use super::token_request::{authenticated_post, Grant};
use super::tokens::Tokens;
use super::transport;

/// Reads `{"key": "string" | null, ...}` with only `allowed` keys.
fn string_options<'a>(
    what: &str,
    text: Option<&str>,
    allowed: &[&'a str],
) -> Result<HashMap<&'a str, String>, Error> {
    let mut found = HashMap::new();
    let Some(text) = text else {
        return Ok(found);
    };
    let invalid = |m: String| Error::InvalidArgument(format!("{what} options: {m}"));
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return Err(invalid("not a JSON object".into()));
    };
    for (key, value) in &map {
        let Some(name) = allowed.iter().find(|a| **a == key) else {
            return Err(invalid(format!(
                "unknown key (allowed: {})",
                allowed.join(", ")
            )));
        };
        match value {
            Value::Null => {}
            Value::String(s) => {
                found.insert(*name, s.clone());
            }
            _ => return Err(invalid(format!("`{name}` must be a string"))),
        }
    }
    Ok(found)
}

/// Options of a client_credentials grant: `{"scope": "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientCredentialsOptions {
    pub scope: Option<String>,
}

impl ClientCredentialsOptions {
    /// `None` (no options) or `{"scope": "..."}`; other keys are refused.
    pub fn from_json(text: Option<&str>) -> Result<ClientCredentialsOptions, Error> {
        let mut map = string_options("client_credentials", text, &["scope"])?;
        Ok(ClientCredentialsOptions {
            scope: map.remove("scope"),
        })
    }
}

/// Options of a logout URL (RP-Initiated Logout 1.0 §2), every one optional.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LogoutOptions {
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
}

// The id_token names the user: not shown.
impl std::fmt::Debug for LogoutOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogoutOptions")
            .field(
                "id_token_hint",
                &self.id_token_hint.as_ref().map(|_| "[not shown]"),
            )
            .field("post_logout_redirect_uri", &self.post_logout_redirect_uri)
            .field("state", &self.state)
            .finish()
    }
}

impl LogoutOptions {
    /// `None` or `{"idTokenHint", "postLogoutRedirectUri", "state"}`; other keys are refused.
    pub fn from_json(text: Option<&str>) -> Result<LogoutOptions, Error> {
        let mut map = string_options(
            "logout",
            text,
            &["idTokenHint", "postLogoutRedirectUri", "state"],
        )?;
        Ok(LogoutOptions {
            id_token_hint: map.remove("idTokenHint"),
            post_logout_redirect_uri: map.remove("postLogoutRedirectUri"),
            state: map.remove("state"),
        })
    }
}

/// The URL that ends the user's session at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutUrl {
    pub url: Url,
}

/// A started device authorization (RFC 8628 §3.2): show `user_code` and `verification_uri`
/// to the user, then poll with `device_code`.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    /// Seconds between polls, as the provider said (5 when it said nothing).
    pub interval: u64,
}

// The device code is the credential the tokens are fetched with.
impl std::fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("device_code", &"[not shown]")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish()
    }
}

/// RFC 8628 §3.2: the interval when the provider gives none.
pub const DEFAULT_DEVICE_INTERVAL: Duration = Duration::from_secs(5);
/// RFC 8628 §3.5: what each `slow_down` adds.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// Device authorizations a client remembers at once; the ones that expire first are forgotten.
pub const MAX_REMEMBERED_DEVICES: usize = 256;

#[derive(Clone, Copy)]
struct DevicePace {
    interval: Duration,
    /// When the next poll may be sent.
    next_at: Instant,
    expires_at: Instant,
}

/// The polling pace of each device code a client started, bounded to
/// `MAX_REMEMBERED_DEVICES` entries.
#[derive(Default)]
pub struct DeviceIntervals {
    paces: Mutex<HashMap<String, DevicePace>>,
}

impl DeviceIntervals {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, DevicePace>> {
        self.paces.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn remember(&self, device_code: &str, pace: DevicePace) {
        let mut paces = self.lock();
        if !paces.contains_key(device_code) && paces.len() >= MAX_REMEMBERED_DEVICES {
            let now = Instant::now();
            paces.retain(|_, p| p.expires_at > now);
            if paces.len() >= MAX_REMEMBERED_DEVICES {
                let first = paces
                    .iter()
                    .min_by_key(|(_, p)| p.expires_at)
                    .map(|(k, _)| k.clone());
                if let Some(first) = first {
                    paces.remove(&first);
                }
            }
        }
        paces.insert(device_code.to_owned(), pace);
    }

    /// The pace of a device code; an unknown one polls every 5 s, starting 5 s from now.
    fn pace(&self, device_code: &str) -> DevicePace {
        if let Some(pace) = self.lock().get(device_code) {
            return *pace;
        }
        let now = Instant::now();
        let pace = DevicePace {
            interval: DEFAULT_DEVICE_INTERVAL,
            next_at: now + DEFAULT_DEVICE_INTERVAL,
            expires_at: now + Duration::from_secs(1800),
        };
        self.remember(device_code, pace);
        pace
    }

    fn forget(&self, device_code: &str) {
        self.lock().remove(device_code);
    }

    /// How many device codes are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

impl Client {
    /// `client_credentials` grant: tokens for the client itself (no user, no id_token
    /// expected; one that comes is verified). A public client (`authMethod` none) is
    /// `invalid_config`.
    pub async fn client_credentials(
        &self,
        options: &ClientCredentialsOptions,
    ) -> Result<Tokens, Error> {
        let grant = Grant::ClientCredentials {
            scope: options.scope.as_deref(),
        };
        self.token_call(grant, IdTokenChecks::default()).await
    }

    /// The RP-Initiated Logout URL: discovery's `end_session_endpoint`, else
    /// `{appHost}/{protocol}/session/end`, with `client_id` and the options as query
    /// parameters. May fetch discovery, bounded by `timeoutMs`.
    pub async fn logout_url(&self, options: &LogoutOptions) -> Result<LogoutUrl, Error> {
        let mut url = self
            .guarded(
                &Secrets::new(),
                self.discovered_endpoint(|m| m.end_session_endpoint.clone(), "session/end"),
            )
            .await?;
        if let Some(uri) = &options.post_logout_redirect_uri {
            Url::parse(uri).map_err(|_| {
                Error::InvalidArgument("`postLogoutRedirectUri` is not an absolute URL".into())
            })?;
        }
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("client_id", &self.config.app_id);
            for (key, value) in [
                ("id_token_hint", &options.id_token_hint),
                (
                    "post_logout_redirect_uri",
                    &options.post_logout_redirect_uri,
                ),
                ("state", &options.state),
            ] {
                if let Some(value) = value {
                    query.append_pair(key, value);
                }
            }
        }
        Ok(LogoutUrl { url })
    }

    /// RFC 8628 §3.1: asks the provider's device authorization endpoint for a device and a
    /// user code, authenticating the client like the token calls. Options: `{"scope": "..."}`.
    pub async fn device_start(
        &self,
        options: &ClientCredentialsOptions,
    ) -> Result<DeviceAuthorization, Error> {
        let mut fields = Vec::new();
        if let Some(scope) = options.scope.as_deref().filter(|s| !s.is_empty()) {
            fields.push(("scope", scope));
        }
        let mut request = authenticated_post(
            &self.config,
            self.config.endpoint("device/auth"),
            &fields,
            Secrets::new(),
        );
        let secrets = std::mem::take(&mut request.secrets);
        let call = async {
            request.url = self
                .discovered_endpoint(|m| m.device_authorization_endpoint.clone(), "device/auth")
                .await?;
            let reply = transport::send(&self.http()?, &request)
                .await
                .map_err(|e| self.located(e, &request.url))?;
            let doc = parse_json_reply(reply.status, &reply.body)
                .map_err(|e| self.located(e, &request.url))?;
            device_authorization(doc, reply.status)
        };
        let device = self.guarded(&secrets, call).await?;
        let now = Instant::now();
        let interval = Duration::from_secs(device.interval);
        self.devices.remember(
            &device.device_code,
            DevicePace {
                interval,
                next_at: now + interval,
                expires_at: now + Duration::from_secs(device.expires_in),
            },
        );
        Ok(device)
    }

    /// RFC 8628 §3.4–3.5: polls the token endpoint at the interval the provider gave for
    /// `device_code` (5 s when unknown; +5 s on each `slow_down`) until tokens, the provider's
    /// error (`access_denied`, `expired_token`: `oauth_error`), or `authorization_pending`
    /// when the next poll would come after `max_wait` (the caller may poll again). Each poll
    /// is bounded by `timeoutMs`; an id_token in the reply is verified.
    pub async fn device_poll(
        &self,
        device_code: &str,
        max_wait: Duration,
    ) -> Result<Tokens, Error> {
        if device_code.is_empty() {
            return Err(Error::InvalidArgument("`device_code` is empty".into()));
        }
        let started = Instant::now();
        let deadline = started + max_wait;
        loop {
            let mut pace = self.devices.pace(device_code);
            if pace.next_at > deadline {
                return Err(Error::AuthorizationPending {
                    waited_seconds: started.elapsed().as_secs() as u32,
                });
            }
            tokio::time::sleep_until(pace.next_at).await;
            let result = self
                .token_call(Grant::DeviceCode { device_code }, IdTokenChecks::default())
                .await;
            let pending = match &result {
                Err(e) => match e.oauth_error().as_deref() {
                    Some("authorization_pending") => Some(false),
                    Some("slow_down") => Some(true),
                    _ => None,
                },
                Ok(_) => None,
            };
            match pending {
                Some(slow_down) => {
                    if slow_down {
                        pace.interval += SLOW_DOWN_STEP;
                    }
                    pace.next_at = Instant::now() + pace.interval;
                    self.devices.remember(device_code, pace);
                    let what = if slow_down {
                        "slow_down"
                    } else {
                        "authorization_pending"
                    };
                    let message = format!(
                        "device poll: {what}; next poll in {} s",
                        pace.interval.as_secs()
                    );
                    log::emit(
                        log::Level::Trace,
                        &Secrets::new().with(Some(device_code)),
                        &message,
                    );
                }
                None => {
                    // Tokens, or an end (access_denied, expired_token, ...): the code is spent.
                    // A transport failure keeps the pace for the caller's next try.
                    if result.is_ok() || result.as_ref().is_err_and(|e| e.oauth_error().is_some()) {
                        self.devices.forget(device_code);
                    } else {
                        pace.next_at = Instant::now() + pace.interval;
                        self.devices.remember(device_code, pace);
                    }
                    return result;
                }
            }
        }
    }
}

fn device_authorization(
    mut doc: Map<String, Value>,
    status: u16,
) -> Result<DeviceAuthorization, Error> {
    let missing = |field: &str| Error::InvalidResponse {
        reason: format!("the device authorization reply has no usable `{field}`"),
        http_status: Some(status),
    };
    let mut string = |field: &'static str| match doc.remove(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(missing(field)),
    };
    let device_code = string("device_code")?.ok_or_else(|| missing("device_code"))?;
    let user_code = string("user_code")?.ok_or_else(|| missing("user_code"))?;
    let verification_uri =
        string("verification_uri")?.ok_or_else(|| missing("verification_uri"))?;
    let verification_uri_complete = string("verification_uri_complete")?;
    let expires_in = doc
        .get("expires_in")
        .and_then(Value::as_u64)
        .filter(|s| *s > 0)
        .ok_or_else(|| missing("expires_in"))?;
    let interval = match doc.get("interval") {
        None | Some(Value::Null) => DEFAULT_DEVICE_INTERVAL.as_secs(),
        // The provider's pace, never faster than one second.
        Some(v) => v
            .as_u64()
            .filter(|s| (1..=3600).contains(s))
            .ok_or_else(|| missing("interval"))?,
    };
    Ok(DeviceAuthorization {
        device_code,
        user_code,
        verification_uri,
        verification_uri_complete,
        expires_in,
        interval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_refuse_unknown_keys_and_non_strings() {
        assert_eq!(
            ClientCredentialsOptions::from_json(Some(r#"{"scope":"a b"}"#))
                .unwrap()
                .scope
                .as_deref(),
            Some("a b")
        );
        assert!(ClientCredentialsOptions::from_json(None)
            .unwrap()
            .scope
            .is_none());
        for bad in [r#"{"scopes":"a"}"#, r#"{"scope":1}"#, "[]", "x"] {
            let e = ClientCredentialsOptions::from_json(Some(bad)).unwrap_err();
            assert_eq!(e.code(), "invalid_argument", "{bad}");
        }
        let o = LogoutOptions::from_json(Some(
            r#"{"idTokenHint":"the-id-token","postLogoutRedirectUri":"https://a/b","state":"s"}"#,
        ))
        .unwrap();
        assert!(!format!("{o:?}").contains("the-id-token"));
        assert_eq!(o.state.as_deref(), Some("s"));
    }

    #[test]
    fn device_reply_fields() {
        let doc = |t: &str| serde_json::from_str::<Map<String, Value>>(t).unwrap();
        let d = device_authorization(
            doc(r#"{"device_code":"dc","user_code":"UC","verification_uri":"https://v","expires_in":600}"#),
            200,
        )
        .unwrap();
        assert_eq!((d.interval, d.expires_in), (5, 600));
        assert!(!format!("{d:?}").contains("dc\""));
        for bad in [
            r#"{"user_code":"UC","verification_uri":"https://v","expires_in":600}"#,
            r#"{"device_code":"dc","user_code":"UC","verification_uri":"https://v","expires_in":600,"interval":0}"#,
            r#"{"device_code":"dc","user_code":"UC","verification_uri":"https://v"}"#,
        ] {
            assert_eq!(
                device_authorization(doc(bad), 200).unwrap_err().code(),
                "invalid_response",
                "{bad}"
            );
        }
    }

    #[test]
    fn remembered_devices_are_bounded() {
        let devices = DeviceIntervals::default();
        let now = Instant::now();
        for i in 0..(MAX_REMEMBERED_DEVICES + 10) {
            devices.remember(
                &format!("dc-{i}"),
                DevicePace {
                    interval: Duration::from_secs(1),
                    next_at: now,
                    expires_at: now + Duration::from_secs(600 + i as u64),
                },
            );
        }
        assert_eq!(devices.len(), MAX_REMEMBERED_DEVICES);
        assert_eq!(devices.pace("dc-265").interval, Duration::from_secs(1));
        // An unknown code gets the RFC's default.
        let pace = devices.pace("never-started");
        assert_eq!(pace.interval, DEFAULT_DEVICE_INTERVAL);
    }
}
