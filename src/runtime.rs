//! The process's one tokio runtime and the connection pools of the one-shot calls.
//!
//! Created on first use and never dropped: a library cannot know when its host is done with it,
//! and dropping a runtime from `atexit` or `dlclose` races threads that are still running.
//! A forked child gets a fresh runtime and fresh pools: the parent's worker threads do not exist
//! in the child, so whatever belonged to them is leaked, never touched.

use std::collections::HashMap;
use std::future::Future;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};

use crate::core::provider::ProviderCache;
use crate::core::transport::build_http_client;
use crate::core::{Config, Error};

/// Few workers: the work is waiting on sockets, and the library is a guest in its host process.
const WORKER_THREADS: usize = 2;
const MAX_CALLBACK_THREADS: usize = 16;

pub(crate) struct Shared {
    pid: u32,
    runtime: tokio::runtime::Runtime,
    /// One pool per distinct `caCertPem` (None = the OS trust store alone).
    pools: Mutex<HashMap<Option<String>, reqwest::Client>>,
    /// Discovery and keys per provider, for the one-shot calls.
    providers: Mutex<HashMap<ProviderKey, Arc<ProviderCache>>>,
}

/// A provider is its host and the trust that reached it.
type ProviderKey = (String, Option<String>);

/// Bounds the one-shot provider caches in a process that talks to many hosts.
const MAX_PROVIDERS: usize = 64;

static SHARED: AtomicPtr<Shared> = AtomicPtr::new(ptr::null_mut());

impl Shared {
    fn new(pid: u32) -> Result<Shared, Error> {
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
            pid,
            runtime,
            pools: Mutex::new(HashMap::new()),
            providers: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    /// The shared pool for a TLS setting, built on first use.
    pub(crate) fn pool(&self, ca_cert_pem: Option<&str>) -> Result<reqwest::Client, Error> {
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        let key = ca_cert_pem.map(str::to_owned);
        if let Some(client) = pools.get(&key) {
            return Ok(client.clone());
        }
        let client = build_http_client(ca_cert_pem)?;
        pools.insert(key, client.clone());
        Ok(client)
    }
}

impl Shared {
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

/// The runtime of this process (a fork gets its own).
pub(crate) fn shared() -> Result<&'static Shared, Error> {
    let pid = std::process::id();
    loop {
        let current = SHARED.load(Ordering::Acquire);
        // SAFETY: every pointer stored in SHARED comes from Box::into_raw and is never freed.
        if let Some(shared) = unsafe { current.as_ref() } {
            if shared.pid == pid {
                return Ok(shared);
            }
        }
        let fresh = Box::into_raw(Box::new(Shared::new(pid)?));
        match SHARED.compare_exchange(current, fresh, Ordering::AcqRel, Ordering::Acquire) {
            // Any previous value belongs to a parent process: leaked on purpose.
            // SAFETY: `fresh` is now owned by SHARED and lives for the rest of the process.
            Ok(_) => return Ok(unsafe { &*fresh }),
            Err(_) => {
                // Another thread won the race; ours was never shared with anyone.
                // SAFETY: `fresh` came from Box::into_raw above and was not published.
                let ours = unsafe { Box::from_raw(fresh) };
                ours.runtime.shutdown_background();
            }
        }
    }
}

/// Runs a future to completion for a blocking C call. The future runs on the caller's thread
/// (no hand-off to a worker and back); the runtime's workers drive its sockets and timers.
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output, Error> {
    // Waiting inside the runtime would panic ("cannot start a runtime from within a runtime")
    // or deadlock its worker; this is how a blocking call from a callback is caught.
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::ReentrantCall);
    }
    Ok(shared()?.runtime().block_on(future))
}
