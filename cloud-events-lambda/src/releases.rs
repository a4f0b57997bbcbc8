//! Work owed when an invocation is cut short at its deadline: what its handlers had claimed
//! (idempotency records still in progress) is given back before Lambda is answered, so that
//! the retry runs instead of waiting for the claim to expire.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Gives one claim back.
pub(crate) type Release = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The claims of one invocation's running handlers (only idempotent handlers make any).
#[derive(Default)]
#[cfg_attr(not(feature = "idempotency"), allow(dead_code))]
pub(crate) struct Releases {
    next: AtomicU64,
    owed: Mutex<Vec<(u64, Release)>>,
}

#[cfg_attr(not(feature = "idempotency"), allow(dead_code))]
impl Releases {
    /// Owes `release` until [`Releases::settle`] is called with the token returned.
    pub(crate) fn owe(&self, release: Release) -> u64 {
        let token = self.next.fetch_add(1, Ordering::Relaxed);
        self.owed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((token, release));
        token
    }

    /// The claim was settled otherwise (its handler finished): nothing is owed for it.
    pub(crate) fn settle(&self, token: u64) {
        self.owed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(owed, _)| *owed != token);
    }

    /// Gives every claim still owed back, all at once.
    pub(crate) async fn release_all(&self) {
        let owed = std::mem::take(&mut *self.owed.lock().unwrap_or_else(|p| p.into_inner()));
        futures_util::future::join_all(owed.into_iter().map(|(_, release)| release)).await;
    }
}

impl fmt::Debug for Releases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let owed = self.owed.lock().map(|owed| owed.len()).unwrap_or_default();
        f.debug_struct("Releases").field("owed", &owed).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    #[tokio::test]
    async fn only_what_is_still_owed_is_released() {
        let released = Arc::new(AtomicUsize::new(0));
        let releases = Releases::default();
        let count = |n| {
            let released = Arc::clone(&released);
            Box::pin(async move {
                released.fetch_add(n, Ordering::SeqCst);
            }) as Release
        };
        let settled = releases.owe(count(1));
        releases.owe(count(10));
        releases.settle(settled);
        releases.release_all().await;
        assert_eq!(released.load(Ordering::SeqCst), 10);
        releases.release_all().await;
        assert_eq!(released.load(Ordering::SeqCst), 10, "released once");
    }
}
