//! The process's shared tokio runtime (for the `_async` calls), the connection pools of the
//! one-shot calls, and the way blocking calls run.
//!
//! A blocking call runs on the caller's thread with that thread's own runtime and connections
//! (`core::caller_thread`): a C or Python caller waiting on a worker thread of a shared runtime
//! pays for two cross-thread wake-ups per call, more than a loopback request costs. The shared
//! runtime serves the `_async` calls; a program that only makes blocking calls never starts it.
//!
//! Both are made on first use and never dropped: a library cannot know when its host is done
//! with it, and dropping a runtime from `atexit` or `dlclose` races threads that are still
//! running. A forked child gets a fresh runtime and fresh pools: the parent's worker threads do
//! not exist in the child, so whatever belonged to them is leaked, never touched.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::core::caller_thread;
use crate::core::config::ProxySetting;
use crate::core::provider::ProviderCache;
use crate::core::{Config, Connections, Error};
use crate::per_process::PerProcess;

/// Few workers: the work is waiting on sockets, and the library is a guest in its host process.
const WORKER_THREADS: usize = 2;
const MAX_CALLBACK_THREADS: usize = 16;

pub(crate) struct Shared {
    /// `None` only while dropping (a runtime that lost the race to be the process's).
    runtime: Option<tokio::runtime::Runtime>,
}

/// What one-shot calls (a config document per call) share between calls.
#[derive(Default)]
pub(crate) struct OneShot {
    /// One set of pools per distinct `caCertPem` (None = the OS trust store alone) and `proxy`.
    pools: Mutex<HashMap<PoolKey, Connections>>,
    /// Discovery and keys per provider.
    providers: Mutex<HashMap<ProviderKey, Arc<ProviderCache>>>,
}

/// A pool is its trust and its proxy: configs that differ in either never share connections.
type PoolKey = (Option<String>, ProxySetting);

/// A provider is its host and the trust that reached it.
type ProviderKey = (String, Option<String>);

/// Bounds the one-shot provider caches in a process that talks to many hosts.
const MAX_PROVIDERS: usize = 64;

static SHARED: PerProcess<Shared> = PerProcess::new();
static ONE_SHOT: PerProcess<OneShot> = PerProcess::new();

impl Shared {
    fn new() -> Result<Shared, Error> {
        let build = || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS)
                .thread_name("genauth-worker")
                // Callbacks of the _async calls run on the blocking pool; bounded so that a flood
                // of calls queues instead of starting hundreds of threads in the host process.
                .max_blocking_threads(MAX_CALLBACK_THREADS)
                .enable_all()
                .build()
        };
        // tokio panics, rather than failing, when the OS refuses the worker threads.
        let runtime = std::panic::catch_unwind(build)
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| Error::Internal("could not start the runtime threads".into()))?;
        Ok(Shared {
            runtime: Some(runtime),
        })
    }

    pub(crate) fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime
            .as_ref()
            .expect("the runtime is only taken while dropping")
    }
}

impl OneShot {
    /// The pools for a TLS and proxy setting, made on first use (a proxy from the environment
    /// is read then).
    pub(crate) fn connections(
        &self,
        ca_cert_pem: Option<&str>,
        proxy: &ProxySetting,
    ) -> Result<Connections, Error> {
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        // Looked up without building a key: this runs on every one-shot call.
        if let Some((_, c)) = pools
            .iter()
            .find(|((ca, p), _)| ca.as_deref() == ca_cert_pem && p == proxy)
        {
            return Ok(c.clone());
        }
        let connections = Connections::new(ca_cert_pem, proxy)?;
        let key = (ca_cert_pem.map(str::to_owned), proxy.clone());
        pools.insert(key, connections.clone());
        Ok(connections)
    }

    /// The discovery and key cache shared by one-shot calls to the same provider.
    pub(crate) fn provider_cache(&self, config: &Config) -> Arc<ProviderCache> {
        let mut providers = self.providers.lock().unwrap_or_else(|p| p.into_inner());
        let key = (config.app_host.to_string(), config.ca_cert_pem.clone());
        if let Some(p) = providers.get(&key) {
            return p.clone();
        }
        if providers.len() >= MAX_PROVIDERS {
            providers.clear();
        }
        providers.entry(key).or_default().clone()
    }
}

/// The shared runtime of this process (a fork gets its own).
pub(crate) fn shared() -> Result<&'static Shared, Error> {
    SHARED.get_or_try_init(Shared::new)
}

/// What this process's one-shot calls share (a fork gets its own).
pub(crate) fn one_shot() -> &'static OneShot {
    ONE_SHOT.get_or_init(OneShot::default)
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Only a runtime that lost the race to be the process's is ever dropped, on whatever
        // thread made it; that may be inside a runtime context, where a blocking drop panics.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Runs a future to completion for a blocking C call, on the caller's thread with its own
/// runtime and connections.
pub(crate) fn block_on<T>(future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    // Waiting inside a runtime would stall it (or deadlock its worker); this is how a blocking
    // call from a callback is caught.
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::ReentrantCall);
    }
    caller_thread::block_on(future)
}
