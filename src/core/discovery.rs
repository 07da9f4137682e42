//! OpenID Provider metadata (`{appHost}/oidc/.well-known/openid-configuration`): where the
//! token endpoint and the keys really are, and which issuer signs.

use serde_json::Value;
use url::Url;

use super::config::{is_loopback, Config};
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
}

/// GenAuth publishes discovery under the `oidc` prefix whatever `protocol` the client uses.
pub fn discovery_url(config: &Config) -> Url {
    let mut url = config.app_host.clone();
    let base = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{base}/oidc/.well-known/openid-configuration"));
    url
}

fn unusable(reason: &str) -> Error {
    Error::InvalidResponse {
        reason: format!("discovery document: {reason}"),
        http_status: None,
    }
}

/// Parses a discovery reply. Endpoints must be https (or http on loopback), like `appHost`:
/// the discovery document decides where the client secret is sent.
pub fn parse_metadata(status: u16, body: &[u8]) -> Result<ProviderMetadata, Error> {
    if !(200..300).contains(&status) {
        return Err(Error::HttpStatus {
            http_status: status,
        });
    }
    let doc = parse_object(body).ok_or_else(|| unusable("not a JSON object"))?;
    let issuer = doc
        .get("issuer")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| unusable("no issuer"))?
        .to_owned();
    let endpoint = |key: &str| -> Option<Url> {
        let url = Url::parse(doc.get(key)?.as_str()?).ok()?;
        match url.scheme() {
            "https" => Some(url),
            "http" if is_loopback(&url) => Some(url),
            _ => None,
        }
    };
    Ok(ProviderMetadata {
        token_endpoint: endpoint("token_endpoint")
            .ok_or_else(|| unusable("no usable token_endpoint"))?,
        jwks_uri: endpoint("jwks_uri").ok_or_else(|| unusable("no usable jwks_uri"))?,
        authorization_endpoint: endpoint("authorization_endpoint"),
        userinfo_endpoint: endpoint("userinfo_endpoint"),
        revocation_endpoint: endpoint("revocation_endpoint"),
        introspection_endpoint: endpoint("introspection_endpoint"),
        issuer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_genauth_shaped_metadata() {
        let body = br#"{"issuer":"https://x.genauth.ai/oidc","token_endpoint":"https://x.genauth.ai/oidc/token",
            "jwks_uri":"https://x.genauth.ai/oidc/.well-known/jwks.json","userinfo_endpoint":"https://x.genauth.ai/oidc/me"}"#;
        let m = parse_metadata(200, body).unwrap();
        assert_eq!(m.issuer, "https://x.genauth.ai/oidc");
        assert_eq!(m.token_endpoint.path(), "/oidc/token");
        assert_eq!(m.userinfo_endpoint.unwrap().path(), "/oidc/me");
        assert_eq!(m.revocation_endpoint, None);
    }

    #[test]
    fn refuses_plain_http_endpoints_off_loopback() {
        let body = br#"{"issuer":"i","token_endpoint":"http://evil.example/token","jwks_uri":"https://x/jwks"}"#;
        assert_eq!(
            parse_metadata(200, body).unwrap_err().code(),
            "invalid_response"
        );
        let body = br#"{"issuer":"i","token_endpoint":"http://127.0.0.1:9/token","jwks_uri":"http://localhost/jwks"}"#;
        assert!(parse_metadata(200, body).is_ok());
    }

    #[test]
    fn missing_fields_and_errors() {
        assert_eq!(parse_metadata(404, b"").unwrap_err().code(), "http_status");
        assert!(parse_metadata(
            200,
            br#"{"token_endpoint":"https://x/t","jwks_uri":"https://x/j"}"#
        )
        .is_err());
        assert!(parse_metadata(200, br#"{"issuer":"i","jwks_uri":"https://x/j"}"#).is_err());
        assert!(parse_metadata(200, b"<html>").is_err());
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
    }
}
