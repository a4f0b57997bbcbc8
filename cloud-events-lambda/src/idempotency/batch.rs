//! Idempotent handlers at run time: the key of each unit they take (the event, or each
//! record), claims made all at once for a batch, the handler run only where claimed, and
//! the record completed or given back.

use super::key::{hash, key_value};
use super::{Begin, Clock, Idempotency, Unit};
use crate::error::{DispatchError, ErrorKind};
use crate::factory::resolve;
use crate::invocation::{DepArgs, Invocation};
use crate::per_record::{Call, Records, Step, delivery, pending, run_batch};
use crate::registry::Idempotent;
use crate::routed::Outcome;
use cloud_events_core::Receives;
use cloud_events_core::batch::Delivery;
use cloud_events_core::condition::Path;
use cloud_events_core::events::{DecodeError, RawEvent};
use futures_util::FutureExt;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// `deliver` for a handler marked `idempotent`: each unit it takes runs once per key.
pub async fn idempotent_deliver<'a, E, F, Fut>(
    invocation: &'a Invocation,
    handler: &'static str,
    spec: &'static Idempotent,
    split: fn(&RawEvent) -> Result<Delivery<E>, DecodeError>,
    call: F,
) -> Result<Value, DispatchError>
where
    E: Send,
    F: Fn(E) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Value, DispatchError>> + Send + 'a,
{
    let idempotency = resolve::<Idempotency>(invocation, DepArgs::default()).await?;
    match delivery(invocation, split)? {
        Delivery::Whole(event) => {
            let keys = Keys::new(spec, handler, invocation, Receives::WholeEvent)?;
            let unit = keys.of_event(invocation)?;
            run_whole(idempotency.arc(), &unit, &keys, invocation, call(event)).await
        }
        Delivery::Records(batch) => {
            let count = batch.records.len();
            let units = match Keys::new(spec, handler, invocation, Receives::EachRecord) {
                Ok(keys) => keys.of_records(invocation, count),
                Err(error) => vec![Err(error); count],
            };
            let (meta, mut pending) = pending(batch, &call);
            let mut records = Claimed {
                inner: &mut pending,
                idempotency: Arc::clone(idempotency.arc()),
                units,
                states: Vec::new(),
                invocation,
                handler,
                expires_after: Duration::from_secs(spec.expires_after),
                background: Arc::default(),
            };
            run_batch(meta, &mut records, handler, invocation).await
        }
    }
}

/// A default handler marked `idempotent`: the event runs once per key.
pub async fn idempotent_default<'a>(
    invocation: &'a Invocation,
    handler: &'static str,
    spec: &'static Idempotent,
    run: impl Future<Output = Result<Value, DispatchError>> + Send + 'a,
) -> Result<Value, DispatchError> {
    let idempotency = resolve::<Idempotency>(invocation, DepArgs::default()).await?;
    let keys = Keys::new(spec, handler, invocation, Receives::WholeEvent)?;
    let unit = keys.of_event(invocation)?;
    run_whole(idempotency.arc(), &unit, &keys, invocation, run).await
}

/// Runs `work` for `unit` if the store lets it: the answer is stored on success, the record
/// deleted on failure or panic (the panic then goes on), and given back if the invocation
/// is cut short at the deadline meanwhile.
async fn run_whole(
    idempotency: &Arc<Idempotency>,
    unit: &Unit,
    keys: &Keys,
    invocation: &Invocation,
    work: impl Future<Output = Result<Value, DispatchError>> + Send,
) -> Result<Value, DispatchError> {
    let clock = Clock::new(invocation.context().deadline_ms, keys.expires_after);
    match idempotency.begin(unit, clock).await {
        Begin::Replay(value) => {
            replayed(invocation, keys.handler, unit);
            Ok(value)
        }
        Begin::Refused(error) => {
            refused(invocation, keys.handler, &error);
            Err(error)
        }
        Begin::Run => {
            let releases = invocation.releases();
            let token = releases.map(|releases| releases.owe(release(idempotency, unit)));
            let outcome = AssertUnwindSafe(work).catch_unwind().await;
            if let (Some(releases), Some(token)) = (releases, token) {
                releases.settle(token);
            }
            match outcome {
                Ok(Ok(value)) => {
                    idempotency.complete(unit, &value, keys.expires_after).await;
                    Ok(value)
                }
                Ok(Err(error)) => {
                    idempotency.release(unit).await;
                    Err(error)
                }
                Err(panic) => {
                    idempotency.release(unit).await;
                    std::panic::resume_unwind(panic)
                }
            }
        }
    }
}

/// Gives `unit`'s claim back (owed while its handler runs).
fn release(idempotency: &Arc<Idempotency>, unit: &Unit) -> crate::releases::Release {
    let idempotency = Arc::clone(idempotency);
    let unit = unit.clone();
    Box::pin(async move { idempotency.release(&unit).await })
}

fn replayed(invocation: &Invocation, handler: &str, unit: &Unit) {
    let route = invocation.classification().route_key();
    crate::builtin_metrics::idempotent_replayed(route, handler);
    tracing::info!(
        route,
        handler,
        idempotencyKey = %unit.id,
        "already handled: replayed the answer stored by the first run"
    );
}

fn refused(invocation: &Invocation, handler: &str, error: &DispatchError) {
    if error.kind == ErrorKind::IdempotencyInProgress {
        let route = invocation.classification().route_key();
        crate::builtin_metrics::idempotency_in_progress(route, handler);
    }
}

/// How a handler's units are keyed.
struct Keys {
    handler: &'static str,
    prefix: String,
    paths: Vec<Path>,
    /// A handler of the whole event keyed by its records' keys together.
    from_records: bool,
    validate: Option<Path>,
    expires_after: Duration,
}

impl Keys {
    fn new(
        spec: &Idempotent,
        handler: &'static str,
        invocation: &Invocation,
        receives: Receives,
    ) -> Result<Keys, DispatchError> {
        let kind = invocation.classification().kind();
        let route = invocation.classification().route_key();
        let (texts, from_records): (Vec<&str>, bool) = match spec.key {
            Some(key) => (vec![key], false),
            None => match kind.and_then(|kind| kind.idempotency_key_for(receives)) {
                Some(default) => (
                    default.paths.to_vec(),
                    default.of == Receives::EachRecord && receives == Receives::WholeEvent,
                ),
                None => {
                    return Err(DispatchError::new(
                        ErrorKind::IdempotencyKeyMissing,
                        format!(
                            "handler `{handler}` is idempotent but `{route}` events carry no id that stays the same when they are delivered again: name the key, as in idempotent(key = \"body.orderId\")"
                        ),
                    ));
                }
            },
        };
        let parse = |text: &str| {
            Path::parse(text).map_err(|error| {
                DispatchError::new(
                    ErrorKind::IdempotencyKeyMissing,
                    format!("idempotency path `{text}` of handler `{handler}`: {error}"),
                )
            })
        };
        let function = crate::builtin_metrics::function_name(&invocation.context().invoked_function_arn);
        Ok(Keys {
            handler,
            prefix: spec
                .prefix
                .map_or_else(|| format!("{function}.{handler}"), str::to_owned),
            paths: texts.into_iter().map(parse).collect::<Result<_, _>>()?,
            from_records,
            validate: spec.validate.map(parse).transpose()?,
            expires_after: Duration::from_secs(spec.expires_after),
        })
    }

    /// The unit of a handler of the whole event.
    fn of_event(&self, invocation: &Invocation) -> Result<Unit, DispatchError> {
        let event: Value = serde_json::from_str(invocation.event().json())
            .map_err(|error| DispatchError::new(ErrorKind::InvalidEvent, error.to_string()))?;
        let key = if self.from_records {
            let json = invocation.event().json();
            let records = invocation
                .classification()
                .kind()
                .and_then(|kind| cloud_events_core::batch::records_of(kind, json))
                .unwrap_or_default();
            records
                .iter()
                .map(|raw| {
                    serde_json::from_str::<Value>(raw.get())
                        .ok()
                        .and_then(|r| key_value(&r, &self.paths))
                })
                .collect::<Option<Vec<Value>>>()
                .filter(|keys| !keys.is_empty())
                .map(Value::Array)
        } else {
            key_value(&event, &self.paths)
        };
        self.unit(key, &event, "the event")
    }

    /// The units of a handler called per record, in record order.
    fn of_records(&self, invocation: &Invocation, count: usize) -> Vec<Result<Unit, DispatchError>> {
        let kind = invocation.classification().kind();
        let raw = kind.and_then(|kind| cloud_events_core::batch::records_of(kind, invocation.event().json()));
        match raw {
            Some(raw) if raw.len() == count => raw
                .iter()
                .enumerate()
                .map(|(index, raw)| {
                    let record: Value = serde_json::from_str(raw.get())
                        .map_err(|error| DispatchError::new(ErrorKind::EventDecode, error.to_string()))?;
                    self.unit(
                        key_value(&record, &self.paths),
                        &record,
                        &format!("record {index}"),
                    )
                })
                .collect(),
            _ => {
                let error = DispatchError::new(
                    ErrorKind::IdempotencyKeyMissing,
                    format!(
                        "the records of `{}` events cannot be read for their idempotency keys",
                        invocation.classification().route_key()
                    ),
                );
                vec![Err(error); count]
            }
        }
    }

    fn unit(&self, key: Option<Value>, root: &Value, what: &str) -> Result<Unit, DispatchError> {
        let Some(key) = key else {
            let paths: Vec<String> = self.paths.iter().map(|path| format!("`{path}`")).collect();
            return Err(DispatchError::new(
                ErrorKind::IdempotencyKeyMissing,
                format!(
                    "{what} has no idempotency key for handler `{}`: {} absent or null, so the handler did not run",
                    self.handler,
                    paths.join(", ")
                ),
            ));
        };
        let validation = self.validate.as_ref().map(|path| {
            let fields = path.resolve(root).map_or(Value::Null, |value| value.into_owned());
            hash(&fields)
        });
        Ok(Unit {
            id: format!("{}#{}", self.prefix, hash(&key)),
            validation,
        })
    }
}

/// Where one record of an idempotent batch stands once the batch's claims are made.
enum State {
    /// Claimed: its handler runs, and tells the records with the same key how it went.
    Run(watch::Sender<Option<Outcome>>),
    /// Completed before: its answer.
    Replay(Value),
    /// Not to run, and why.
    Refused(String),
    /// A record with the same key earlier in this batch runs: its outcome.
    Follow(watch::Receiver<Option<Outcome>>),
}

/// The records of an idempotent handler's batch: claimed all at once before any runs,
/// completed in the background as each succeeds, given back when one fails or never runs.
struct Claimed<'r, 'a> {
    inner: &'r mut (dyn Records<'a> + 'r),
    idempotency: Arc<Idempotency>,
    units: Vec<Result<Unit, DispatchError>>,
    states: Vec<Option<State>>,
    invocation: &'a Invocation,
    handler: &'static str,
    expires_after: Duration,
    background: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl<'a> Claimed<'_, 'a> {
    async fn claim(&mut self, indexes: &[usize]) {
        let clock = Clock::new(self.invocation.context().deadline_ms, self.expires_after);
        self.states = (0..self.units.len()).map(|_| None).collect();
        let mut first_with: HashMap<&str, usize> = HashMap::new();
        let mut followers = Vec::new();
        let mut claims = Vec::new();
        for &index in indexes {
            match &self.units[index] {
                Err(error) => self.states[index] = Some(State::Refused(reason(error))),
                Ok(unit) => match first_with.get(unit.id.as_str()) {
                    Some(&first) => followers.push((index, first)),
                    None => {
                        first_with.insert(&unit.id, index);
                        claims.push((index, unit));
                    }
                },
            }
        }
        let idempotency = &self.idempotency;
        let begins =
            futures_util::future::join_all(claims.iter().map(|(_, unit)| idempotency.begin(unit, clock)))
                .await;
        for ((index, unit), begin) in claims.into_iter().zip(begins) {
            self.states[index] = Some(match begin {
                Begin::Run => State::Run(watch::channel(None).0),
                Begin::Replay(value) => {
                    replayed(self.invocation, self.handler, unit);
                    State::Replay(value)
                }
                Begin::Refused(error) => {
                    refused(self.invocation, self.handler, &error);
                    State::Refused(reason(&error))
                }
            });
        }
        for (index, first) in followers {
            let state = match &self.states[first] {
                Some(State::Run(sender)) => State::Follow(sender.subscribe()),
                Some(State::Replay(value)) => State::Replay(value.clone()),
                Some(State::Refused(why)) => State::Refused(why.clone()),
                Some(State::Follow(_)) | None => State::Refused("not claimed".to_owned()),
            };
            self.states[index] = Some(state);
        }
    }

    /// The call of a claimed record: the handler, then its record completed or released in
    /// the background (joined before the batch answers).
    fn run(&mut self, index: usize, sender: watch::Sender<Option<Outcome>>) -> Result<Call<'a>, String> {
        let Some(Ok(unit)) = self.units.get(index).cloned() else {
            return Err("record without a key was claimed".to_owned());
        };
        let idempotency = Arc::clone(&self.idempotency);
        let background = Arc::clone(&self.background);
        let call = match self.inner.take(index) {
            Ok(call) => call,
            // It does not decode: no handler runs, so its claim goes back now.
            Err(reason) => {
                let _ = sender.send(Some(Err(reason.clone())));
                let task = tokio::spawn(async move { idempotency.release(&unit).await });
                background.lock().unwrap_or_else(|p| p.into_inner()).push(task);
                return Err(reason);
            }
        };
        let releases = self.invocation.releases();
        let expires_after = self.expires_after;
        Ok(Box::pin(async move {
            let token = releases.map(|releases| releases.owe(release(&idempotency, &unit)));
            let outcome = AssertUnwindSafe(call).catch_unwind().await;
            if let (Some(releases), Some(token)) = (releases, token) {
                releases.settle(token);
            }
            let shared = match &outcome {
                Ok(Ok(value)) => Ok(value.clone()),
                Ok(Err(error)) => Err(error.message.clone()),
                Err(_) => Err("its handler panicked".to_owned()),
            };
            let succeeded = shared.is_ok();
            let answer = shared.as_ref().ok().cloned();
            let _ = sender.send(Some(shared));
            let task = tokio::spawn(async move {
                match answer {
                    Some(answer) if succeeded => idempotency.complete(&unit, &answer, expires_after).await,
                    _ => idempotency.release(&unit).await,
                }
            });
            background.lock().unwrap_or_else(|p| p.into_inner()).push(task);
            match outcome {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }))
    }
}

impl<'a> Records<'a> for Claimed<'_, 'a> {
    fn take(&mut self, index: usize) -> Result<Call<'a>, String> {
        match self.states.get_mut(index).and_then(Option::take) {
            Some(State::Run(sender)) => self.run(index, sender),
            Some(State::Replay(value)) => Ok(Box::pin(std::future::ready(Ok(value)))),
            Some(State::Refused(why)) => Err(why),
            Some(State::Follow(mut receiver)) => Ok(Box::pin(async move {
                let outcome = match receiver.wait_for(Option::is_some).await {
                    Ok(outcome) => outcome.clone(),
                    Err(_) => None,
                };
                match outcome {
                    Some(Ok(value)) => Ok(value),
                    Some(Err(why)) => Err(DispatchError::new(
                        ErrorKind::Handler,
                        format!("a record with the same idempotency key earlier in this batch failed: {why}"),
                    )),
                    None => Err(DispatchError::new(
                        ErrorKind::Handler,
                        "a record with the same idempotency key earlier in this batch did not run",
                    )),
                }
            })),
            None => Err(format!("record {index} was not claimed")),
        }
    }

    fn prepare<'s>(&'s mut self, indexes: &'s [usize]) -> Step<'s> {
        Box::pin(self.claim(indexes))
    }

    fn finish(&mut self) -> Step<'_> {
        Box::pin(async move {
            // Claimed records that never ran (after a failure in an ordered batch) go back.
            let mut unused = Vec::new();
            for (index, state) in self.states.iter_mut().enumerate() {
                if let Some(State::Run(_)) = state {
                    *state = None;
                    if let Some(Ok(unit)) = self.units.get(index) {
                        unused.push(unit.clone());
                    }
                }
            }
            let idempotency = &self.idempotency;
            futures_util::future::join_all(unused.iter().map(|unit| idempotency.release(unit))).await;
            let tasks = std::mem::take(&mut *self.background.lock().unwrap_or_else(|p| p.into_inner()));
            futures_util::future::join_all(tasks).await;
        })
    }
}

/// A refusal as a failed record's reason: its `errorType`, then why.
fn reason(error: &DispatchError) -> String {
    format!("{}: {}", error.error_type(), error.message)
}
