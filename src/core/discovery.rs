//! OpenID Provider metadata (`{appHost}/oidc/.well-known/openid-configuration`): where the
//! endpoints and the keys really are, and which issuer signs.
//!
//! The document is trusted only as far as it agrees with `appHost`: its issuer must be the one
//! its own URL implies (OpenID Connect Discovery §4.3), and every endpoint the library calls must
//! be on appHost's origin. Otherwise a provider — or whoever answers in its place — could point
//! the token call, with the client secret and the code, at any host it likes.

use serde_json::{Map, Value};
use url::Url;

use super::config::Config;
use super::error::Error;
use super::token_reply::parse_object;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub token_endpoint: Url,
    pub jwks_uri: Url,
    pub authorization_endpoint: Option<Url>,
    pub userinfo_endpoint: Option<Url>,
    pub revocation_endpoint: Option<Url>,
    pub introspection_endpoint: Option<Url>,
    pub end_session_endpoint: Option<Url>,
    pub device_authorization_endpoint: Option<Url>,
    /// The algorithms the provider signs id_tokens with, when it says.
    pub id_token_signing_alg_values_supported: Option<Vec<String>>,
    /// RFC 9207: the provider puts `iss` on every authorization response, so a callback without
    /// one is not from it.
    pub authorization_response_iss_parameter_supported: bool,
}

/// Why no metadata can be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryFailure {
    /// No usable document (unreachable, a non-2xx status, not a document): calls go to
    /// GenAuth's documented paths on appHost, and id_tokens cannot be verified.
    Unavailable(Error),
    /// A document that names another issuer or sends requests off appHost's origin: nothing may
    /// be sent anywhere on its word.
    Untrusted(Error),
}

/// GenAuth publishes discovery under the `oidc` prefix whatever `protocol` the client uses.
pub fn discovery_url(config: &Config) -> Url {
    let mut url = issuer_url(config);
    let base = url.path().to_owned();
    url.set_path(&format!("{base}/.well-known/openid-configuration"));
    url
}

/// The issuer the discovery document must name: `{appHost}/oidc`, the URL it was fetched under.
pub fn expected_issuer(config: &Config) -> String {
    issuer_url(config).into()
}

fn issuer_url(config: &Config) -> Url {
    let mut url = config.app_host.clone();
    let base = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{base}/oidc"));
    url
}

fn unusable(reason: &str) -> DiscoveryFailure {
    DiscoveryFailure::Unavailable(Error::InvalidResponse {
        reason: format!("discovery document: {reason}"),
        http_status: None,
    })
}

fn off_origin(field: &str) -> DiscoveryFailure {
    DiscoveryFailure::Untrusted(Error::InvalidResponse {
        reason: format!(
            "discovery document: `{field}` is not on appHost's origin (scheme, host and port), \
             so nothing is sent there"
        ),
        http_status: None,
    })
}

/// Parses a discovery reply for `config`: issuer bound to appHost, endpoints on its origin.
pub fn parse_metadata(
    config: &Config,
    status: u16,
    body: &[u8],
) -> Result<ProviderMetadata, DiscoveryFailure> {
    if !(200..300).contains(&status) {
        return Err(DiscoveryFailure::Unavailable(Error::HttpStatus {
            http_status: status,
        }));
    }
    let doc = parse_object(body).ok_or_else(|| unusable("not a JSON object"))?;
    let issuer = doc
        .get("issuer")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| unusable("no issuer"))?;
    if issuer != expected_issuer(config) {
        return Err(DiscoveryFailure::Untrusted(Error::IssuerMismatch));
    }
    let endpoints = Endpoints {
        doc: &doc,
        app_host: &config.app_host,
    };
    Ok(ProviderMetadata {
        issuer: issuer.to_owned(),
        token_endpoint: endpoints
            .get("token_endpoint")?
            .ok_or_else(|| unusable("no token_endpoint"))?,
        jwks_uri: endpoints
            .get("jwks_uri")?
            .ok_or_else(|| unusable("no jwks_uri"))?,
        authorization_endpoint: endpoints.get("authorization_endpoint")?,
        userinfo_endpoint: endpoints.get("userinfo_endpoint")?,
        revocation_endpoint: endpoints.get("revocation_endpoint")?,
        introspection_endpoint: endpoints.get("introspection_endpoint")?,
        end_session_endpoint: endpoints.get("end_session_endpoint")?,
        device_authorization_endpoint: endpoints.get("device_authorization_endpoint")?,
        id_token_signing_alg_values_supported: doc
            .get("id_token_signing_alg_values_supported")
            .and_then(Value::as_array)
            .map(|algs| {
                algs.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            }),
        authorization_response_iss_parameter_supported: doc
            .get("authorization_response_iss_parameter_supported")
            == Some(&Value::Bool(true)),
    })
}

struct Endpoints<'a> {
    doc: &'a Map<String, Value>,
    app_host: &'a Url,
}

impl Endpoints<'_> {
    /// An endpoint the document names: absent is `None`; present, it must be an absolute URL on
    /// appHost's origin (which also keeps an https appHost from getting an http endpoint).
    fn get(&self, field: &str) -> Result<Option<Url>, DiscoveryFailure> {
        let Some(value) = self.doc.get(field).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let url = value
            .as_str()
            .and_then(|s| Url::parse(s).ok())
            .ok_or_else(|| off_origin(field))?;
        if url.origin() != self.app_host.origin() || !url.username().is_empty() {
            return Err(off_origin(field));
        }
        Ok(Some(url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(app_host: &str) -> Config {
        Config::from_json(&format!(
            r#"{{"appId":"a","appSecret":"secret-123","appHost":"{app_host}"}}"#
        ))
        .unwrap()
    }

    fn parse(app_host: &str, body: &str) -> Result<ProviderMetadata, DiscoveryFailure> {
        parse_metadata(&config(app_host), 200, body.as_bytes())
    }

    fn untrusted_code(r: Result<ProviderMetadata, DiscoveryFailure>) -> String {
        match r {
            Err(DiscoveryFailure::Untrusted(e)) => e.code().to_owned(),
            other => panic!("not untrusted: {other:?}"),
        }
    }

    #[test]
    fn parses_genauth_shaped_metadata() {
        let m = parse(
            "https://x.genauth.ai",
            r#"{"issuer":"https://x.genauth.ai/oidc","token_endpoint":"https://x.genauth.ai/oidc/token",
            "jwks_uri":"https://x.genauth.ai/oidc/.well-known/jwks.json","userinfo_endpoint":"https://x.genauth.ai:443/oidc/me",
            "id_token_signing_alg_values_supported":["RS256"],"authorization_response_iss_parameter_supported":true}"#,
        )
        .unwrap();
        assert_eq!(m.issuer, "https://x.genauth.ai/oidc");
        assert_eq!(m.token_endpoint.path(), "/oidc/token");
        assert_eq!(m.userinfo_endpoint.unwrap().path(), "/oidc/me");
        assert_eq!(m.revocation_endpoint, None);
        assert_eq!(
            m.id_token_signing_alg_values_supported,
            Some(vec!["RS256".to_owned()])
        );
        assert!(m.authorization_response_iss_parameter_supported);
    }

    #[test]
    fn issuer_must_be_app_host_under_oidc() {
        for issuer in [
            "https://evil.example/oidc",
            "https://x.genauth.ai/oidc/",
            "https://x.genauth.ai",
            "http://x.genauth.ai/oidc",
        ] {
            let body = format!(
                r#"{{"issuer":"{issuer}","token_endpoint":"https://x.genauth.ai/oidc/token","jwks_uri":"https://x.genauth.ai/j"}}"#
            );
            assert_eq!(
                untrusted_code(parse("https://x.genauth.ai", &body)),
                "issuer_mismatch",
                "{issuer}"
            );
        }
        // appHost with a path: the issuer is under it.
        let body = r#"{"issuer":"https://x/t/oidc","token_endpoint":"https://x/t/oidc/token","jwks_uri":"https://x/t/oidc/jwks"}"#;
        assert!(parse("https://x/t/", body).is_ok());
    }

    #[test]
    fn every_endpoint_must_be_on_app_host_origin() {
        let fields = [
            "token_endpoint",
            "jwks_uri",
            "authorization_endpoint",
            "userinfo_endpoint",
            "revocation_endpoint",
            "introspection_endpoint",
            "end_session_endpoint",
            "device_authorization_endpoint",
        ];
        for field in fields {
            for bad in [
                "http://localhost:9/steal",
                "http://127.0.0.1:1234/oidc/token",
                "https://127.0.0.1:4321/oidc/token",
                "https://user@127.0.0.1:8080/x",
                "not a url",
            ] {
                let mut doc = serde_json::json!({"issuer": "http://127.0.0.1:8080/oidc",
                    "token_endpoint": "http://127.0.0.1:8080/oidc/token",
                    "jwks_uri": "http://127.0.0.1:8080/oidc/jwks"});
                doc[field] = Value::from(bad);
                let r = parse("http://127.0.0.1:8080", &doc.to_string());
                match r {
                    Err(DiscoveryFailure::Untrusted(e)) => {
                        assert_eq!(e.code(), "invalid_response");
                        assert!(e.to_string().contains(field), "{e}");
                    }
                    other => panic!("{field} = {bad}: {other:?}"),
                }
            }
        }
        // An https appHost never gets an http endpoint, even on the same host.
        let body = r#"{"issuer":"https://x/oidc","token_endpoint":"http://x/oidc/token","jwks_uri":"https://x/oidc/jwks"}"#;
        assert_eq!(untrusted_code(parse("https://x", body)), "invalid_response");
    }

    #[test]
    fn missing_fields_and_errors_are_unavailable() {
        let c = config("https://x");
        for (status, body) in [
            (404, ""),
            (
                200,
                r#"{"token_endpoint":"https://x/t","jwks_uri":"https://x/j"}"#,
            ),
            (
                200,
                r#"{"issuer":"https://x/oidc","jwks_uri":"https://x/j"}"#,
            ),
            (200, "<html>"),
        ] {
            assert!(
                matches!(
                    parse_metadata(&c, status, body.as_bytes()),
                    Err(DiscoveryFailure::Unavailable(_))
                ),
                "{status} {body}"
            );
        }
    }

    #[test]
    fn discovery_is_under_oidc_whatever_the_protocol() {
        let c = Config::from_json(
            r#"{"appId":"a","appSecret":"s3cret-value","appHost":"https://x/t/","protocol":"oauth"}"#,
        )
        .unwrap();
        assert_eq!(
            discovery_url(&c).as_str(),
            "https://x/t/oidc/.well-known/openid-configuration"
        );
        assert_eq!(expected_issuer(&c), "https://x/t/oidc");
    }
}
