//! A process-wide value that can be replaced at any time without a lock, read lock-free from any
//! thread: replaced values are kept (never freed), since a reader on another thread may still be
//! using one. Each replacement costs one small allocation for the life of the process; all of
//! them stay reachable from the slot (a leak checker sees them as reachable, not lost).

use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

pub(crate) struct KeptSlot<T> {
    head: AtomicPtr<Node<T>>,
}

struct Node<T> {
    value: Option<T>,
    /// The value this one replaced, kept reachable.
    _previous: *mut Node<T>,
}

// SAFETY: nodes are only read through `&T` once published, and never freed.
unsafe impl<T: Send + Sync> Sync for KeptSlot<T> {}

impl<T> KeptSlot<T> {
    pub(crate) const fn new() -> KeptSlot<T> {
        KeptSlot {
            head: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Makes `value` the current one (`None` clears it); the replaced one is kept.
    pub(crate) fn set(&self, value: Option<T>) {
        let node = Box::into_raw(Box::new(Node {
            value,
            _previous: ptr::null_mut(),
        }));
        let mut previous = self.head.load(Ordering::Acquire);
        loop {
            // SAFETY: `node` is ours until the exchange below publishes it.
            unsafe { (*node)._previous = previous };
            match self
                .head
                .compare_exchange(previous, node, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(now) => previous = now,
            }
        }
    }

    /// The current value, if any.
    pub(crate) fn get(&self) -> Option<&'static T> {
        // SAFETY: a published node is never freed or changed, so it lives for the process.
        let node: &'static Node<T> = unsafe { self.head.load(Ordering::Acquire).as_ref()? };
        node.value.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_clear() {
        static SLOT: KeptSlot<String> = KeptSlot::new();
        assert!(SLOT.get().is_none());
        SLOT.set(Some("a".into()));
        let a = SLOT.get().unwrap();
        SLOT.set(Some("b".into()));
        assert_eq!(a, "a", "a replaced value stays valid");
        assert_eq!(SLOT.get().unwrap(), "b");
        SLOT.set(None);
        assert!(SLOT.get().is_none());
    }
}
