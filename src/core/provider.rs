//! What the client learns about its provider and keeps: the discovery document and the JWKS.
//! Both are fetched lazily, shared by concurrent callers (one fetch, many waiters), and
//! refetched only within bounds, so that neither a down provider nor a stream of tokens with
//! unknown key ids turns each call into extra requests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::Jwk;
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use super::config::Config;
use super::discovery::{discovery_url, parse_metadata, DiscoveryFailure, ProviderMetadata};
use super::error::Error;
use super::id_token::{key_fits, IdTokenCheck, TokenHeader};
use super::token_reply::parse_object;
use super::transport;

/// After a failed discovery, calls go straight to the documented paths for this long.
const DISCOVERY_RETRY_AFTER: Duration = Duration::from_secs(30);
/// Unknown `kid`: the JWKS is refetched at most once per this interval (key rotation is rare).
pub const DEFAULT_JWKS_REFETCH_FLOOR: Duration = Duration::from_secs(10);

#[derive(Default)]
struct DiscoveryState {
    metadata: Option<Arc<ProviderMetadata>>,
    failed_at: Option<Instant>,
    /// Set when the last document was refused: reported again until the retry interval passes.
    untrusted: Option<Error>,
}

#[derive(Default)]
struct KeysState {
    uri: Option<Url>,
    keys: Vec<Jwk>,
    fetched_at: Option<Instant>,
    fetch_count: u64,
}

pub struct ProviderCache {
    discovery: Mutex<DiscoveryState>,
    keys: Mutex<KeysState>,
    refetch_floor: Duration,
}

impl Default for ProviderCache {
    fn default() -> Self {
        ProviderCache::new(DEFAULT_JWKS_REFETCH_FLOOR)
    }
}

impl ProviderCache {
    pub fn new(refetch_floor: Duration) -> ProviderCache {
        ProviderCache {
            discovery: Mutex::new(DiscoveryState::default()),
            keys: Mutex::new(KeysState::default()),
            refetch_floor,
        }
    }

    /// The discovery document, fetched once and kept. Callers waiting on the lock share the
    /// result of the fetch in progress. `Ok(None)`: no usable document (calls fall back to the
    /// documented paths); `Err`: a document that must not be trusted (nothing is to be sent).
    pub async fn metadata(
        &self,
        http: &reqwest::Client,
        config: &Config,
    ) -> Result<Option<Arc<ProviderMetadata>>, Error> {
        let mut state = self.discovery.lock().await;
        if let Some(m) = &state.metadata {
            return Ok(Some(m.clone()));
        }
        if state
            .failed_at
            .is_some_and(|t| t.elapsed() < DISCOVERY_RETRY_AFTER)
        {
            return state.untrusted.clone().map_or(Ok(None), Err);
        }
        let fetched = match transport::get(http, &discovery_url(config), &[]).await {
            Ok(reply) => parse_metadata(config, reply.status, &reply.body),
            Err(e) => Err(DiscoveryFailure::Unavailable(e)),
        };
        match fetched {
            Ok(m) => {
                let m = Arc::new(m);
                state.metadata = Some(m.clone());
                Ok(Some(m))
            }
            Err(failure) => {
                state.failed_at = Some(Instant::now());
                state.untrusted = match failure {
                    DiscoveryFailure::Untrusted(e) => Some(e),
                    DiscoveryFailure::Unavailable(_) => None,
                };
                state.untrusted.clone().map_or(Ok(None), Err)
            }
        }
    }

    /// The discovery document if it is already known, without waiting or fetching.
    pub fn cached_metadata(&self) -> Option<Arc<ProviderMetadata>> {
        self.discovery.try_lock().ok()?.metadata.clone()
    }

    /// The JWKS key that fits a token header. An unknown `kid` triggers one refetch (a key
    /// rotation), unless the set was fetched less than the refetch floor ago.
    pub async fn key_for(
        &self,
        http: &reqwest::Client,
        jwks_uri: &Url,
        header: &TokenHeader,
    ) -> Result<Jwk, IdTokenCheck> {
        let mut state = self.keys.lock().await;
        if state.uri.as_ref() != Some(jwks_uri) {
            *state = KeysState {
                uri: Some(jwks_uri.clone()),
                ..KeysState::default()
            };
        }
        if let Some(key) = state.keys.iter().find(|k| key_fits(k, header)) {
            return Ok(key.clone());
        }
        let fresh = state
            .fetched_at
            .is_some_and(|t| t.elapsed() < self.refetch_floor);
        if fresh {
            // Within the floor: no new fetch. With no keys at all the provider is down, which
            // is not the same as a token signed by a key it never published.
            return Err(if state.keys.is_empty() {
                IdTokenCheck::KeysUnavailable
            } else {
                IdTokenCheck::Signature
            });
        }
        state.fetched_at = Some(Instant::now());
        state.fetch_count += 1;
        let keys = fetch_keys(http, jwks_uri).await;
        match keys {
            Some(keys) => state.keys = keys,
            None if state.keys.is_empty() => return Err(IdTokenCheck::KeysUnavailable),
            None => {}
        }
        state
            .keys
            .iter()
            .find(|k| key_fits(k, header))
            .cloned()
            .ok_or(IdTokenCheck::Signature)
    }

    /// How many times the JWKS was requested (for tests of the refetch bound).
    pub async fn jwks_fetch_count(&self) -> u64 {
        self.keys.lock().await.fetch_count
    }
}

/// Each key is parsed on its own: one key of a type this library does not know must not hide
/// the others.
async fn fetch_keys(http: &reqwest::Client, uri: &Url) -> Option<Vec<Jwk>> {
    let reply = transport::get(http, uri, &[]).await.ok()?;
    if !(200..300).contains(&reply.status) {
        return None;
    }
    let doc = parse_object(&reply.body)?;
    let keys = doc.get("keys")?.as_array()?;
    Some(
        keys.iter()
            .filter_map(|k| serde_json::from_value::<Jwk>(Value::clone(k)).ok())
            .collect(),
    )
}
