//! A configured client: one config, one connection pool, async token calls.

use serde_json::Value;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

use super::authorize::{build_authorize_url, AuthorizeOptions, AuthorizeRequest};
use super::callback::{parse_callback, Callback, CallbackExpectations};
use super::config::{Config, Protocol};
use super::connections::Connections;
use super::discovery::{expected_issuer, ProviderMetadata};
use super::error::Error;
use super::id_token::{self, Expectations, IdTokenCheck};
use super::provider::ProviderCache;
use super::redact::Secrets;
use super::token_reply::{parse_json_reply, parse_token_reply};
use super::token_request::{authenticated_post, grant_secrets, token_request_at, FormPost, Grant};
use super::tokens::{IdTokenClaims, Introspection, Tokens, UserInfo};
use super::transport;

/// Per-call options of a code exchange.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExchangeOptions {
    /// The PKCE verifier of the login, when it used PKCE. Wiped from memory when dropped.
    pub code_verifier: Option<Zeroizing<String>>,
    /// The nonce sent with the login request; the id_token must carry it.
    pub nonce: Option<String>,
}

// The verifier is a secret; the nonce is not (it travels in the login URL).
impl std::fmt::Debug for ExchangeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExchangeOptions")
            .field(
                "code_verifier",
                &self.code_verifier.as_ref().map(|_| "[redacted]"),
            )
            .field("nonce", &self.nonce)
            .finish()
    }
}

impl ExchangeOptions {
    /// Parses `{"codeVerifier": "...", "nonce": "..."}`; both keys optional, others refused.
    pub fn from_json(text: &str) -> Result<ExchangeOptions, Error> {
        let invalid = |m: &str| Error::InvalidArgument(format!("options: {m}"));
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
            return Err(invalid("not a JSON object"));
        };
        let mut options = ExchangeOptions::default();
        for (key, value) in &map {
            let is_verifier = match key.as_str() {
                "codeVerifier" => true,
                "nonce" => false,
                _ => return Err(invalid("unknown key (allowed: codeVerifier, nonce)")),
            };
            let value = match value {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                _ => return Err(invalid("values must be strings")),
            };
            if is_verifier {
                options.code_verifier = value.map(Zeroizing::new);
            } else {
                options.nonce = value;
            }
        }
        Ok(options)
    }
}

/// What the id_token of one token call must say besides the usual claims.
#[derive(Clone, Copy, Default)]
pub(crate) struct IdTokenChecks<'a> {
    /// The login's nonce (code exchange).
    pub(crate) nonce: Option<&'a str>,
    /// The user the refreshed tokens belong to (refresh).
    pub(crate) subject: Option<&'a str>,
}

#[derive(Clone)]
pub struct Client {
    pub(crate) config: Config,
    pub(crate) connections: Connections,
    provider: Arc<ProviderCache>,
    /// The polling intervals of this client's device authorizations (RFC 8628).
    pub(crate) devices: Arc<super::grants::DeviceIntervals>,
    /// GenAuth's documented token endpoint for this config (discovery's, when known, wins).
    token_url: url::Url,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish()
    }
}

impl Client {
    /// A client with a connection pool and provider cache of its own, trusting `caCertPem`
    /// when given.
    pub fn new(config: Config) -> Result<Client, Error> {
        let connections = Connections::new(config.ca_cert_pem.as_deref(), &config.proxy)?;
        Ok(Client::with_shared(config, connections, Arc::default()))
    }

    /// A client over an existing pool and provider cache (the one-shot calls share both
    /// across calls to the same host).
    pub fn with_shared(
        config: Config,
        connections: Connections,
        provider: Arc<ProviderCache>,
    ) -> Client {
        Client {
            token_url: config.endpoint("token"),
            config,
            connections,
            provider,
            devices: Arc::default(),
        }
    }

    /// The same configuration over a new connection pool and provider cache: what a forked child
    /// process needs, since pooled connections and in-flight fetches belong to the parent.
    pub fn fresh_copy(&self) -> Result<Client, Error> {
        Client::new(self.config.clone())
    }

    /// The discovery and key cache, e.g. to share it or to inspect how often keys were fetched.
    pub fn provider(&self) -> &Arc<ProviderCache> {
        &self.provider
    }

    /// The connection pool for a request made now (see `Connections::current`).
    pub(crate) fn http(&self) -> Result<reqwest::Client, Error> {
        self.connections.current()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// `authorization_code` grant. Never retried: a code is single-use.
    pub async fn exchange_code(
        &self,
        code: &str,
        options: &ExchangeOptions,
    ) -> Result<Tokens, Error> {
        let grant = Grant::AuthorizationCode {
            code,
            code_verifier: options.code_verifier.as_deref().map(String::as_str),
        };
        let checks = IdTokenChecks {
            nonce: options.nonce.as_deref(),
            subject: None,
        };
        self.token_call(grant, checks).await
    }

    /// `refresh_token` grant.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, Error> {
        self.refresh_for(refresh_token, None).await
    }

    /// `refresh_token` grant for tokens that were issued to `subject` (the `sub` of their
    /// id_token): a new id_token naming anyone else is refused (OpenID Connect Core §12.2).
    pub async fn refresh_for(
        &self,
        refresh_token: &str,
        subject: Option<&str>,
    ) -> Result<Tokens, Error> {
        let checks = IdTokenChecks {
            nonce: None,
            subject,
        };
        self.token_call(Grant::RefreshToken { refresh_token }, checks)
            .await
    }

    pub(crate) async fn token_call(
        &self,
        grant: Grant<'_>,
        checks: IdTokenChecks<'_>,
    ) -> Result<Tokens, Error> {
        // The secrets are gathered only when there is an error to redact.
        let mut request = token_request_at(&self.config, self.token_url.clone(), grant)
            .map_err(|e| e.redact(&grant_secrets(&self.config, grant)))?;
        let secrets = std::mem::take(&mut request.secrets);
        let deadline = tokio::time::Instant::now() + self.config.timeout;
        let granted = async {
            let metadata = self.metadata_if_verifying().await?;
            if let (Some(m), Protocol::Oidc) = (&metadata, self.config.protocol) {
                request.url = m.token_endpoint.clone();
            }
            let tokens = self.post_for_tokens(&request).await?;
            Ok((tokens, metadata))
        };
        let (mut tokens, metadata) = self.guarded_until(deadline, &secrets, granted).await?;
        // The provider has accepted the grant: from here on a failure must hand back the refresh
        // token it may have rotated, or the caller would retry with a dead one.
        let verified = match &metadata {
            _ if !self.config.validate_id_token => Ok(()),
            metadata => {
                let verify = self.verify_id_token(&mut tokens, metadata.as_deref(), checks);
                self.guarded_until(deadline, &secrets, verify).await
            }
        };
        match verified {
            Ok(()) => Ok(tokens),
            Err(e) => Err(match tokens.refresh_token.take() {
                Some(refresh_token) if !refresh_token.is_empty() => Error::AfterGrant {
                    cause: Box::new(e),
                    refresh_token: zeroize::Zeroizing::new(refresh_token),
                },
                _ => e,
            }),
        }
    }

    /// Discovery, when id_tokens are to be verified (whatever the protocol: an id_token is
    /// verified wherever it comes from). `Ok(None)`: unavailable, so the token call goes to the
    /// documented path and verification reports `keys_unavailable`; `Err`: an untrusted
    /// document, and nothing is sent.
    async fn metadata_if_verifying(&self) -> Result<Option<Arc<ProviderMetadata>>, Error> {
        if !self.config.validate_id_token {
            return Ok(None);
        }
        self.provider.metadata(&self.http()?, &self.config).await
    }

    async fn post_for_tokens(&self, request: &FormPost) -> Result<Tokens, Error> {
        let reply = transport::send(&self.http()?, request)
            .await
            .map_err(|e| self.located(e, &request.url))?;
        parse_token_reply(reply.status, &reply.body, reply.received_at)
            .map_err(|e| self.located(e, &request.url))
    }

    /// An error with the URL it happened at, and a hint when appHost looks like it already
    /// holds the protocol's path (the library adds `/oidc` or `/oauth` itself).
    pub(crate) fn located(&self, e: Error, url: &url::Url) -> Error {
        let path = self.config.app_host.path().trim_end_matches('/');
        let doubled = path.ends_with("/oidc") || path.ends_with("/oauth");
        let hint = (doubled && e.http_status() == Some(404)).then_some(
            "appHost should be the bare host (e.g. https://your-app.genauth.ai): the library adds /oidc or /oauth itself",
        );
        e.at(url, hint)
    }

    /// Adds `id_token_claims` when the reply's id_token verifies; any failure is the error.
    async fn verify_id_token(
        &self,
        tokens: &mut Tokens,
        metadata: Option<&ProviderMetadata>,
        checks: IdTokenChecks<'_>,
    ) -> Result<(), Error> {
        let Some(id_token) = tokens.id_token.as_deref() else {
            // A login that sent a nonce asked for an id_token; a reply without one cannot show
            // that it answers that login.
            return match checks.nonce {
                Some(_) => Err(Error::IdTokenInvalid(IdTokenCheck::Nonce)),
                None => Ok(()),
            };
        };
        let metadata = metadata.ok_or(Error::IdTokenInvalid(IdTokenCheck::KeysUnavailable))?;
        let header = id_token::read_header(id_token).map_err(Error::IdTokenInvalid)?;
        let key = if header.is_hmac() {
            // HS* id_tokens are signed with the client secret; a public client has none.
            let secret = self
                .config
                .app_secret()
                .ok_or(Error::IdTokenInvalid(IdTokenCheck::Alg))?;
            jsonwebtoken::DecodingKey::from_secret(secret.as_bytes())
        } else {
            let jwk = self
                .provider
                .key_for(&self.http()?, &metadata.jwks_uri, &header)
                .await
                .map_err(Error::IdTokenInvalid)?;
            id_token::decoding_key(&jwk).map_err(Error::IdTokenInvalid)?
        };
        let expected = Expectations {
            issuer: &metadata.issuer,
            client_id: &self.config.app_id,
            nonce: checks.nonce,
            access_token: Some(&tokens.access_token),
            leeway_seconds: self.config.clock_skew.as_secs(),
            now: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            subject: checks.subject,
            allowed_algs: metadata.id_token_signing_alg_values_supported.as_deref(),
        };
        let claims =
            id_token::verify(id_token, &header, &key, &expected).map_err(Error::IdTokenInvalid)?;
        let claims = IdTokenClaims::from_object(claims)
            .ok_or(Error::IdTokenInvalid(IdTokenCheck::Malformed))?;
        tokens.id_token_claims = Some(claims);
        Ok(())
    }

    /// The login URL, at the authorization endpoint this client's discovery names (GenAuth's
    /// documented path when discovery is unavailable). May fetch discovery, bounded by
    /// `timeoutMs`.
    pub async fn authorize_url(
        &self,
        options: &AuthorizeOptions,
    ) -> Result<AuthorizeRequest, Error> {
        let metadata = self.guarded(&Secrets::new(), self.oidc_metadata()).await?;
        let endpoint = metadata.and_then(|m| m.authorization_endpoint.clone());
        build_authorize_url(&self.config, options, endpoint.as_ref())
    }

    /// Checks a login callback against this client's `redirectUri`, `expected_state` and its
    /// provider's issuer; `iss` is required when discovery says the provider always sends it.
    /// May fetch discovery, bounded by `timeoutMs`.
    pub async fn parse_callback(
        &self,
        callback_url: &str,
        expected_state: &str,
    ) -> Result<Callback, Error> {
        let metadata = self.guarded(&Secrets::new(), self.oidc_metadata()).await?;
        let issuer = expected_issuer(&self.config);
        parse_callback(
            callback_url,
            &CallbackExpectations {
                state: expected_state,
                issuer: &issuer,
                redirect_uri: self.config.redirect_uri.as_deref(),
                iss_required: metadata
                    .is_some_and(|m| m.authorization_response_iss_parameter_supported),
            },
        )
    }

    /// Discovery for the login helpers: only the `oidc` protocol's endpoints are discovered.
    pub(crate) async fn oidc_metadata(&self) -> Result<Option<Arc<ProviderMetadata>>, Error> {
        match self.config.protocol {
            Protocol::Oidc => self.provider.metadata(&self.http()?, &self.config).await,
            Protocol::OAuth => Ok(None),
        }
    }

    /// RFC 7009 revocation. Success is any 2xx: the provider answers the same whether or not it
    /// knew the token.
    pub async fn revoke(&self, token: &str, token_type_hint: Option<&str>) -> Result<(), Error> {
        check_token(token)?;
        if let Some(hint) = token_type_hint {
            if !matches!(hint, "access_token" | "refresh_token") {
                return Err(Error::InvalidArgument(
                    "`token_type_hint` must be access_token or refresh_token".into(),
                ));
            }
        }
        let mut fields = vec![("token", token)];
        if let Some(hint) = token_type_hint {
            fields.push(("token_type_hint", hint));
        }
        self.post_form(
            |m| m.revocation_endpoint.clone(),
            "token/revocation",
            &fields,
            token,
            |reply| {
                if (200..300).contains(&reply.status) {
                    Ok(())
                } else {
                    parse_json_reply(reply.status, &reply.body).map(|_| ())
                }
            },
        )
        .await
    }

    /// RFC 7662 introspection: the provider's view of a token (`active`, `sub`, `exp`, ...).
    pub async fn introspect(&self, token: &str) -> Result<Introspection, Error> {
        check_token(token)?;
        let pick = |m: &ProviderMetadata| m.introspection_endpoint.clone();
        self.post_form(
            pick,
            "token/introspection",
            &[("token", token)],
            token,
            |reply| {
                let doc = parse_json_reply(reply.status, &reply.body)?;
                Introspection::from_object(doc).ok_or_else(|| Error::InvalidResponse {
                    reason: "the introspection reply has no boolean `active`".into(),
                    http_status: Some(reply.status),
                })
            },
        )
        .await
    }

    /// OpenID Connect userinfo with the access token as a Bearer credential.
    pub async fn userinfo(&self, access_token: &str) -> Result<UserInfo, Error> {
        check_token(access_token)?;
        let secrets = Secrets::new()
            .with(self.config.app_secret())
            .with(Some(access_token));
        let call = async {
            let url = self
                .discovered_endpoint(|m| m.userinfo_endpoint.clone(), "me")
                .await?;
            let headers = [("authorization", format!("Bearer {access_token}"))];
            let reply = transport::get(&self.http()?, &url, &headers)
                .await
                .map_err(|e| self.located(e, &url))?;
            parse_json_reply(reply.status, &reply.body)
                .map(UserInfo::from_object)
                .map_err(|e| self.located(e, &url))
        };
        self.guarded(&secrets, call).await
    }

    /// POSTs a client-authenticated form about `token` to the discovered endpoint (or GenAuth's
    /// documented path) and reads the reply with `read`, under the deadline, errors redacted.
    async fn post_form<T>(
        &self,
        pick: impl Fn(&ProviderMetadata) -> Option<url::Url>,
        documented_path: &str,
        fields: &[(&str, &str)],
        token: &str,
        read: impl FnOnce(transport::HttpReply) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut request = authenticated_post(
            &self.config,
            self.config.endpoint(documented_path),
            fields,
            Secrets::new().with(Some(token)),
        );
        let secrets = std::mem::take(&mut request.secrets);
        let call = async {
            request.url = self.discovered_endpoint(pick, documented_path).await?;
            let reply = transport::send(&self.http()?, &request)
                .await
                .map_err(|e| self.located(e, &request.url))?;
            read(reply).map_err(|e| self.located(e, &request.url))
        };
        self.guarded(&secrets, call).await
    }

    /// The discovery document's endpoint when discovery works, else GenAuth's documented path;
    /// an untrusted discovery document is the error, and nothing is sent.
    pub(crate) async fn discovered_endpoint(
        &self,
        pick: impl Fn(&ProviderMetadata) -> Option<url::Url>,
        documented_path: &str,
    ) -> Result<url::Url, Error> {
        let discovered = self.oidc_metadata().await?.and_then(|m| pick(&m));
        Ok(discovered.unwrap_or_else(|| self.config.endpoint(documented_path)))
    }

    /// Runs a call under `timeoutMs` and removes `secrets` from its error. The deadline bounds
    /// the whole call, not each socket operation: a server trickling one byte a second must not
    /// keep the caller waiting forever.
    pub(crate) async fn guarded<T>(
        &self,
        secrets: &Secrets,
        call: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let deadline = tokio::time::Instant::now() + self.config.timeout;
        self.guarded_until(deadline, secrets, call).await
    }

    /// `guarded` with a deadline shared by several steps of one call.
    pub(crate) async fn guarded_until<T>(
        &self,
        deadline: tokio::time::Instant,
        secrets: &Secrets,
        call: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let (result, last_url) = transport::tracking(tokio::time::timeout_at(deadline, call)).await;
        result
            .unwrap_or_else(|_| {
                let timeout = Error::Timeout {
                    timeout_ms: self.config.timeout_ms(),
                };
                Err(match &last_url {
                    Some(url) => timeout.at(url, None),
                    None => timeout,
                })
            })
            .map_err(|e| {
                let e = e.redact(secrets);
                if super::log::enabled(super::log::Level::Info) {
                    let message = format!("call failed: {}: {e}", e.code());
                    super::log::emit(super::log::Level::Info, secrets, &message);
                }
                e
            })
    }
}

fn check_token(token: &str) -> Result<(), Error> {
    if token.is_empty() {
        return Err(Error::InvalidArgument("the token is empty".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_secret() {
        let options = ExchangeOptions::from_json(
            r#"{"codeVerifier":"the-verifier-0123456789-0123456789-0123456789","nonce":"n-1"}"#,
        )
        .unwrap();
        let config = Config::from_json(
            r#"{"appId":"app-1","appSecret":"the-client-secret","appHost":"https://x.genauth.ai"}"#,
        )
        .unwrap();
        let client = Client::new(config).unwrap();
        let shown = format!("{options:?} {options:#?} {client:?} {client:#?}");
        for secret in ["the-verifier", "the-client-secret"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("n-1") && shown.contains("app-1"), "{shown}");
    }
}
