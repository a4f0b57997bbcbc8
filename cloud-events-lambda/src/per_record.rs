//! Running a handler once per record of a batch, and answering the event source with the
//! failures in the form it expects.

use crate::error::{DispatchError, ErrorKind, panic_text};
use crate::invocation::Invocation;
use crate::routed::{BatchMeta, NOT_PROCESSED, Outcome};
use base64::Engine;
use cloud_events_core::batch::{Batch, BatchOrder, BatchRecord, BatchReport, Delivery};
use cloud_events_core::events::{DecodeError, RawEvent};
use futures_util::{FutureExt, StreamExt};
use serde::Serialize;
use serde_json::{Value, json};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

/// What a Firehose transformation handler can return for its record, besides a value (which
/// becomes the record's new data: a string as is, anything else as JSON) or `()` (the data
/// unchanged).
///
/// ```standalone_crate
/// use cloud_events_lambda::events::KinesisFirehoseEventRecord;
/// use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Options, Transformed, on_event};
///
/// /// Access log lines: drops `POST`s, upper-cases the rest.
/// #[on_event("aws.kinesis.firehose")]
/// fn access_log(record: KinesisFirehoseEventRecord) -> Transformed {
///     let line = String::from_utf8_lossy(&record.data.0);
///     if line.contains("\"POST ") {
///         Transformed::Dropped
///     } else {
///         Transformed::Ok(line.to_uppercase().into_bytes())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// let response = dispatcher.dispatch(Kind::KinesisFirehose.sample(), Context::local(1, "demo")).await.unwrap();
/// assert_eq!(response["records"][0]["result"], "Ok");
/// assert_eq!(response["records"][1]["result"], "Dropped");
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transformed {
    /// The record, with new data.
    Ok(Vec<u8>),
    /// Drop the record.
    Dropped,
    /// The record failed; Firehose keeps the original data in its error output.
    ProcessingFailed,
}

impl Serialize for Transformed {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = match self {
            Transformed::Ok(data) => {
                json!({ "result": "Ok", "data": base64::engine::general_purpose::STANDARD.encode(data) })
            }
            Transformed::Dropped => json!({ "result": "Dropped" }),
            Transformed::ProcessingFailed => json!({ "result": "ProcessingFailed" }),
        };
        value.serialize(serializer)
    }
}

/// One call of a handler, boxed: what the batch machinery below runs, compiled once here
/// instead of once per handler.
pub(crate) type Call<'a> = Pin<Box<dyn Future<Output = Result<Value, DispatchError>> + Send + 'a>>;

/// Work a batch does before or after its records run.
pub(crate) type Step<'s> = Pin<Box<dyn Future<Output = ()> + Send + 's>>;

/// The records of a batch, each taken once to make its handler call. The one generic piece
/// of a batch (`Pending`, per handler and record type) is this small; running the records,
/// logging their failures and answering are not generic.
pub(crate) trait Records<'a>: Send {
    /// The call on record `index`, or why the record could not be decoded (or was taken).
    fn take(&mut self, index: usize) -> Result<Call<'a>, String>;

    /// Before the records at `indexes` run (idempotent handlers claim them all at once).
    fn prepare<'s>(&'s mut self, _indexes: &'s [usize]) -> Step<'s> {
        Box::pin(std::future::ready(()))
    }

    /// After they ran, before the batch is answered.
    fn finish(&mut self) -> Step<'_> {
        Box::pin(std::future::ready(()))
    }
}

/// A batch's records, each taken out of the batch's own vector when it runs (a second
/// vector of them would double a big batch's transient memory), with whether it was.
pub(crate) struct Pending<'f, E, F> {
    records: Vec<BatchRecord<E>>,
    taken: Vec<bool>,
    call: &'f F,
}

impl<'a, E, F, Fut> Records<'a> for Pending<'a, E, F>
where
    E: Send,
    F: Fn(E) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Value, DispatchError>> + Send + 'a,
{
    fn take(&mut self, index: usize) -> Result<Call<'a>, String> {
        match self.taken.get_mut(index) {
            Some(taken) if !*taken => *taken = true,
            _ => return Err(format!("record {index} was run twice")),
        }
        match std::mem::replace(&mut self.records[index].record, Err(String::new())) {
            Ok(record) => Ok(Box::pin((self.call)(record))),
            Err(reason) => Err(reason),
        }
    }
}

/// Runs `call` with what the handler's event type delivers (`split` is its
/// `EventOf::deliver`): the whole event once, or each record of a batch.
pub async fn deliver<'a, E, F, Fut>(
    invocation: &'a Invocation,
    handler: &'static str,
    split: fn(&RawEvent) -> Result<Delivery<E>, DecodeError>,
    call: F,
) -> Result<Value, DispatchError>
where
    E: Send,
    F: Fn(E) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Value, DispatchError>> + Send + 'a,
{
    let batch = match delivery(invocation, split)? {
        Delivery::Whole(event) => return call(event).await,
        Delivery::Records(batch) => batch,
    };
    let (meta, mut pending) = pending(batch, &call);
    run_batch(meta, &mut pending, handler, invocation).await
}

/// What the handler's event type delivers of the invocation's event.
pub(crate) fn delivery<E>(
    invocation: &Invocation,
    split: fn(&RawEvent) -> Result<Delivery<E>, DecodeError>,
) -> Result<Delivery<E>, DispatchError> {
    split(invocation.event()).map_err(|e| {
        let kind = match e.limit {
            Some(_) => ErrorKind::LimitExceeded,
            None => ErrorKind::EventDecode,
        };
        DispatchError::new(kind, e.to_string())
    })
}

/// A batch's records, each waiting for its call, and what its answer needs.
pub(crate) fn pending<E, F>(batch: Batch<E>, call: &F) -> (BatchMeta, Pending<'_, E, F>) {
    let Batch {
        mut records,
        report,
        order,
    } = batch;
    let meta = BatchMeta {
        ids: records.iter_mut().map(|record| record.id.take()).collect(),
        data: records.iter_mut().map(|record| record.data.take()).collect(),
        report,
        order,
    };
    let pending = Pending {
        taken: vec![false; records.len()],
        records,
        call,
    };
    (meta, pending)
}

pub(crate) async fn run_batch<'a>(
    meta: BatchMeta,
    records: &mut dyn Records<'a>,
    handler: &'static str,
    invocation: &Invocation,
) -> Result<Value, DispatchError> {
    let order = meta.order;
    let concurrency = invocation.record_concurrency();
    // Split among handlers: run only this handler's records and leave the answer to the
    // dispatcher.
    if let Some(routed) = invocation.routed() {
        let mask = routed.mask.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let indexes: Vec<usize> = (0..meta.ids.len())
            .filter(|index| mask.get(*index) == Some(&true))
            .collect();
        records.prepare(&indexes).await;
        let outcomes = run_records(records, indexes.clone(), order, concurrency, handler, &meta.ids).await;
        records.finish().await;
        log_failures(
            invocation.classification().route_key(),
            handler,
            &meta.ids,
            indexes.iter().copied().zip(&outcomes),
        );
        let mut all = routed.outcomes.lock().unwrap_or_else(|p| p.into_inner());
        all.resize(meta.ids.len(), None);
        for (index, outcome) in indexes.into_iter().zip(outcomes) {
            all[index] = Some(outcome);
        }
        let _ = routed.meta.set(meta);
        return Ok(Value::Null);
    }
    let all: Vec<usize> = (0..meta.ids.len()).collect();
    records.prepare(&all).await;
    let outcomes = run_records(records, all, order, concurrency, handler, &meta.ids).await;
    records.finish().await;
    log_failures(
        invocation.classification().route_key(),
        handler,
        &meta.ids,
        outcomes.iter().enumerate(),
    );
    answer(&meta, outcomes)
}

/// Runs the records at `indexes`: concurrently up to `concurrency` when independent; in
/// order, stopping at the first failure, when ordered. A record's call is made only when it
/// runs.
async fn run_records<'a>(
    records: &mut dyn Records<'a>,
    indexes: Vec<usize>,
    order: BatchOrder,
    concurrency: usize,
    handler: &'static str,
    ids: &[Option<String>],
) -> Vec<Outcome> {
    let id = |index: usize| ids.get(index).and_then(Option::as_deref);
    let mut outcomes = Vec::with_capacity(indexes.len());
    match order {
        BatchOrder::Independent if concurrency > 1 => {
            let calls = indexes
                .into_iter()
                .map(|index| run_one(records.take(index), handler, index, ids.len(), id(index)));
            let mut running = futures_util::stream::iter(calls).buffered(concurrency);
            while let Some(outcome) = running.next().await {
                outcomes.push(outcome);
            }
        }
        // One at a time: a plain loop costs less than a stream of one.
        BatchOrder::Independent => {
            for index in indexes {
                outcomes.push(run_one(records.take(index), handler, index, ids.len(), id(index)).await);
            }
        }
        BatchOrder::InOrder => {
            let mut failed = false;
            for index in indexes {
                if failed {
                    outcomes.push(Err(NOT_PROCESSED.to_owned()));
                    continue;
                }
                let outcome = run_one(records.take(index), handler, index, ids.len(), id(index)).await;
                failed = outcome.is_err();
                outcomes.push(outcome);
            }
        }
    }
    outcomes
}

/// One record's call (record `index` of the `count` of the batch, `id` to its source), its
/// panic caught.
async fn run_one(
    call: Result<Call<'_>, String>,
    handler: &'static str,
    index: usize,
    count: usize,
    id: Option<&str>,
) -> Outcome {
    // A failure keeps its errorType until the record's span (if traced) has it.
    let guarded = async move {
        let call = call.map_err(|why| (ErrorKind::EventDecode, why))?;
        match AssertUnwindSafe(call).catch_unwind().await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err((error.kind, error.message)),
            Err(panic) => Err((
                ErrorKind::Panic,
                format!("handler `{handler}` panicked: {}", panic_text(&*panic)),
            )),
        }
    };
    #[cfg(feature = "opentelemetry")]
    let outcome = crate::traces::in_record_span(index, count, id, guarded).await;
    #[cfg(not(feature = "opentelemetry"))]
    let outcome = {
        let _ = (index, count, id);
        guarded.await
    };
    outcome.map_err(|(_, message)| message)
}

fn log_failures<'a>(
    route: &str,
    handler: &str,
    ids: &[Option<String>],
    outcomes: impl IntoIterator<Item = (usize, &'a Outcome)>,
) {
    let mut failed = 0;
    for (index, outcome) in outcomes {
        if let Err(reason) = outcome {
            if failed == 0 {
                // Held log lines go out ahead of the lines that say records failed.
                crate::logs::failing();
            }
            failed += 1;
            let id = ids.get(index).and_then(|id| id.as_deref()).unwrap_or("-");
            tracing::warn!(
                route,
                handler,
                recordIndex = index,
                recordId = id,
                "record failed: {}",
                crate::error::for_logs(reason)
            );
        }
    }
    crate::builtin_metrics::records_failed(route, handler, failed);
}

/// The answer the event source expects for these outcomes.
pub(crate) fn answer(meta: &BatchMeta, outcomes: Vec<Outcome>) -> Result<Value, DispatchError> {
    match meta.report {
        BatchReport::ItemFailures => item_failures(&meta.ids, &outcomes),
        BatchReport::WholeEvent => whole_event(&meta.ids, outcomes),
        BatchReport::Firehose => Ok(firehose(&meta.ids, &meta.data, outcomes)),
    }
}

/// `{"batchItemFailures": [...]}`: every failed record by id. All failed: the invocation
/// fails, so that the whole batch is retried. A failed record without an id cannot be
/// reported: the invocation fails rather than lose it.
fn item_failures(ids: &[Option<String>], outcomes: &[Outcome]) -> Result<Value, DispatchError> {
    let failed: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.is_err())
        .map(|(i, _)| i)
        .collect();
    if !failed.is_empty() && failed.len() == outcomes.len() {
        return Err(batch_error(
            &format!("all {} records failed", outcomes.len()),
            ids,
            outcomes,
        ));
    }
    let mut items = Vec::with_capacity(failed.len());
    for index in failed {
        let Some(id) = &ids[index] else {
            return Err(batch_error(
                &format!("record {index} failed and has no id to report, so the whole batch fails"),
                ids,
                outcomes,
            ));
        };
        items.push(json!({ "itemIdentifier": id }));
    }
    Ok(json!({ "batchItemFailures": items }))
}

/// No partial response exists: any failure fails the invocation; else every record's value.
fn whole_event(ids: &[Option<String>], outcomes: Vec<Outcome>) -> Result<Value, DispatchError> {
    let failures = outcomes.iter().filter(|o| o.is_err()).count();
    if failures > 0 {
        let summary = format!("{failures} of {} records failed", outcomes.len());
        return Err(batch_error(&summary, ids, &outcomes));
    }
    Ok(Value::Array(
        outcomes.into_iter().map(|o| o.unwrap_or(Value::Null)).collect(),
    ))
}

/// The Firehose transformation response, one entry per record.
fn firehose(ids: &[Option<String>], data: &[Option<String>], outcomes: Vec<Outcome>) -> Value {
    let records: Vec<Value> = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, outcome)| {
            let id = ids[index].clone().unwrap_or_default();
            let original = data[index].clone().unwrap_or_default();
            let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
            let (result, data) = match outcome {
                Err(_) => ("ProcessingFailed", original),
                Ok(Value::Null) => ("Ok", original),
                Ok(Value::String(text)) => ("Ok", encode(text.as_bytes())),
                Ok(Value::Object(map)) if is_transformed(&map) => {
                    let result = match map["result"].as_str() {
                        Some("Dropped") => "Dropped",
                        Some("ProcessingFailed") => "ProcessingFailed",
                        _ => "Ok",
                    };
                    let data = map
                        .get("data")
                        .and_then(Value::as_str)
                        .map_or(original, str::to_owned);
                    (result, data)
                }
                Ok(other) => ("Ok", encode(other.to_string().as_bytes())),
            };
            json!({ "recordId": id, "result": result, "data": data })
        })
        .collect();
    json!({ "records": records })
}

fn is_transformed(map: &serde_json::Map<String, Value>) -> bool {
    matches!(
        map.get("result").and_then(Value::as_str),
        Some("Ok" | "Dropped" | "ProcessingFailed")
    ) && map.keys().all(|key| key == "result" || key == "data")
}

fn batch_error(summary: &str, ids: &[Option<String>], outcomes: &[Outcome]) -> DispatchError {
    let details: Vec<String> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(index, outcome)| {
            let reason = outcome.as_ref().err()?;
            let id = ids[index]
                .as_deref()
                .map(|id| format!(" ({id})"))
                .unwrap_or_default();
            Some(format!("record {index}{id}: {reason}"))
        })
        .take(5)
        .collect();
    DispatchError::new(
        ErrorKind::BatchFailed,
        format!("{summary}; {}", details.join("; ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(ids: &[&str]) -> Vec<Option<String>> {
        ids.iter().map(|id| Some((*id).to_owned())).collect()
    }

    #[test]
    fn item_failures_name_exactly_the_failed_records() {
        let outcomes = vec![
            Ok(Value::Null),
            Err("bad".to_owned()),
            Ok(Value::Null),
            Err("worse".to_owned()),
        ];
        let response = item_failures(&ids(&["a", "b", "c", "d"]), &outcomes).unwrap();
        assert_eq!(
            response,
            json!({"batchItemFailures": [{"itemIdentifier": "b"}, {"itemIdentifier": "d"}]})
        );
        let none = item_failures(&ids(&["a"]), &[Ok(Value::Null)]).unwrap();
        assert_eq!(none, json!({"batchItemFailures": []}));
    }

    #[test]
    fn all_failed_or_an_unreportable_failure_fails_the_invocation() {
        let error = item_failures(&ids(&["a", "b"]), &[Err("x".into()), Err("y".into())]).unwrap_err();
        assert_eq!(error.error_type(), "BatchFailed");
        assert_eq!(
            error.message,
            "all 2 records failed; record 0 (a): x; record 1 (b): y"
        );
        let error =
            item_failures(&[Some("a".into()), None], &[Ok(Value::Null), Err("y".into())]).unwrap_err();
        assert!(
            error.message.starts_with("record 1 failed and has no id"),
            "{}",
            error.message
        );
    }

    #[test]
    fn firehose_results_follow_the_handler_values() {
        let response = firehose(
            &ids(&["1", "2", "3", "4", "5"]),
            &vec![Some("b3JpZw==".to_owned()); 5],
            vec![
                Ok(Value::Null),
                Ok(Value::String("new".into())),
                Ok(serde_json::to_value(Transformed::Dropped).unwrap()),
                Err("bad".into()),
                Ok(json!({"n": 1})),
            ],
        );
        assert_eq!(
            response,
            json!({"records": [
                {"recordId": "1", "result": "Ok", "data": "b3JpZw=="},
                {"recordId": "2", "result": "Ok", "data": "bmV3"},
                {"recordId": "3", "result": "Dropped", "data": "b3JpZw=="},
                {"recordId": "4", "result": "ProcessingFailed", "data": "b3JpZw=="},
                {"recordId": "5", "result": "Ok", "data": "eyJuIjoxfQ=="},
            ]})
        );
    }
}
