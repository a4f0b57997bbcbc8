//! The per-process cache of completed records: a duplicate that this process already
//! answered is answered again without a call to the store.

use super::store::Record;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Completed records by id, at most `capacity`, the oldest dropped first.
#[derive(Debug)]
pub(crate) struct LocalCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    records: HashMap<String, Record>,
    order: VecDeque<String>,
}

impl LocalCache {
    pub(crate) fn new(capacity: usize) -> Self {
        LocalCache {
            capacity,
            inner: Mutex::default(),
        }
    }

    /// The completed record with this id, unless it has expired at `now_ms`.
    pub(crate) fn get(&self, id: &str, now_ms: u64) -> Option<Record> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let record = inner.records.get(id)?;
        if record.replaceable(now_ms) {
            inner.records.remove(id);
            return None;
        }
        Some(record.clone())
    }

    pub(crate) fn insert(&self, record: Record) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.records.insert(record.id.clone(), record.clone()).is_none() {
            inner.order.push_back(record.id);
        }
        while inner.records.len() > self.capacity {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            inner.records.remove(&oldest);
        }
        // Ids removed on expiry stay in `order` until they come up; keep it bounded too.
        if inner.order.len() > 2 * self.capacity {
            let Inner { records, order } = &mut *inner;
            order.retain(|id| records.contains_key(id));
        }
    }

    pub(crate) fn remove(&self, id: &str) {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .records
            .remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idempotency::Status;

    fn completed(id: &str, expiration: u64) -> Record {
        Record {
            id: id.to_owned(),
            status: Status::Completed,
            expiration,
            in_progress_expiration: None,
            data: Some("1".to_owned()),
            validation: None,
        }
    }

    #[test]
    fn keeps_at_most_its_capacity_and_forgets_expired_records() {
        let cache = LocalCache::new(2);
        cache.insert(completed("a", 100));
        cache.insert(completed("b", 100));
        cache.insert(completed("c", 100));
        assert!(cache.get("a", 0).is_none(), "the oldest went first");
        assert!(cache.get("b", 0).is_some() && cache.get("c", 0).is_some());
        assert!(cache.get("b", 101_000).is_none(), "expired after 100 s");
        cache.remove("c");
        assert!(cache.get("c", 0).is_none());
    }
}
