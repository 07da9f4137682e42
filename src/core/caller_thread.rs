//! What a thread that makes blocking calls keeps for them: a current-thread tokio runtime and
//! its own connection pool per client. A blocking call then does all its I/O on the caller's
//! thread: no hand-off to a worker thread and back, whose wake-ups cost more than the request
//! itself on a loopback or LAN provider.
//!
//! A connection belongs to the runtime that spawned its task and makes progress only while that
//! runtime runs, so a pool made here is used only by this thread's runtime. Both are made on the
//! thread's first blocking call and dropped when the thread exits; a pool whose client is gone is
//! dropped at the thread's next blocking call. A forked child finds its parent's runtime and
//! connections in this thread's storage (the epoll instance and the sockets are shared with the
//! parent): they are leaked, never touched, and the child makes its own.

use std::cell::RefCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::rc::Rc;
use std::sync::{Arc, Weak};

use super::error::Error;
use crate::per_process;

/// What identifies a client's per-thread pools: a pool entry holds it weakly, so the pools of a
/// dropped client are found and released.
pub(crate) type PoolOwner = Arc<()>;

struct ThisThread {
    /// The process that made what follows.
    pid: u32,
    /// Inside `block_on` on this thread: requests made now use this thread's pools.
    driving: bool,
    /// Dropped before the runtime (fields drop in order): their connection tasks live there.
    pools: Vec<(Weak<()>, reqwest::Client)>,
    runtime: Option<Rc<tokio::runtime::Runtime>>,
}

/// Wraps the state so that a forked child's copy is leaked rather than dropped.
struct Slot(ManuallyDrop<ThisThread>);

impl Drop for Slot {
    fn drop(&mut self) {
        if self.0.pid != per_process::pid() {
            return; // a parent's: leaked
        }
        let state = std::mem::replace(&mut *self.0, ThisThread::empty(0));
        drop(state.pools);
        // `block_on` holds the other reference only while it runs, never at thread exit.
        if let Some(runtime) = state.runtime.and_then(|r| Rc::try_unwrap(r).ok()) {
            // An exiting thread must not wait for a name resolution still running on the
            // runtime's blocking pool.
            runtime.shutdown_background();
        }
    }
}

impl ThisThread {
    const fn empty(pid: u32) -> ThisThread {
        ThisThread {
            pid,
            driving: false,
            pools: Vec::new(),
            runtime: None,
        }
    }

    /// Forgets (leaks) whatever a parent process left here.
    fn for_this_process(&mut self) {
        let pid = per_process::pid();
        if self.pid != pid {
            std::mem::forget(std::mem::replace(self, ThisThread::empty(pid)));
        }
    }
}

thread_local! {
    static THIS_THREAD: RefCell<Slot> = const {
        RefCell::new(Slot(ManuallyDrop::new(ThisThread::empty(0))))
    };
}

/// Runs `future` to completion on this thread's runtime. The caller must not be inside a tokio
/// runtime (a blocking wait there would stall it): that is checked by the caller.
pub(crate) fn block_on<T>(future: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    let runtime = THIS_THREAD
        .try_with(|slot| -> Result<_, Error> {
            let mut slot = slot.borrow_mut();
            let state = &mut *slot.0;
            state.for_this_process();
            let runtime = match &state.runtime {
                Some(runtime) => runtime.clone(),
                None => {
                    let runtime = Rc::new(
                        tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            // Its blocking pool only runs name resolutions (getaddrinfo), one at
                            // a time since the thread makes one call at a time; an idle one does
                            // not linger.
                            .max_blocking_threads(1)
                            .thread_keep_alive(std::time::Duration::from_secs(2))
                            .build()
                            .map_err(|e| {
                                Error::Internal(format!(
                                    "could not start this thread's runtime: {e}"
                                ))
                            })?,
                    );
                    state.runtime = Some(runtime.clone());
                    runtime
                }
            };
            state.driving = true;
            Ok(runtime)
        })
        .map_err(|_| Error::Internal("called while this thread is exiting".into()))??;
    let _driving = Driving;
    runtime.block_on(future)
}

/// Clears `driving` when `block_on` ends, also by a panic.
struct Driving;

impl Drop for Driving {
    fn drop(&mut self) {
        let _ = THIS_THREAD.try_with(|slot| slot.borrow_mut().0.driving = false);
    }
}

/// This thread's pool for `owner`, made by `build` on first use, when called from inside
/// `block_on`; `None` elsewhere (the shared runtime uses the client's shared pool).
pub(crate) fn pool(
    owner: &PoolOwner,
    build: impl FnOnce() -> Result<reqwest::Client, Error>,
) -> Option<Result<reqwest::Client, Error>> {
    THIS_THREAD
        .try_with(|slot| {
            let mut slot = slot.borrow_mut();
            let state = &mut *slot.0;
            if !state.driving {
                return None;
            }
            // A weak entry keeps its allocation, so a live owner's address is never reused.
            state.pools.retain(|(weak, _)| weak.strong_count() > 0);
            let wanted = Arc::as_ptr(owner);
            if let Some((_, http)) = state.pools.iter().find(|(w, _)| w.as_ptr() == wanted) {
                return Some(Ok(http.clone()));
            }
            Some(build().inspect(|http| {
                state.pools.push((Arc::downgrade(owner), http.clone()));
            }))
        })
        .ok()
        .flatten()
}

/// How many pools this thread keeps (for tests of their release).
pub fn pools_on_this_thread() -> usize {
    THIS_THREAD
        .try_with(|slot| slot.borrow().0.pools.len())
        .unwrap_or(0)
}
