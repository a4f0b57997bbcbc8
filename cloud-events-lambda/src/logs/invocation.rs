//! Each invocation's own log state, in a task-local scope the dispatcher opens around it: the
//! keys its JSON lines carry, whether it was drawn for DEBUG sampling, whether it failed, and
//! its held lines. Concurrent invocations (`AWS_LAMBDA_MAX_CONCURRENCY`) run in tasks of
//! their own, so none sees another's.

use super::config::LogConfig;
use super::held::Held;
use super::keys::{InvocationKeys, LineKeys};
use crate::context::Context;
use cloud_events_core::{Kind, RawEvent};
use std::cell::{Cell, OnceCell, RefCell};
use std::future::Future;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

tokio::task_local! {
    static INVOCATION: InvocationLog;
}

/// Whether no invocation has started yet in this process.
static COLD: AtomicBool = AtomicBool::new(true);

/// One invocation's log state.
pub(crate) struct InvocationLog {
    pub(crate) config: Arc<LogConfig>,
    /// The process's first invocation.
    pub(crate) cold_start: bool,
    pub(crate) function_arn: String,
    /// Drawn for DEBUG sampling.
    pub(crate) sampled: bool,
    /// The event, once classified, for the correlation id to be read from when a line first
    /// needs it.
    event: RefCell<Option<(Kind, RawEvent)>>,
    correlation_id: OnceCell<Option<String>>,
    failed: Cell<bool>,
    pub(crate) held: RefCell<Held>,
}

impl InvocationLog {
    /// The log state of the invocation `context` describes.
    pub(crate) fn begin(config: &Arc<LogConfig>, context: &Context) -> Self {
        let sampled = config.sampling_rate > 0.0 && draw() < config.sampling_rate;
        InvocationLog {
            cold_start: COLD.swap(false, Ordering::Relaxed),
            function_arn: context.invoked_function_arn.clone(),
            sampled,
            event: RefCell::new(None),
            correlation_id: OnceCell::new(),
            failed: Cell::new(false),
            held: RefCell::new(Held::default()),
            config: Arc::clone(config),
        }
    }

    /// The event's correlation id; `None` before it is classified.
    pub(crate) fn correlation_id(&self) -> Option<&str> {
        if let Some(known) = self.correlation_id.get() {
            return known.as_deref();
        }
        // A line written while the id is read (by a panic in the reading, say) goes without.
        let event = self.event.try_borrow_mut().ok()?.take()?;
        let (kind, event) = event;
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.config.correlation_id(kind, event.json())
        }))
        .ok()
        .flatten();
        self.correlation_id.get_or_init(|| read).as_deref()
    }

    /// The keys of its lines.
    pub(crate) fn keys(&self) -> LineKeys<'_> {
        LineKeys {
            config: &self.config,
            invocation: Some(InvocationKeys {
                cold_start: self.cold_start,
                function_arn: &self.function_arn,
                correlation_id: self.correlation_id(),
            }),
        }
    }

    /// Writes the held lines now.
    pub(crate) fn flush(&self) {
        let taken = match self.held.try_borrow_mut() {
            Ok(mut held) => held.take(),
            // A line logged while the held lines are being recorded or written (by a field's
            // `Debug`, say): they are written by the outer call.
            Err(_) => return,
        };
        if let Some(taken) = taken {
            taken.write(&self.keys());
        }
    }

    /// The invocation ended: its held lines are written if it failed.
    fn end(&self, failed: bool) {
        // Otherwise what it held goes with its state, right after.
        if failed || self.failed.get() {
            self.flush();
        }
    }
}

/// A number drawn uniformly from [0, 1): the standard library's randomly keyed hasher over a
/// counter (a fresh key each draw), so that no random-number crate is needed for one draw an
/// invocation.
fn draw() -> f64 {
    static DRAWS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let bits = std::collections::hash_map::RandomState::new().hash_one(DRAWS.fetch_add(1, Ordering::Relaxed));
    (bits >> 11) as f64 / (1_u64 << 53) as f64
}

/// Runs `work` (one invocation) in its log state `state`; `failed` says from its outcome
/// whether it failed.
pub(crate) async fn scoped<T>(
    state: InvocationLog,
    work: impl Future<Output = T>,
    failed: impl FnOnce(&T) -> bool,
) -> T {
    INVOCATION
        .scope(state, async move {
            let outcome = work.await;
            let failed = failed(&outcome);
            let _ = INVOCATION.try_with(|state| state.end(failed));
            outcome
        })
        .await
}

/// The current invocation's log state, if a line is written in one.
pub(crate) fn with_current<R>(f: impl FnOnce(&InvocationLog) -> R) -> Option<R> {
    INVOCATION.try_with(f).ok()
}

/// The invocation's event is classified: its correlation id can be read.
pub(crate) fn classified(kind: Option<Kind>, event: &RawEvent) {
    let Some(kind) = kind else { return };
    let _ = INVOCATION.try_with(|state| {
        if let Ok(mut slot) = state.event.try_borrow_mut() {
            *slot = Some((kind, event.clone()));
        }
    });
}

/// Whether a line written now is in an invocation's log state.
pub(crate) fn in_invocation() -> bool {
    INVOCATION.try_with(|_| ()).is_ok()
}

/// The invocation failed: whatever it holds is written when it ends.
pub(crate) fn failed() {
    let _ = INVOCATION.try_with(|state| state.failed.set(true));
}

/// The invocation is failing without an ERROR line (a record of a batch failed): its held
/// lines are written now, ahead of the lines that say so, and whatever is held after them
/// when it ends.
pub(crate) fn failing() {
    let _ = INVOCATION.try_with(|state| {
        state.failed.set(true);
        state.flush();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_spread_over_zero_to_one() {
        let draws: Vec<f64> = (0..4000).map(|_| draw()).collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        let low = draws.iter().filter(|d| **d < 0.25).count();
        // A quarter, within a margin a fair draw leaves less than once in a billion runs.
        assert!((800..1200).contains(&low), "{low} of 4000 below 0.25");
    }
}
