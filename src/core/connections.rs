//! Which connection pool a request uses. A client has one pool for the shared multi-thread
//! runtime (its async calls) and, on each thread that makes blocking calls, one more driven by
//! that thread's own runtime (`caller_thread`): a pooled connection must only be used from the
//! runtime that owns its task, or a request on it waits for a runtime that is not running.

use std::sync::Arc;

use super::caller_thread::{self, PoolOwner};
use super::config::ProxySetting;
use super::error::Error;
use super::transport::build_http_client;

#[derive(Clone)]
pub struct Connections {
    shared: reqwest::Client,
    ca_cert_pem: Option<String>,
    proxy: ProxySetting,
    owner: PoolOwner,
}

impl Connections {
    /// The pools for a trust and proxy setting: the shared one now, the per-thread ones when
    /// a thread first needs one.
    pub fn new(ca_cert_pem: Option<&str>, proxy: &ProxySetting) -> Result<Connections, Error> {
        Ok(Connections {
            shared: build_http_client(ca_cert_pem, proxy)?,
            ca_cert_pem: ca_cert_pem.map(str::to_owned),
            proxy: proxy.clone(),
            owner: Arc::new(()),
        })
    }

    /// The pool for a request made now: this thread's when it is inside a blocking call, the
    /// shared one otherwise.
    pub fn current(&self) -> Result<reqwest::Client, Error> {
        caller_thread::pool(&self.owner, || {
            build_http_client(self.ca_cert_pem.as_deref(), &self.proxy)
        })
        .unwrap_or_else(|| Ok(self.shared.clone()))
    }
}
