//! Selection: which registered handlers an event goes to, looked up in the route index, under
//! the dispatcher's strategy (first match, all matches, or refusing ties), record by record
//! where per-record handlers have conditions, or through the event adapted into CloudEvents.

use crate::registry::{HandlerRegistration, Route};
use crate::route_index::RouteIndex;
use crate::strategy::{Options, Strategy};
use cloud_events_core::{Classification, Kind, classify_str};
use std::sync::OnceLock;

/// Which handlers an event goes to, and why.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Dependencies, Dispatcher, Kind, Options, RawEvent, Selection, classify, on_event};
///
/// #[on_event("aws.sqs")]
/// fn queued(_event: RawEvent) {}
///
/// # fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// let sqs = Kind::Sqs.sample();
/// match dispatcher.select(&classify(sqs.as_bytes()).unwrap(), sqs) {
///     Selection::Run(handlers) => assert_eq!(handlers[0].name, "queued"),
///     other => panic!("{other:?}"),
/// }
/// let s3 = Kind::S3.sample();
/// assert!(matches!(dispatcher.select(&classify(s3.as_bytes()).unwrap(), s3), Selection::NoHandler));
/// # }
/// ```
#[derive(Debug, Clone)]
pub enum Selection {
    /// These handlers run, in this order.
    Run(Vec<&'static HandlerRegistration>),
    /// The records of a batch, each to the first per-record handler whose `when` holds for
    /// it (`assignment[i]` indexes `handlers`; `None`: no handler takes record `i`).
    PerRecord {
        /// The per-record handlers, in priority order.
        handlers: Vec<&'static HandlerRegistration>,
        /// Which handler takes each record.
        assignment: Vec<Option<usize>>,
    },
    /// No handler of the event's kind matched: the event adapted into CloudEvents (JSON and
    /// classification), each with the `adapted = true` handler it goes to.
    Adapted(Vec<(String, Classification, &'static HandlerRegistration)>),
    /// Several matched at the top rank and the strategy runs none (`NoneIfAmbiguous`) or fails
    /// (`ErrorIfAmbiguous`).
    Ambiguous(Vec<&'static HandlerRegistration>),
    /// Nothing matched and there is no default handler.
    NoHandler,
}

impl Selection {
    /// The names of the handlers that run, in order (for per-record routing, those given at
    /// least one record; none when ambiguous or unmatched).
    ///
    /// ```
    /// use cloud_events_lambda::Selection;
    /// assert!(Selection::NoHandler.handler_names().is_empty());
    /// ```
    pub fn handler_names(&self) -> Vec<&'static str> {
        self.running().collect()
    }

    /// The handlers that run, in order (see [`Selection::handler_names`]).
    fn running(&self) -> Box<dyn Iterator<Item = &'static str> + '_> {
        match self {
            Selection::Run(handlers) => Box::new(running_names(handlers, None)),
            Selection::PerRecord { handlers, assignment } => {
                Box::new(running_names(handlers, Some(assignment)))
            }
            Selection::Adapted(plan) => Box::new(plan.iter().map(|(_, _, h)| h.name)),
            Selection::Ambiguous(_) | Selection::NoHandler => Box::new(std::iter::empty()),
        }
    }
}

/// The names of `handlers` that run: all of them, or under per-record routing
/// (`assignment`), those given at least one record.
pub(crate) fn running_names<'a>(
    handlers: &'a [&'static HandlerRegistration],
    assignment: Option<&'a [Option<usize>]>,
) -> impl Iterator<Item = &'static str> + 'a {
    handlers
        .iter()
        .enumerate()
        .filter(move |(index, _)| assignment.is_none_or(|a| a.contains(&Some(*index))))
        .map(|(_, h)| h.name)
}

/// The handlers that run, comma-separated, for the invocation's span (written only if the
/// span is enabled).
pub(crate) struct Running<'a>(pub(crate) &'a Selection);

impl std::fmt::Display for Running<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, name) in self.0.running().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

/// The event's JSON as a tree (and its records, for per-record conditions), parsed only if a
/// `when` condition needs it.
pub(crate) struct LazyJson<'a> {
    text: &'a str,
    tree: OnceLock<Option<serde_json::Value>>,
    records: OnceLock<Vec<serde_json::Value>>,
}

impl<'a> LazyJson<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        LazyJson {
            text,
            tree: OnceLock::new(),
            records: OnceLock::new(),
        }
    }

    pub(crate) fn get(&self) -> Option<&serde_json::Value> {
        self.tree
            .get_or_init(|| serde_json::from_str(self.text).ok())
            .as_ref()
    }

    /// The records of a batch event of `kind` (empty for other kinds).
    pub(crate) fn records(&self, kind: Kind) -> &[serde_json::Value] {
        self.records.get_or_init(|| {
            cloud_events_core::batch::records_of(kind, self.text)
                .unwrap_or_default()
                .iter()
                .filter_map(|raw| serde_json::from_str(raw.get()).ok())
                .collect()
        })
    }
}

impl RouteIndex {
    /// The handlers of `route` that match the event, in priority order. With
    /// `record_conditions_later`, per-record handlers' conditions are left for each record.
    pub(crate) fn matching<'a>(
        &'a self,
        route: Route,
        classification: &'a Classification,
        json: &'a LazyJson<'_>,
        record_conditions_later: bool,
    ) -> impl Iterator<Item = usize> + 'a {
        self.candidates(route, classification.source())
            .filter(move |&index| {
                let handler = self.handlers[index];
                if !handler.filter.matches(classification) {
                    return false;
                }
                let Some(condition) = &self.conditions[index] else {
                    return true;
                };
                match route {
                    // A per-record handler's condition is about one record: it is checked per
                    // record later, or here holds if it holds for some record.
                    Route::Kind(kind) if handler.per_record => {
                        record_conditions_later
                            || json.records(kind).iter().any(|record| condition.holds(record))
                    }
                    _ => json.get().is_some_and(|tree| condition.holds(tree)),
                }
            })
    }

    /// Under first-match, a batch whose first matching handler takes records and where
    /// per-record handlers have conditions: each record goes to the first per-record handler
    /// whose condition holds for that record.
    fn route_records(
        &self,
        kind: Kind,
        classification: &Classification,
        json: &LazyJson<'_>,
        max_records: usize,
    ) -> Option<Selection> {
        let candidates: Vec<usize> = self
            .matching(Route::Kind(kind), classification, json, true)
            .collect();
        let first = *candidates.first()?;
        let per_record: Vec<usize> = candidates
            .into_iter()
            .filter(|&i| self.handlers[i].per_record)
            .collect();
        if !self.handlers[first].per_record || per_record.iter().all(|&i| self.conditions[i].is_none()) {
            return None;
        }
        let raw_count = cloud_events_core::batch::records_of(kind, json.text)?.len();
        if raw_count > max_records {
            // Not routed record by record (nor tested whole): the first handler's split
            // refuses the batch before any record reaches a handler.
            return Some(Selection::Run(vec![self.handlers[first]]));
        }
        let records = json.records(kind);
        if records.len() != raw_count {
            // A record that is not JSON cannot be routed by its fields: let the handlers' own
            // decoding report it.
            return None;
        }
        let assignment: Vec<Option<usize>> = records
            .iter()
            .map(|record| {
                per_record
                    .iter()
                    .position(|&i| self.conditions[i].as_ref().is_none_or(|c| c.holds(record)))
            })
            .collect();
        if assignment.iter().all(Option::is_none) {
            return None;
        }
        let handlers = per_record.into_iter().map(|i| self.handlers[i]).collect();
        Some(Selection::PerRecord { handlers, assignment })
    }

    /// Which handlers an event goes to under `options`' strategy (see
    /// [`Dispatcher::select`](crate::Dispatcher::select)).
    pub(crate) fn select(
        &self,
        options: &Options,
        classification: &Classification,
        event: &str,
    ) -> Selection {
        let json = LazyJson::new(event);
        if options.strategy == Strategy::FirstMatch
            && let Some(kind) = classification.kind()
            && self.routes_records(Route::Kind(kind))
            && let Some(plan) = self.route_records(kind, classification, &json, options.limits.max_records)
        {
            return plan;
        }
        let mut matches = classification
            .kind()
            .into_iter()
            .flat_map(|kind| self.matching(Route::Kind(kind), classification, &json, false))
            .map(|index| self.handlers[index]);
        let selected: Vec<_> = match options.strategy {
            Strategy::FirstMatch => matches.next().into_iter().collect(),
            Strategy::AllMatches => matches.collect(),
            Strategy::NoneIfAmbiguous | Strategy::ErrorIfAmbiguous => {
                let first_two: Vec<_> = matches.by_ref().take(2).collect();
                if let [first, second] = first_two[..]
                    && first.rank == second.rank
                {
                    let mut tied = first_two;
                    tied.extend(matches.take_while(|h| h.rank == first.rank));
                    return Selection::Ambiguous(tied);
                }
                first_two.into_iter().take(1).collect()
            }
        };
        if !selected.is_empty() {
            return Selection::Run(selected);
        }
        if let Some(adapted) = self.adapted(classification, event) {
            return adapted;
        }
        match self.matching(Route::Default, classification, &json, false).next() {
            Some(default) => Selection::Run(vec![self.handlers[default]]),
            None => Selection::NoHandler,
        }
    }

    /// When no handler of the event's own kind matches: the event adapted into CloudEvents,
    /// if every adapted event has an `adapted = true` handler.
    fn adapted(&self, classification: &Classification, event: &str) -> Option<Selection> {
        classification.kind().filter(|kind| *kind != Kind::CloudEvents)?;
        if !self.handlers.iter().any(|h| h.adapted) {
            return None;
        }
        let events = cloud_events_core::adapt::adapt(event, classification).ok()?;
        let mut plan = Vec::with_capacity(events.len());
        for adapted in events {
            let json = serde_json::to_string(&adapted).ok()?;
            let adapted_classification = classify_str(&json).ok()?;
            let lazy = LazyJson::new(&json);
            let handler = self
                .matching(
                    Route::Kind(Kind::CloudEvents),
                    &adapted_classification,
                    &lazy,
                    false,
                )
                .map(|index| self.handlers[index])
                .find(|handler| handler.adapted)?;
            plan.push((json, adapted_classification, handler));
        }
        (!plan.is_empty()).then_some(Selection::Adapted(plan))
    }
}
