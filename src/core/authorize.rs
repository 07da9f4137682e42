//! The login request: the authorize URL with state, nonce and an S256 PKCE pair, all from the
//! OS random source. GenAuth's own Node SDK drops the PKCE challenge from this URL; we don't.

use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Map, Value};
use url::Url;
use zeroize::Zeroizing;

use super::config::Config;
use super::error::Error;

pub const DEFAULT_SCOPE: &str = "openid profile";

/// Parameters the library sets itself; `extraParams` may not override them.
const RESERVED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizeOptions {
    pub scope: Option<String>,
    pub prompt: Option<String>,
    pub extra_params: Vec<(String, String)>,
}

impl AuthorizeOptions {
    /// `{"scope": "...", "prompt": "...", "extraParams": {"k": "v"}}`, every key optional.
    pub fn from_json(text: &str) -> Result<AuthorizeOptions, Error> {
        let invalid = |m: &str| Error::InvalidArgument(format!("authorize options: {m}"));
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
            return Err(invalid("not a JSON object"));
        };
        let mut options = AuthorizeOptions::default();
        for (key, value) in &map {
            match (key.as_str(), value) {
                (_, Value::Null) => {}
                ("scope", Value::String(s)) => options.scope = Some(s.clone()),
                ("prompt", Value::String(s)) => options.prompt = Some(s.clone()),
                ("extraParams", Value::Object(params)) => {
                    for (k, v) in params {
                        let Value::String(v) = v else {
                            return Err(invalid("extraParams values must be strings"));
                        };
                        options.extra_params.push((k.clone(), v.clone()));
                    }
                }
                ("scope" | "prompt", _) => return Err(invalid("scope and prompt must be strings")),
                ("extraParams", _) => return Err(invalid("extraParams must be an object")),
                _ => return Err(invalid("unknown key (allowed: scope, prompt, extraParams)")),
            }
        }
        Ok(options)
    }
}

/// A login to start: send the user to `url`, keep the rest for the callback and the exchange.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub url: Url,
    pub state: String,
    pub nonce: String,
    /// Wiped from memory when dropped (the copy in a result document is the caller's).
    pub code_verifier: Zeroizing<String>,
}

// The verifier is the login's secret; state and nonce are in the URL anyway.
impl std::fmt::Debug for AuthorizeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizeRequest")
            .field("url", &self.url.as_str())
            .field("state", &self.state)
            .field("nonce", &self.nonce)
            .field("code_verifier", &"[redacted]")
            .finish()
    }
}

/// Builds the login URL. `endpoint` is discovery's `authorization_endpoint` when known.
pub fn build_authorize_url(
    config: &Config,
    options: &AuthorizeOptions,
    endpoint: Option<&Url>,
) -> Result<AuthorizeRequest, Error> {
    let redirect_uri = config.redirect_uri.as_deref().ok_or_else(|| {
        Error::InvalidConfig("`redirectUri` is required to build a login URL".into())
    })?;
    if let Some((k, _)) = options
        .extra_params
        .iter()
        .find(|(k, _)| RESERVED.contains(&k.as_str()))
    {
        let shown: String = k.chars().take(64).collect();
        return Err(Error::InvalidArgument(format!(
            "extraParams may not set `{shown}`: the library sets it"
        )));
    }
    let scope = options.scope.as_deref().unwrap_or(DEFAULT_SCOPE);
    let prompt = prompt_for(scope, options.prompt.as_deref())?;

    let code_verifier = Zeroizing::new(random_token(32)?);
    let state = random_token(24)?;
    let nonce = random_token(24)?;
    let mut url = endpoint.cloned().unwrap_or_else(|| config.endpoint("auth"));
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("client_id", &config.app_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", scope)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &code_challenge(&code_verifier))
            .append_pair("code_challenge_method", "S256");
        if let Some(prompt) = &prompt {
            query.append_pair("prompt", prompt);
        }
        for (k, v) in &options.extra_params {
            query.append_pair(k, v);
        }
    }
    Ok(AuthorizeRequest {
        url,
        state,
        nonce,
        code_verifier,
    })
}

/// GenAuth issues a refresh token only when `offline_access` comes with `prompt=consent`.
fn prompt_for(scope: &str, prompt: Option<&str>) -> Result<Option<String>, Error> {
    let offline = scope.split(' ').any(|s| s == "offline_access");
    let mut values: Vec<&str> = prompt
        .map(|p| p.split(' ').filter(|v| !v.is_empty()).collect())
        .unwrap_or_default();
    if offline {
        if values.contains(&"none") {
            return Err(Error::InvalidArgument(
                "prompt `none` cannot be combined with offline_access, which needs consent".into(),
            ));
        }
        if !values.contains(&"consent") {
            values.push("consent");
        }
    }
    Ok((!values.is_empty()).then(|| values.join(" ")))
}

/// RFC 7636 S256: base64url(SHA-256(verifier)).
pub fn code_challenge(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// `bytes` from the OS random source, base64url: 32 bytes make a 43-character PKCE verifier.
fn random_token(bytes: usize) -> Result<String, Error> {
    let mut buf = Zeroizing::new(vec![0u8; bytes]);
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| Error::Internal("the OS random source failed".into()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&buf))
}

/// The query of a URL as pairs; a parameter given twice is an error (RFC 6749 §3.1).
pub fn unique_query(url: &Url) -> Result<Map<String, Value>, Error> {
    let mut params = Map::new();
    for (k, v) in url.query_pairs() {
        if params
            .insert(k.to_string(), Value::String(v.into_owned()))
            .is_some()
        {
            let shown: String = k.chars().take(64).collect();
            return Err(Error::InvalidArgument(format!(
                "the parameter `{shown}` is given twice"
            )));
        }
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::from_json(
            r#"{"appId":"app 1","appSecret":"s3cret-value","appHost":"https://x.genauth.ai","redirectUri":"https://app/cb"}"#,
        )
        .unwrap()
    }

    fn build(options: &str) -> Result<AuthorizeRequest, Error> {
        build_authorize_url(&config(), &AuthorizeOptions::from_json(options)?, None)
    }

    #[test]
    fn url_carries_pkce_state_nonce() {
        let r = build("{}").unwrap();
        assert!(r.url.as_str().starts_with("https://x.genauth.ai/oidc/auth?client_id=app+1&redirect_uri=https%3A%2F%2Fapp%2Fcb&response_type=code&scope=openid+profile&state="));
        let q = unique_query(&r.url).unwrap();
        assert_eq!(q["state"], r.state.as_str());
        assert_eq!(q["nonce"], r.nonce.as_str());
        assert_eq!(
            q["code_challenge"],
            code_challenge(&r.code_verifier).as_str()
        );
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(q.get("prompt").is_none());
        assert_eq!(r.code_verifier.len(), 43);
        assert_ne!(build("{}").unwrap().state, r.state);
    }

    #[test]
    fn debug_shows_no_verifier() {
        let r = build("{}").unwrap();
        let shown = format!("{r:?} {r:#?}");
        assert!(!shown.contains(r.code_verifier.as_str()), "{shown}");
        assert!(shown.contains(&r.state), "{shown}");
    }

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn offline_access_adds_consent() {
        let r = build(r#"{"scope":"openid offline_access","prompt":"login"}"#).unwrap();
        assert_eq!(unique_query(&r.url).unwrap()["prompt"], "login consent");
        let e = build(r#"{"scope":"openid offline_access","prompt":"none"}"#).unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
    }

    #[test]
    fn extra_params_cannot_override() {
        let r = build(r#"{"extraParams":{"login_hint":"alice","ui_locales":"en"}}"#).unwrap();
        assert_eq!(unique_query(&r.url).unwrap()["login_hint"], "alice");
        for reserved in RESERVED {
            let e = build(&format!(r#"{{"extraParams":{{"{reserved}":"x"}}}}"#)).unwrap_err();
            assert_eq!(e.code(), "invalid_argument", "{reserved}");
        }
        assert_eq!(
            build(r#"{"scopes":"x"}"#).unwrap_err().code(),
            "invalid_argument"
        );
    }

    #[test]
    fn endpoint_from_discovery_keeps_its_query() {
        let endpoint = Url::parse("https://login.example/authorize?tenant=t1").unwrap();
        let r =
            build_authorize_url(&config(), &AuthorizeOptions::default(), Some(&endpoint)).unwrap();
        assert!(r
            .url
            .as_str()
            .starts_with("https://login.example/authorize?tenant=t1&client_id="));
    }
}
