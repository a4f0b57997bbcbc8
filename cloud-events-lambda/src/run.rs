//! Running the selected handlers: each inside a panic guard, within the invocation's
//! deadline; several in order (all matches), records routed among handlers by their
//! conditions, or the adapted CloudEvents' handlers; then the answer those runs make.

use crate::context::Context;
use crate::error::{DispatchError, ErrorKind, for_logs, panicked};
use crate::invocation::{Container, Invocation};
use crate::registry::HandlerRegistration;
use crate::releases::Releases;
use crate::routed::{NOT_PROCESSED, Outcome, RoutedRun};
use crate::selection::{Selection, running_names};
use crate::strategy::{ErrorPolicy, Options, Strategy};
use cloud_events_core::{Classification, RawEvent};
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

/// What running handlers needs of the dispatcher.
pub(crate) struct Runner<'a> {
    pub(crate) options: &'a Options,
    pub(crate) container: &'a Arc<Container>,
}

impl Runner<'_> {
    /// Runs what `selection` chose for the event, within the invocation's deadline.
    pub(crate) async fn run_selection(
        &self,
        selection: &Selection,
        event: &RawEvent,
        classification: Classification,
        context: Context,
    ) -> Result<serde_json::Value, DispatchError> {
        let (handlers, assignment) = match selection {
            Selection::Run(handlers) => (handlers, None),
            Selection::PerRecord { handlers, assignment } => (handlers, Some(assignment)),
            Selection::Adapted(plan) => return self.run_adapted(plan, context).await,
            Selection::NoHandler => return Err(no_handler(&classification)),
            Selection::Ambiguous(tied) => return self.ambiguous(tied),
        };
        let budget = self.budget(&context);
        let releases = claims_of(handlers.iter().copied());
        let invocation = Invocation::new(
            event.clone().with_record_limit(self.options.limits.max_records),
            classification,
            context,
            Arc::clone(self.container),
            self.options.record_concurrency,
            assignment.is_some().then(RoutedRun::default),
            releases.clone(),
        );
        let work = async {
            match assignment {
                Some(assignment) => run_routed(handlers, assignment, &invocation).await,
                None => self.run_selected(handlers, &invocation).await,
            }
        };
        match within(budget, work).await {
            Ok(result) => result,
            Err(_) => {
                self.give_back(releases.as_deref()).await;
                let names: Vec<&str> = running_names(handlers, assignment.map(Vec::as_slice)).collect();
                if crate::recorder::builtin_on() {
                    let route = invocation.classification().route_key();
                    for handler in &names {
                        let took = budget.unwrap_or_default();
                        crate::builtin_metrics::handler_ran(route, handler, took, true);
                    }
                }
                Err(DispatchError::new(
                    ErrorKind::DeadlineExceeded,
                    format!(
                        "handler `{}` was still running {} ms before the invocation deadline and was cancelled",
                        names.join("`, `"),
                        self.options.deadline_margin.as_millis()
                    ),
                ))
            }
        }
    }

    /// Runs each adapted CloudEvent's handler: one event answers with its handler's value,
    /// several with an array of them; any failure fails the invocation.
    async fn run_adapted(
        &self,
        plan: &[(String, Classification, &'static HandlerRegistration)],
        context: Context,
    ) -> Result<serde_json::Value, DispatchError> {
        let budget = self.budget(&context);
        let releases = claims_of(plan.iter().map(|(_, _, handler)| *handler));
        let count = plan.len();
        let work = async {
            let mut values = Vec::with_capacity(count);
            let mut failures = Vec::new();
            for (index, (json, classification, handler)) in plan.iter().enumerate() {
                let invocation = Invocation::new(
                    RawEvent::new(json.as_str()),
                    classification.clone(),
                    context.clone(),
                    Arc::clone(self.container),
                    self.options.record_concurrency,
                    None,
                    releases.clone(),
                );
                match run(handler, &invocation).await {
                    Ok(value) => values.push(value),
                    Err(error) if count == 1 => return Err(error),
                    Err(error) => failures.push(format!("adapted event {index}: {}", error.message)),
                }
            }
            if !failures.is_empty() {
                let summary = format!(
                    "{} of {count} adapted events failed; {}",
                    failures.len(),
                    failures.join("; ")
                );
                return Err(DispatchError::new(ErrorKind::BatchFailed, summary));
            }
            Ok(if count == 1 {
                values.remove(0)
            } else {
                serde_json::Value::Array(values)
            })
        };
        match within(budget, work).await {
            Ok(answer) => answer,
            Err(_) => {
                self.give_back(releases.as_deref()).await;
                Err(DispatchError::new(
                    ErrorKind::DeadlineExceeded,
                    "adapted CloudEvent handlers were still running near the deadline",
                ))
            }
        }
    }

    /// Gives back what the handlers cut short at the deadline had claimed (idempotency
    /// records in progress), within the deadline margin.
    #[cfg(feature = "idempotency")]
    async fn give_back(&self, releases: Option<&Releases>) {
        let Some(releases) = releases else { return };
        if tokio::time::timeout(self.options.deadline_margin, releases.release_all())
            .await
            .is_err()
        {
            tracing::warn!("claims of the cancelled handlers were not all given back before the deadline");
        }
    }

    /// Only idempotent handlers claim anything: without them, nothing to give back.
    #[cfg(not(feature = "idempotency"))]
    async fn give_back(&self, _: Option<&Releases>) {}

    /// How long handlers may run: until `deadline_margin` before the deadline. A deadline
    /// already past when the invocation arrives is not enforced: Lambda always sends one in
    /// the future, and an emulator that sends a past one means none (`cargo lambda watch`
    /// sends `600000`, ten minutes after 1970).
    fn budget(&self, context: &Context) -> Option<Duration> {
        let remaining = context.remaining();
        if remaining.is_zero() {
            tracing::debug!(
                deadline_ms = context.deadline_ms,
                "the deadline had passed on arrival: not enforced"
            );
            return None;
        }
        Some(remaining.saturating_sub(self.options.deadline_margin))
    }

    async fn run_selected(
        &self,
        handlers: &[&'static HandlerRegistration],
        invocation: &Invocation,
    ) -> Result<serde_json::Value, DispatchError> {
        if let [handler] = handlers[..]
            && self.options.strategy != Strategy::AllMatches
        {
            return run(handler, invocation).await;
        }
        let mut outcomes = Vec::with_capacity(handlers.len());
        for &handler in handlers {
            let outcome = match run(handler, invocation).await {
                Ok(response) => serde_json::json!({ "handler": handler.path(), "response": response }),
                Err(error) if self.options.error_policy == ErrorPolicy::StopAtFirstError => {
                    return Err(error);
                }
                Err(error) => {
                    tracing::error!(
                        handler = handler.name,
                        errorType = error.error_type(),
                        "{}",
                        for_logs(&error.message)
                    );
                    serde_json::json!({
                        "handler": handler.path(),
                        "errorType": error.error_type(),
                        "errorMessage": error.message,
                    })
                }
            };
            outcomes.push(outcome);
        }
        Ok(serde_json::Value::Array(outcomes))
    }

    fn ambiguous(&self, tied: &[&'static HandlerRegistration]) -> Result<serde_json::Value, DispatchError> {
        let names: Vec<String> = tied.iter().map(|h| format!("`{}`", h.path())).collect();
        let message = format!(
            "{} handlers match at rank {}: {}",
            tied.len(),
            tied[0].rank,
            names.join(", ")
        );
        if self.options.strategy == Strategy::ErrorIfAmbiguous {
            return Err(DispatchError::new(ErrorKind::Ambiguous, message));
        }
        tracing::warn!("{message}; strategy none-if-ambiguous runs none of them");
        Ok(serde_json::Value::Null)
    }
}

/// The reason given for a record that no handler's condition takes.
const NO_RECORD_HANDLER: &str = "no handler's `when` condition holds for this record";

/// Runs each handler on the records assigned to it, in record order for ordered batches
/// (stopping at the first failure), grouped by handler for unordered ones; then answers for
/// the whole batch.
async fn run_routed(
    handlers: &[&'static HandlerRegistration],
    assignment: &[Option<usize>],
    invocation: &Invocation,
) -> Result<serde_json::Value, DispatchError> {
    let routed = invocation.routed().expect("a routed invocation");
    let count = assignment.len();
    let mut done = vec![false; count];
    let mut start = 0;
    while start < count {
        if done[start] {
            start += 1;
            continue;
        }
        let taker = assignment[start];
        // Whether the batch's records are independent is known once a handler has split it.
        let independent = || {
            routed
                .meta
                .get()
                .is_some_and(|m| m.order == cloud_events_core::batch::BatchOrder::Independent)
        };
        let indexes: Vec<usize> = if independent() {
            (start..count)
                .filter(|&k| !done[k] && assignment[k] == taker)
                .collect()
        } else {
            (start..count).take_while(|&k| assignment[k] == taker).collect()
        };
        match taker {
            None => {
                let mut outcomes = routed.outcomes.lock().unwrap_or_else(|p| p.into_inner());
                outcomes.resize(count, None);
                for &k in &indexes {
                    tracing::warn!(
                        route = invocation.classification().route_key(),
                        record = k,
                        "record failed: {NO_RECORD_HANDLER}"
                    );
                    outcomes[k] = Some(Err(NO_RECORD_HANDLER.to_owned()));
                }
            }
            Some(handler) => {
                let mut mask = vec![false; count];
                for &k in &indexes {
                    mask[k] = true;
                }
                *routed.mask.lock().unwrap_or_else(|p| p.into_inner()) = mask;
                run(handlers[handler], invocation).await?;
            }
        }
        for &k in &indexes {
            done[k] = true;
        }
        let failed = {
            let outcomes = routed.outcomes.lock().unwrap_or_else(|p| p.into_inner());
            indexes
                .iter()
                .any(|&k| matches!(outcomes.get(k), Some(Some(Err(_)))))
        };
        if failed && !independent() {
            break;
        }
    }
    let Some(meta) = routed.meta.get() else {
        return Err(DispatchError::new(
            ErrorKind::BatchFailed,
            format!("no record of the batch was handled: {NO_RECORD_HANDLER}"),
        ));
    };
    let outcomes = routed.outcomes.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let outcomes: Vec<Outcome> = (0..count)
        .map(|k| {
            outcomes
                .get(k)
                .cloned()
                .flatten()
                .unwrap_or_else(|| Err(NOT_PROCESSED.to_owned()))
        })
        .collect();
    crate::per_record::answer(meta, outcomes)
}

/// Where the claims of `handlers` are kept while they run: only idempotent handlers make any.
#[cfg(feature = "idempotency")]
fn claims_of(mut handlers: impl Iterator<Item = &'static HandlerRegistration>) -> Option<Arc<Releases>> {
    handlers
        .any(|handler| handler.idempotent.is_some())
        .then(Arc::default)
}

#[cfg(not(feature = "idempotency"))]
fn claims_of(_: impl Iterator<Item = &'static HandlerRegistration>) -> Option<Arc<Releases>> {
    None
}

/// Runs `work`, cancelled after `budget` if there is one.
async fn within<T>(
    budget: Option<Duration>,
    work: impl Future<Output = T>,
) -> Result<T, tokio::time::error::Elapsed> {
    match budget {
        Some(budget) => tokio::time::timeout(budget, work).await,
        None => Ok(work.await),
    }
}

/// Runs one handler inside a panic guard.
async fn run(
    handler: &'static HandlerRegistration,
    invocation: &Invocation,
) -> Result<serde_json::Value, DispatchError> {
    let started = crate::recorder::builtin_on().then(std::time::Instant::now);
    let guarded = AssertUnwindSafe((handler.call)(invocation))
        .catch_unwind()
        .map(|call| {
            call.unwrap_or_else(|panic| Err(panicked(&format!("handler `{}`", handler.path()), &*panic)))
        });
    #[cfg(feature = "opentelemetry")]
    let outcome = crate::traces::in_handler_span(handler.name, &handler.path(), invocation, guarded).await;
    #[cfg(not(feature = "opentelemetry"))]
    let outcome = guarded.await;
    if let Some(started) = started {
        let route = invocation.classification().route_key();
        crate::builtin_metrics::handler_ran(route, handler.name, started.elapsed(), outcome.is_err());
    }
    outcome
}

/// The answer when nothing takes the event.
fn no_handler(classification: &Classification) -> DispatchError {
    let mut message = format!("no handler for route `{}`", classification.route_key());
    if let Some(source) = classification.source() {
        message.push_str(&format!(" (source {source:?}"));
        if let Some(ty) = classification.event_type() {
            message.push_str(&format!(", type {ty:?}"));
        }
        message.push(')');
    }
    message.push_str(" and no #[on_event(default)] handler");
    DispatchError::new(ErrorKind::NoHandler, message)
}
