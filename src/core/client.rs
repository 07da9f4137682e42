//! A configured client: one config, one connection pool, async token calls.

use serde_json::{Map, Value};

use super::config::Config;
use super::error::Error;
use super::redact::Secrets;
use super::token_reply::parse_token_reply;
use super::token_request::{config_secrets, token_request, FormPost, Grant};
use super::transport::{self, build_http_client};

/// A token document: every field the provider sent, normalised (see `token_reply`).
pub type Tokens = Map<String, Value>;

/// Per-call options of a code exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExchangeOptions {
    /// The PKCE verifier of the login, when it used PKCE.
    pub code_verifier: Option<String>,
    /// The nonce sent with the login request; the id_token must carry it.
    pub nonce: Option<String>,
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
            let slot = match key.as_str() {
                "codeVerifier" => &mut options.code_verifier,
                "nonce" => &mut options.nonce,
                _ => return Err(invalid("unknown key (allowed: codeVerifier, nonce)")),
            };
            *slot = match value {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                _ => return Err(invalid("values must be strings")),
            };
        }
        Ok(options)
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    config: Config,
    http: reqwest::Client,
}

impl Client {
    /// A client with a connection pool of its own, trusting `caCertPem` when given.
    pub fn new(config: Config) -> Result<Client, Error> {
        let http = build_http_client(config.ca_cert_pem.as_deref())?;
        Ok(Client { config, http })
    }

    /// A client over an existing pool (the one-shot calls share pools across calls).
    pub fn with_http(config: Config, http: reqwest::Client) -> Client {
        Client { config, http }
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
            code_verifier: options.code_verifier.as_deref(),
        };
        let secrets = config_secrets(&self.config)
            .with(Some(code))
            .with(options.code_verifier.as_deref());
        self.token_call(grant, secrets).await
    }

    /// `refresh_token` grant.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, Error> {
        let secrets = config_secrets(&self.config).with(Some(refresh_token));
        self.token_call(Grant::RefreshToken { refresh_token }, secrets)
            .await
    }

    async fn token_call(&self, grant: Grant<'_>, secrets: Secrets) -> Result<Tokens, Error> {
        let request = token_request(&self.config, grant).map_err(|e| e.redact(&secrets))?;
        self.with_deadline(self.post_for_tokens(&request))
            .await
            .map_err(|e| e.redact(&request.secrets))
    }

    async fn post_for_tokens(&self, request: &FormPost) -> Result<Tokens, Error> {
        let reply = transport::send(&self.http, request).await?;
        parse_token_reply(reply.status, &reply.body, reply.received_at)
    }

    /// `timeoutMs` bounds the whole call, not each socket operation: a server trickling one
    /// byte a second must not keep the caller waiting forever.
    async fn with_deadline<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        tokio::time::timeout(self.config.timeout, call)
            .await
            .unwrap_or(Err(Error::Timeout {
                timeout_ms: self.config.timeout_ms(),
            }))
    }
}
