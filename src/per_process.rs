//! A value of which each process has its own: made on first use in a process, and made again in
//! a forked child instead of using the parent's.
//!
//! A child of `fork()` has one thread, but a copy of all the parent's memory: locks that other
//! threads held, runtimes whose threads are gone, connections shared with the parent. Touching
//! any of them can hang the child forever. So the value is tagged with the process that made it,
//! a child makes its own, and the parent's is leaked, never touched (not even dropped: its
//! destructor could wait on those same threads). No lock is used here, for the same reason.

use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};
use std::sync::Once;

pub(crate) struct PerProcess<T> {
    slot: AtomicPtr<Tagged<T>>,
}

struct Tagged<T> {
    pid: u32,
    value: T,
}

// SAFETY: the value is shared by reference between the threads of a process, like a `&T` in an
// `Arc<T>`; it is moved between threads only when the whole `PerProcess` is.
unsafe impl<T: Send + Sync> Sync for PerProcess<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for PerProcess<T> {}

impl<T> PerProcess<T> {
    pub(crate) const fn new() -> PerProcess<T> {
        PerProcess {
            slot: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// This process's value, made by `init` on its first use here. When threads race to make
    /// it, one value wins and the others are dropped unused.
    pub(crate) fn get_or_try_init<E>(&self, init: impl FnOnce() -> Result<T, E>) -> Result<&T, E> {
        let pid = pid();
        let mut seen = self.slot.load(Ordering::Acquire);
        if let Some(value) = self.made_in(seen, pid) {
            return Ok(value);
        }
        let fresh = Box::into_raw(Box::new(Tagged {
            pid,
            value: init()?,
        }));
        loop {
            match self
                .slot
                .compare_exchange(seen, fresh, Ordering::AcqRel, Ordering::Acquire)
            {
                // Whatever was there was made in an ancestor process: leaked on purpose.
                // SAFETY: `fresh` is now owned by `slot` and freed only by Drop.
                Ok(_) => return Ok(&unsafe { &*fresh }.value),
                Err(now) => {
                    if let Some(value) = self.made_in(now, pid) {
                        // Another thread of this process was first; ours was never published.
                        // SAFETY: `fresh` came from Box::into_raw above.
                        drop(unsafe { Box::from_raw(fresh) });
                        return Ok(value);
                    }
                    seen = now;
                }
            }
        }
    }

    /// The value behind `ptr` when it was made in process `pid`.
    fn made_in(&self, ptr: *mut Tagged<T>, pid: u32) -> Option<&T> {
        // SAFETY: a non-NULL pointer in `slot` came from Box::into_raw in `get_or_try_init` and is
        // freed only by Drop, which has `&mut self`. Once set for a pid it is never replaced in
        // that process, so the reference lives as long as the `&self` it was read through.
        let tagged = unsafe { ptr.as_ref() }?;
        (tagged.pid == pid).then_some(&tagged.value)
    }

    pub(crate) fn get_or_init(&self, init: impl FnOnce() -> T) -> &T {
        match self.get_or_try_init(|| Ok::<T, std::convert::Infallible>(init())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }
}

impl<T> Default for PerProcess<T> {
    fn default() -> PerProcess<T> {
        PerProcess::new()
    }
}

impl<T> Drop for PerProcess<T> {
    fn drop(&mut self) {
        let current = *self.slot.get_mut();
        // SAFETY: from Box::into_raw in `get_or_try_init`; `&mut self` is exclusive.
        if let Some(tagged) = unsafe { current.as_ref() } {
            if tagged.pid == pid() {
                // SAFETY: as above; made in this process, so it is this process's to drop.
                drop(unsafe { Box::from_raw(current) });
            }
        }
    }
}

/// This process's id, without a system call on every use (each call into the library checks
/// it): cached, and forgotten in a forked child by a `pthread_atfork` handler, so the child's
/// first use reads its own. A child made by a raw `clone` without glibc's `fork` runs no such
/// handler; only `fork`'s children may call into the library.
pub(crate) fn pid() -> u32 {
    static PID: AtomicU32 = AtomicU32::new(0);
    static WATCH_FORKS: Once = Once::new();
    extern "C" fn forget_pid() {
        PID.store(0, Ordering::Relaxed);
    }
    WATCH_FORKS.call_once(|| {
        // SAFETY: registers a handler that only stores to an atomic (async-signal-safe).
        // Registration can fail only for lack of memory; then the cache is not used at all.
        if unsafe { libc::pthread_atfork(None, None, Some(forget_pid)) } != 0 {
            PID.store(u32::MAX, Ordering::Relaxed);
        }
    });
    match PID.load(Ordering::Relaxed) {
        0 => {
            let pid = std::process::id();
            PID.store(pid, Ordering::Relaxed);
            pid
        }
        u32::MAX => std::process::id(),
        pid => pid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    #[test]
    fn one_value_per_process_shared_by_threads() {
        let cell: Arc<PerProcess<usize>> = Arc::default();
        let made = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let (cell, made) = (cell.clone(), made.clone());
                std::thread::spawn(move || {
                    *cell.get_or_init(|| {
                        made.fetch_add(1, Ordering::SeqCst);
                        i
                    })
                })
            })
            .collect();
        let seen: Vec<usize> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(seen.iter().all(|v| *v == seen[0]), "{seen:?}");
        assert!(made.load(Ordering::SeqCst) >= 1);
        assert_eq!(*cell.get_or_init(|| 99), seen[0]);
    }

    #[test]
    fn a_failed_init_leaves_it_empty() {
        let cell = PerProcess::<String>::new();
        assert_eq!(cell.get_or_try_init(|| Err("no")), Err("no"));
        assert_eq!(
            cell.get_or_try_init(|| Ok::<_, ()>("yes".into())).unwrap(),
            "yes"
        );
    }

    #[test]
    fn a_value_from_another_process_is_replaced_not_used() {
        let cell = PerProcess::<&str>::new();
        // What a forked child finds: a value tagged with its parent's pid.
        let parents = Box::into_raw(Box::new(Tagged {
            pid: pid().wrapping_add(1),
            value: "parent's",
        }));
        cell.slot.store(parents, Ordering::Release);
        assert_eq!(*cell.get_or_init(|| "child's"), "child's");
        // SAFETY: the test made it and nothing else holds it (the cell leaked it, as in a child).
        drop(unsafe { Box::from_raw(parents) });
    }
}
