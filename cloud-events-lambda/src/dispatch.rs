//! The dispatcher: bytes -> classification -> route index -> handlers -> response.

use crate::context::Context;
use crate::dependencies::{Container, Dependencies};
use crate::error::for_logs;
use crate::error::{DispatchError, ErrorKind, StartupError};
use crate::factory::{FactoryRegistration, ValueCache, registered_factories};
use crate::per_record::{NOT_PROCESSED, RoutedRun};
use crate::registry::{HandlerRegistration, Route, registered};
use crate::strategy::{ErrorPolicy, Options, Strategy};
use bytes::Bytes;
use cloud_events_core::condition::Condition;
use cloud_events_core::{Classification, ClassifyError, Kind, RawEvent, classify_event, classify_str};
use futures_util::FutureExt;
use serde_json::value::RawValue;
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tracing::Instrument;

/// Everything a handler's parameters are taken from.
#[derive(Debug)]
pub struct Invocation {
    event: RawEvent,
    classification: Classification,
    context: Context,
    container: Arc<Container>,
    cache: ValueCache,
    record_concurrency: usize,
    routed: Option<RoutedRun>,
}

impl Invocation {
    /// The event's JSON.
    pub fn event(&self) -> &RawEvent {
        &self.event
    }

    /// What the classifier found.
    pub fn classification(&self) -> &Classification {
        &self.classification
    }

    /// The Lambda context (or its local stand-in).
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The values registered at start-up.
    pub fn dependencies(&self) -> &Dependencies {
        &self.container.values
    }

    pub(crate) fn container(&self) -> &Container {
        &self.container
    }

    pub(crate) fn cache(&self) -> &ValueCache {
        &self.cache
    }

    pub(crate) fn record_concurrency(&self) -> usize {
        self.record_concurrency
    }

    pub(crate) fn routed(&self) -> Option<&RoutedRun> {
        self.routed.as_ref()
    }
}

/// The handlers of one route, in priority order, indexed by exact `source`.
#[derive(Debug, Default)]
struct RouteIndex {
    /// Handlers whose filter names an exact `source`, by that source.
    by_source: HashMap<&'static str, Vec<usize>>,
    /// The others.
    rest: Vec<usize>,
    /// Some handler takes one record at a time and has a `when` condition: records may be
    /// routed one by one.
    routes_records: bool,
}

impl RouteIndex {
    /// The handlers that may match an event from `source`, in priority order (both lists are
    /// sorted, so this is a merge).
    fn candidates(&self, source: Option<&str>) -> impl Iterator<Item = usize> + '_ {
        let sourced = source
            .and_then(|s| self.by_source.get(s))
            .map_or(&[][..], Vec::as_slice);
        Merge {
            a: sourced,
            b: &self.rest,
        }
    }
}

struct Merge<'a> {
    a: &'a [usize],
    b: &'a [usize],
}

impl Iterator for Merge<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        let take_a = match (self.a.first(), self.b.first()) {
            (Some(a), Some(b)) => a < b,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let (head, rest) = if take_a {
            self.a.split_first()?
        } else {
            self.b.split_first()?
        };
        if take_a {
            self.a = rest
        } else {
            self.b = rest
        }
        Some(*head)
    }
}

/// The event's JSON as a tree (and its records, for per-record conditions), parsed only if a
/// `when` condition needs it.
struct LazyJson<'a> {
    text: &'a str,
    tree: OnceLock<Option<serde_json::Value>>,
    records: OnceLock<Vec<serde_json::Value>>,
}

impl<'a> LazyJson<'a> {
    fn new(text: &'a str) -> Self {
        LazyJson {
            text,
            tree: OnceLock::new(),
            records: OnceLock::new(),
        }
    }

    fn get(&self) -> Option<&serde_json::Value> {
        self.tree
            .get_or_init(|| serde_json::from_str(self.text).ok())
            .as_ref()
    }

    /// The records of a batch event of `kind` (empty for other kinds).
    fn records(&self, kind: Kind) -> &[serde_json::Value] {
        self.records.get_or_init(|| {
            cloud_events_core::batch::records_of(kind, self.text)
                .unwrap_or_default()
                .iter()
                .filter_map(|raw| serde_json::from_str(raw.get()).ok())
                .collect()
        })
    }
}

/// Routes events to the registered handlers.
///
/// Handlers are sorted once, at start-up: highest `rank` first, then the more specific (more
/// conditions), then by path, so that the choice never depends on link order. Each kind has
/// its own index, and within it handlers with an exact `source` are found by that source, so
/// choosing a handler never scans the handlers of other kinds or other sources.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Options, events::S3Event, on_event};
///
/// #[on_event("aws.s3")]
/// fn uploaded(event: S3Event) -> Option<String> {
///     event.records[0].s3.object.key.clone()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// let response = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await;
/// assert_eq!(response.unwrap(), "2026/11/invoice-000731.pdf");
/// let error = dispatcher.dispatch(Kind::Sqs.sample(), Context::local(2, "demo")).await.unwrap_err();
/// assert_eq!(error.error_type(), "NoHandler");
/// # }
/// ```
#[derive(Debug)]
pub struct Dispatcher {
    handlers: Vec<&'static HandlerRegistration>,
    /// Parsed `when` conditions, by handler index.
    conditions: Vec<Option<Condition>>,
    /// Per kind (by `Kind as usize`); the last entry is the default handlers'.
    routes: Vec<RouteIndex>,
    container: Arc<Container>,
    options: Options,
}

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
fn running_names<'a>(
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
struct Running<'a>(&'a Selection);

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

impl Dispatcher {
    /// A dispatcher over every handler and factory registered in the binary.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Context, Dep, Dependencies, Dispatcher, Kind, Options, RawEvent, on_event};
    ///
    /// struct Greeting(&'static str);
    ///
    /// #[on_event("aws.sns")]
    /// fn notified(_event: RawEvent, greeting: Dep<Greeting>) -> &'static str {
    ///     greeting.0
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut dependencies = Dependencies::new();
    /// dependencies.insert(Greeting("hello"));
    /// let dispatcher = Dispatcher::new(dependencies, Options::default()).unwrap();
    /// let response = dispatcher.dispatch(Kind::Sns.sample(), Context::local(1, "demo")).await;
    /// assert_eq!(response.unwrap(), "hello");
    /// // Start-up checks every `Dep<T>`:
    /// assert!(Dispatcher::new(Dependencies::new(), Options::default()).is_err());
    /// # }
    /// ```
    pub fn new(dependencies: Dependencies, options: Options) -> Result<Self, StartupError> {
        Self::build(registered(), registered_factories(), dependencies, options)
    }

    /// A dispatcher over the given handlers and factories.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Kind, Options, RawEvent, Route, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(_event: RawEvent) {}
    ///
    /// #[on_event("aws.sqs")]
    /// fn queued(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let all = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// // A dispatcher over the S3 handlers only:
    /// let s3 = all.handlers().iter().copied().filter(|h| h.route == Route::Kind(Kind::S3));
    /// let dispatcher = Dispatcher::build(s3, [], Dependencies::new(), Options::default()).unwrap();
    /// assert_eq!(dispatcher.handlers().len(), 1);
    /// assert_eq!(dispatcher.handlers()[0].name, "uploaded");
    /// # }
    /// ```
    pub fn build(
        handlers: impl IntoIterator<Item = &'static HandlerRegistration>,
        factories: impl IntoIterator<Item = &'static FactoryRegistration>,
        dependencies: Dependencies,
        options: Options,
    ) -> Result<Self, StartupError> {
        let mut handlers: Vec<&'static HandlerRegistration> = handlers.into_iter().collect();
        if handlers.is_empty() {
            return Err(StartupError::NoHandlers);
        }
        let mut conditions = HashMap::new();
        for handler in &handlers {
            if let Some(when) = handler.when {
                let condition = Condition::parse(when).map_err(|error| StartupError::InvalidCondition {
                    handler: handler.path(),
                    error: error.to_string(),
                })?;
                conditions.insert(handler.path(), condition);
            }
        }
        let specificity = |handler: &HandlerRegistration| {
            handler.filter.weight() + conditions.get(&handler.path()).map_or(0, Condition::weight)
        };
        // Each key computed once (not once per comparison): start-up cost stays linear-log
        // in the number of handlers.
        handlers.sort_by_cached_key(|h| {
            (
                std::cmp::Reverse(h.rank),
                std::cmp::Reverse(specificity(h)),
                h.module_path,
                h.name,
            )
        });
        let container = Container::new(dependencies, factories)?;
        container.check(&handlers)?;
        let mut routes: Vec<RouteIndex> = (0..=Kind::ALL.len()).map(|_| RouteIndex::default()).collect();
        for (index, handler) in handlers.iter().enumerate() {
            let route = &mut routes[route_slot(handler.route)];
            route.routes_records |= handler.per_record && handler.when.is_some();
            match handler.filter.source {
                Some(crate::registry::Pattern::Exact(source)) => {
                    route.by_source.entry(source).or_default().push(index)
                }
                _ => route.rest.push(index),
            }
        }
        let conditions = handlers
            .iter()
            .map(|handler| conditions.remove(&handler.path()))
            .collect();
        Ok(Dispatcher {
            handlers,
            conditions,
            routes,
            container: Arc::new(container),
            options,
        })
    }

    /// Every handler, in priority order.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Options, RawEvent, on_event};
    ///
    /// #[on_event("aws.events")]
    /// fn any_event(_event: RawEvent) {}
    ///
    /// #[on_event("aws.events", source = "aws.ec2")]
    /// fn ec2(_event: RawEvent) {}
    ///
    /// #[on_event("aws.events", rank = 10)]
    /// fn first(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let names: Vec<&str> = dispatcher.handlers().iter().map(|h| h.name).collect();
    /// // Highest rank first, then the more specific.
    /// assert_eq!(names, ["first", "ec2", "any_event"]);
    /// # }
    /// ```
    pub fn handlers(&self) -> &[&'static HandlerRegistration] {
        &self.handlers
    }

    /// How the dispatcher runs handlers.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Options, RawEvent, Strategy, on_event};
    ///
    /// #[on_event(default)]
    /// fn anything(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let options = Options { strategy: Strategy::AllMatches, ..Options::default() };
    /// let dispatcher = Dispatcher::new(Dependencies::new(), options).unwrap();
    /// assert_eq!(dispatcher.options().strategy, Strategy::AllMatches);
    /// assert_eq!(dispatcher.options().record_concurrency, 1);
    /// # }
    /// ```
    pub fn options(&self) -> Options {
        self.options
    }

    /// The handlers of `route` that match the event, in priority order. With
    /// `record_conditions_later`, per-record handlers' conditions are left for each record.
    fn matching<'a>(
        &'a self,
        route: Route,
        classification: &'a Classification,
        json: &'a LazyJson<'_>,
        record_conditions_later: bool,
    ) -> impl Iterator<Item = usize> + 'a {
        self.routes[route_slot(route)]
            .candidates(classification.source())
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
        if raw_count > self.options.limits.max_records {
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

    /// Which handlers an event goes to under the dispatcher's strategy.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Kind, Options, RawEvent, classify, on_event};
    ///
    /// #[on_event("aws.s3", when = r#"ends_with(Records[0].s3.object.key, ".pdf")"#)]
    /// fn pdf(_event: RawEvent) {}
    ///
    /// #[on_event("aws.s3")]
    /// fn other_file(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let json = Kind::S3.sample(); // uploads `2026/11/invoice-000731.pdf`
    /// let selection = dispatcher.select(&classify(json.as_bytes()).unwrap(), json);
    /// assert_eq!(selection.handler_names(), ["pdf"]);
    /// # }
    /// ```
    pub fn select(&self, classification: &Classification, event: &str) -> Selection {
        let json = LazyJson::new(event);
        if self.options.strategy == Strategy::FirstMatch
            && let Some(kind) = classification.kind()
            && self.routes[route_slot(Route::Kind(kind))].routes_records
            && let Some(plan) = self.route_records(kind, classification, &json)
        {
            return plan;
        }
        let mut matches = classification
            .kind()
            .into_iter()
            .flat_map(|kind| self.matching(Route::Kind(kind), classification, &json, false))
            .map(|index| self.handlers[index]);
        let selected: Vec<_> = match self.options.strategy {
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

    /// Problems `routes` warns about: handlers that can never run under first-match (an
    /// earlier handler of the same route matches every event they match), and kinds that fail
    /// with `NoHandler` because no handler and no default takes them.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Options, RawEvent, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn every_upload(_event: RawEvent) {}
    ///
    /// #[on_event("aws.s3")]
    /// fn never_runs(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let warnings = dispatcher.warnings();
    /// assert!(warnings[0].contains("`rust_out::never_runs`") && warnings[0].contains("can never run"), "{warnings:?}");
    /// assert!(warnings[1].starts_with("no #[on_event(default)] handler"));
    /// # }
    /// ```
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.options.strategy != Strategy::AllMatches {
            for (index, handler) in self.handlers.iter().enumerate() {
                let shadow = self.handlers[..index]
                    .iter()
                    .enumerate()
                    .find(|(earlier, other)| {
                        other.route == handler.route
                            && other.per_record == handler.per_record
                            && covers(other.filter.source, handler.filter.source)
                            && covers(other.filter.ty, handler.filter.ty)
                            && covers(other.filter.subject, handler.filter.subject)
                            && match (&self.conditions[*earlier], &self.conditions[index]) {
                                (None, _) => true,
                                (Some(a), Some(b)) => a == b,
                                (Some(_), None) => false,
                            }
                    });
                if let Some((_, other)) = shadow {
                    warnings.push(format!(
                        "handler `{}` ({}) can never run: `{}` (rank {}) comes first and matches every event it matches",
                        handler.path(),
                        handler.location(),
                        other.path(),
                        other.rank
                    ));
                }
            }
        }
        if self.routes[Kind::ALL.len()].rest.is_empty() {
            let unhandled: Vec<&str> = Kind::ALL
                .iter()
                .filter(|kind| {
                    let route = &self.routes[**kind as usize];
                    route.rest.is_empty() && route.by_source.is_empty()
                })
                .map(|kind| kind.key())
                .collect();
            warnings.push(format!(
                "no #[on_event(default)] handler: {} of {} kinds have no handler and fail with NoHandler (and so does unclassified JSON)",
                unhandled.len(),
                Kind::ALL.len()
            ));
        }
        warnings
    }

    /// How an event would be routed, in lines of text: its classification, every handler of
    /// its route (and the defaults) with why it matches or not, and what the strategy runs.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Kind, Options, RawEvent, on_event};
    ///
    /// #[on_event("aws.events", source = "aws.ec2")]
    /// fn ec2(_event: RawEvent) {}
    ///
    /// #[on_event(default)]
    /// fn other(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let lines = dispatcher.explain(Kind::EventBridge.sample()); // from `com.acme.orders`
    /// assert_eq!(lines[0], "route key: aws.events");
    /// assert!(lines.iter().any(|line| line.contains(r#"no: source == "aws.ec2" does not hold"#)), "{lines:#?}");
    /// assert_eq!(lines.last().unwrap(), "outcome: runs rust_out::other");
    /// # }
    /// ```
    pub fn explain(&self, json: &str) -> Vec<String> {
        let mut lines = Vec::new();
        let classification = match classify_str(json) {
            Ok(classification) => classification,
            Err(error) => {
                lines.push(format!("classification: error: {error}"));
                lines.push("outcome: the invocation fails with InvalidEvent".to_owned());
                return lines;
            }
        };
        lines.push(format!("route key: {}", classification.route_key()));
        for (name, value) in [
            ("source", classification.source()),
            ("type", classification.event_type()),
            ("subject", classification.subject()),
        ] {
            if let Some(value) = value {
                lines.push(format!("{name}: {value}"));
            }
        }
        lines.push(format!("path: {}", classification.path()));
        let lazy = LazyJson::new(json);
        let mut routes = Vec::new();
        if let Some(kind) = classification.kind() {
            routes.push(Route::Kind(kind));
        }
        routes.push(Route::Default);
        for route in routes {
            let candidates: Vec<usize> = (0..self.handlers.len())
                .filter(|&i| self.handlers[i].route == route)
                .collect();
            lines.push(format!("handlers of {} ({}):", route.key(), candidates.len()));
            for index in candidates {
                let handler = self.handlers[index];
                let verdict = if !handler.filter.matches(&classification) {
                    format!(
                        "no: {} does not hold",
                        handler.filter.describe(handler.route).join(" && ")
                    )
                } else {
                    match (&self.conditions[index], route) {
                        (None, _) => "matches".to_owned(),
                        (Some(condition), Route::Kind(kind)) if handler.per_record => {
                            let records = lazy.records(kind);
                            let holding = records.iter().filter(|r| condition.holds(r)).count();
                            format!(
                                "per record: the condition holds for {holding} of {} records",
                                records.len()
                            )
                        }
                        (Some(condition), _) => {
                            if lazy.get().is_some_and(|tree| condition.holds(tree)) {
                                "matches".to_owned()
                            } else {
                                format!("no: when {condition} does not hold")
                            }
                        }
                    }
                };
                lines.push(format!(
                    "  rank {:>3}  {}  [{}]  {verdict}",
                    handler.rank,
                    handler.path(),
                    handler.conditions()
                ));
            }
        }
        let outcome = match self.select(&classification, json) {
            Selection::Run(handlers) => {
                let names: Vec<String> = handlers.iter().map(|h| h.path()).collect();
                format!("runs {}", names.join(", then "))
            }
            Selection::PerRecord { handlers, assignment } => {
                let taken = assignment.iter().filter(|a| a.is_some()).count();
                let shares: Vec<String> = handlers
                    .iter()
                    .enumerate()
                    .filter_map(|(index, h)| {
                        let records = assignment.iter().filter(|a| **a == Some(index)).count();
                        (records > 0).then(|| format!("{} ({records})", h.path()))
                    })
                    .collect();
                let rest = match assignment.len() - taken {
                    0 => String::new(),
                    untaken => format!("; {untaken} no handler takes fail"),
                };
                format!(
                    "routes {taken} of {} records: {}{rest}",
                    assignment.len(),
                    shares.join(", ")
                )
            }
            Selection::Adapted(plan) => {
                let names: Vec<String> = plan.iter().map(|(_, _, h)| h.path()).collect();
                format!(
                    "adapted into {} CloudEvents, handled by {}",
                    plan.len(),
                    names.join(", ")
                )
            }
            Selection::Ambiguous(tied) => format!(
                "{} handlers tie at rank {}: the {} strategy {}",
                tied.len(),
                tied[0].rank,
                self.options.strategy.name(),
                if self.options.strategy == Strategy::ErrorIfAmbiguous {
                    "fails (AmbiguousHandlers)"
                } else {
                    "runs none"
                }
            ),
            Selection::NoHandler => {
                "no handler matches and there is no default: the invocation fails with NoHandler".to_owned()
            }
        };
        lines.push(format!("strategy: {}", self.options.strategy.name()));
        lines.push(format!("outcome: {outcome}"));
        lines
    }

    /// Classifies one event, runs the handlers it goes to and returns the response.
    ///
    /// Never panics: a panic while classifying, decoding or in a handler is a
    /// [`ErrorKind::Panic`] error.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Context, Dependencies, Dispatcher, ErrorKind, Kind, Options, events::SqsMessage, on_event};
    ///
    /// #[on_event("aws.sqs")]
    /// fn message(message: SqsMessage) -> Result<(), String> {
    ///     match message.body.as_deref() {
    ///         Some(body) if body.contains("ord-5522") => Err("out of stock".into()),
    ///         _ => Ok(()),
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let response = dispatcher.dispatch(Kind::Sqs.sample(), Context::local(1, "demo")).await.unwrap();
    /// // The partial batch response: only the failed message is retried.
    /// assert_eq!(
    ///     response,
    ///     serde_json::json!({"batchItemFailures": [{"itemIdentifier": "0b7e6d5c-4f3a-4e21-8d9c-7b6a5f4e3d2c"}]})
    /// );
    /// let error = dispatcher.dispatch("{not json", Context::local(2, "demo")).await.unwrap_err();
    /// assert_eq!(error.kind, ErrorKind::InvalidEvent);
    /// # }
    /// ```
    pub async fn dispatch(&self, json: &str, context: Context) -> Result<serde_json::Value, DispatchError> {
        self.dispatch_bytes(Bytes::copy_from_slice(json.as_bytes()), context)
            .await
    }

    /// [`Dispatcher::dispatch`] for a payload already read as a `RawValue`: handed over
    /// without a copy, and answered exactly as its text would be.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Options, events::S3Event, on_event};
    /// use serde_json::value::RawValue;
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(event: S3Event) -> Option<i64> {
    ///     event.records[0].s3.object.size
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let json = RawValue::from_string(Kind::S3.sample().to_owned()).unwrap();
    /// let response = dispatcher.dispatch_json(json, Context::local(1, "demo")).await;
    /// assert_eq!(response.unwrap(), 48213);
    /// # }
    /// ```
    pub async fn dispatch_json(
        &self,
        json: Box<RawValue>,
        context: Context,
    ) -> Result<serde_json::Value, DispatchError> {
        let text = String::from(Box::<str>::from(json));
        self.dispatch_bytes(Bytes::from(text), context).await
    }

    /// [`Dispatcher::dispatch`] for the payload's bytes as the Lambda Runtime API delivered
    /// them (what `lambda_runtime` reads, and the command line reads from a file). This is
    /// the one path every payload takes, read once:
    ///
    /// - the size cap first, before anything reads it; then UTF-8 (a byte order mark and
    ///   surrounding whitespace dropped), and the depth cap if one is set;
    /// - the kind from its marker fields alone ([`cloud_events_core::classify_event`]):
    ///   reading stops at the first decisive marker (a CloudEvent's attributes are read and
    ///   checked there once, and its decoder then decodes only `data`);
    /// - the handler's typed decoder reads the whole event, once, from the same bytes (no
    ///   copy is made of them);
    /// - where no decoder read it whole (a failure, a `RawEvent` handler, no handler), the
    ///   text is checked, so that a payload that is not JSON is always answered
    ///   `InvalidEvent`, whatever handler it would have gone to.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Options, events::SqsEvent, on_event};
    ///
    /// #[on_event("aws.sqs")]
    /// fn queued(event: SqsEvent) -> usize {
    ///     event.records.len()
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let bytes = bytes::Bytes::from_static(Kind::Sqs.sample().as_bytes());
    /// assert_eq!(dispatcher.dispatch_bytes(bytes, Context::local(1, "demo")).await.unwrap(), 2);
    /// // Broken after its decisive marker: the decoder finds it, and the answer says so.
    /// let broken = bytes::Bytes::from_static(br#"{"Records":[{"eventSource":"aws:sqs"},"#);
    /// let error = dispatcher.dispatch_bytes(broken, Context::local(2, "demo")).await.unwrap_err();
    /// assert_eq!(error.error_type(), "InvalidEvent");
    /// # }
    /// ```
    pub async fn dispatch_bytes(
        &self,
        payload: Bytes,
        context: Context,
    ) -> Result<serde_json::Value, DispatchError> {
        match self.read(payload) {
            Ok((event, classification)) => self.route(&event, classification, context).await,
            Err(error) => {
                log_unrouted(&error);
                Err(error)
            }
        }
    }

    /// The payload as an event, and its classification: the caps, UTF-8 and the marker
    /// fields, before anything decodes it.
    fn read(&self, payload: Bytes) -> Result<(RawEvent, Classification), DispatchError> {
        let limits = &self.options.limits;
        if let Some(why) = limits.check_size(payload.len()) {
            return Err(DispatchError::new(ErrorKind::LimitExceeded, why));
        }
        let event = RawEvent::from_bytes(payload).map_err(invalid_event)?;
        if crate::error::log_payloads() {
            tracing::debug!(payload = event.json(), "event received");
        }
        if let Some(why) = limits.check_depth(event.json()) {
            return Err(DispatchError::new(ErrorKind::LimitExceeded, why));
        }
        let classified = std::panic::catch_unwind(AssertUnwindSafe(|| classify_event(&event)))
            .map_err(|panic| panicked("the classifier", &*panic))?;
        let classification = classified.map_err(invalid_event)?;
        Ok((event, classification))
    }

    /// Selects the handlers of a classified event, runs them, and answers.
    ///
    /// The lines the framework logs name the route and the handlers that run. They run in a
    /// span that carries both (`lambda_runtime`'s own span carries the request id) at DEBUG
    /// level: at INFO it would cost about 7,000 instructions an invocation (measured in
    /// `bench/side-by-side`), as much as decoding a small event.
    async fn route(
        &self,
        event: &RawEvent,
        classification: Classification,
        context: Context,
    ) -> Result<serde_json::Value, DispatchError> {
        let selection =
            std::panic::catch_unwind(AssertUnwindSafe(|| self.select(&classification, event.json())))
                .map_err(|panic| panicked("handler selection", &*panic));
        let selection = match selection {
            Ok(selection) => selection,
            Err(error) => {
                log_unrouted(&error);
                return Err(error);
            }
        };
        let route = classification.route_key();
        let span = tracing::debug_span!("invocation", route, handler = %Running(&selection));
        let outcome = self
            .run_selection(&selection, event, classification, context)
            .instrument(span)
            .await;
        // Only JSON is answered as JSON: where no decoder read all of it, it is checked now.
        let outcome = if outcome.is_ok() && event.is_checked() {
            outcome
        } else {
            event.check().map_err(invalid_event).and(outcome)
        };
        if let Err(error) = &outcome {
            tracing::error!(
                route,
                handler = %Running(&selection),
                error_type = error.error_type(),
                "{}",
                for_logs(&error.message)
            );
        }
        outcome
    }

    async fn run_selection(
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
        let invocation = Invocation {
            event: event.clone().with_record_limit(self.options.limits.max_records),
            classification,
            context,
            container: Arc::clone(&self.container),
            cache: ValueCache::default(),
            record_concurrency: self.options.record_concurrency,
            routed: assignment.is_some().then(RoutedRun::default),
        };
        let work = async {
            match assignment {
                Some(assignment) => run_routed(handlers, assignment, &invocation).await,
                None => self.run_selected(handlers, &invocation).await,
            }
        };
        match within(budget, work).await {
            Ok(result) => result,
            Err(_) => {
                let names: Vec<&str> = running_names(handlers, assignment.map(Vec::as_slice)).collect();
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
        let count = plan.len();
        let work = async {
            let mut values = Vec::with_capacity(count);
            let mut failures = Vec::new();
            for (index, (json, classification, handler)) in plan.iter().enumerate() {
                let invocation = Invocation {
                    event: RawEvent::new(json.as_str()),
                    classification: classification.clone(),
                    context: context.clone(),
                    container: Arc::clone(&self.container),
                    cache: ValueCache::default(),
                    record_concurrency: self.options.record_concurrency,
                    routed: None,
                };
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
        within(budget, work).await.unwrap_or_else(|_| {
            Err(DispatchError::new(
                ErrorKind::DeadlineExceeded,
                "adapted CloudEvent handlers were still running near the deadline",
            ))
        })
    }

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
                        error_type = error.error_type(),
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
    let outcomes: Vec<crate::per_record::Outcome> = (0..count)
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

/// Whether a handler testing `wide` matches everything one testing `narrow` matches.
fn covers(wide: Option<crate::registry::Pattern>, narrow: Option<crate::registry::Pattern>) -> bool {
    use crate::registry::Pattern;
    match (wide, narrow) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(Pattern::Exact(a)), Some(Pattern::Exact(b))) => a == b,
        (Some(Pattern::Prefix(a)), Some(Pattern::Exact(b) | Pattern::Prefix(b))) => b.starts_with(a),
        (Some(Pattern::Exact(_)), Some(Pattern::Prefix(_))) => false,
    }
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
    let call = AssertUnwindSafe((handler.call)(invocation)).catch_unwind().await;
    call.map_err(|panic| panicked(&format!("handler `{}`", handler.path()), &*panic))?
}

fn route_slot(route: Route) -> usize {
    match route {
        Route::Kind(kind) => kind as usize,
        Route::Default => Kind::ALL.len(),
    }
}

/// Logs a failure that happened before any handler was chosen (once, with its `errorType`;
/// quoted values elided).
fn log_unrouted(error: &DispatchError) {
    tracing::error!(error_type = error.error_type(), "{}", for_logs(&error.message));
}

fn invalid_event(error: ClassifyError) -> DispatchError {
    DispatchError::new(ErrorKind::InvalidEvent, error.to_string())
}

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

fn panicked(what: &str, panic: &(dyn Any + Send)) -> DispatchError {
    DispatchError::new(
        ErrorKind::Panic,
        format!("{what} panicked: {}", crate::per_record::panic_text(panic)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Filter, HandlerFuture, Pattern};
    use serde_json::json;

    const NO_FILTER: Filter = Filter {
        source: None,
        ty: None,
        subject: None,
    };

    /// A registration whose handler answers with its own name.
    macro_rules! handler {
        ($name:ident, $route:expr, $rank:expr) => {
            handler!($name, $route, $rank, NO_FILTER, None);
        };
        ($name:ident, $route:expr, $rank:expr, $filter:expr, $when:expr) => {
            static $name: HandlerRegistration = {
                fn call(_: &Invocation) -> HandlerFuture<'_> {
                    Box::pin(async { Ok(json!(stringify!($name))) })
                }
                HandlerRegistration {
                    route: $route,
                    filter: $filter,
                    when: $when,
                    per_record: false,
                    adapted: false,
                    rank: $rank,
                    name: stringify!($name),
                    module_path: "tests",
                    file: file!(),
                    line: line!(),
                    params: &[],
                    call,
                }
            };
        };
    }

    const fn ce(source: Option<&'static str>, ty: Option<&'static str>) -> Filter {
        Filter {
            source: match source {
                Some(s) => Some(Pattern::Exact(s)),
                None => None,
            },
            ty: match ty {
                Some(t) => Some(Pattern::Exact(t)),
                None => None,
            },
            subject: None,
        }
    }

    const CLOUDEVENTS: Route = Route::Kind(Kind::CloudEvents);

    handler!(S3_LOW, Route::Kind(Kind::S3), 0);
    handler!(S3_HIGH, Route::Kind(Kind::S3), 5);
    handler!(S3_TOO, Route::Kind(Kind::S3), 5);
    handler!(ANY_CLOUDEVENT, CLOUDEVENTS, 0);
    handler!(
        ORDERS_CREATED,
        CLOUDEVENTS,
        0,
        ce(Some("/orders"), Some("created")),
        None
    );
    handler!(ORDERS_ANY, CLOUDEVENTS, 0, ce(Some("/orders"), None), None);
    handler!(CREATED_ANYWHERE, CLOUDEVENTS, 0, ce(None, Some("created")), None);
    handler!(RANKED_CLOUDEVENT, CLOUDEVENTS, 1);
    handler!(
        ORDER_PREFIX,
        CLOUDEVENTS,
        0,
        Filter {
            source: None,
            ty: Some(Pattern::Prefix("com.example.order.")),
            subject: None
        },
        None
    );
    handler!(
        BIG_OBJECTS,
        Route::Kind(Kind::S3),
        0,
        NO_FILTER,
        Some("Records[0].s3.object.size > 100")
    );
    handler!(FALLBACK, Route::Default, 0);

    static PANICS: HandlerRegistration = {
        fn call(_: &Invocation) -> HandlerFuture<'_> {
            Box::pin(async { panic!("boom") })
        }
        HandlerRegistration {
            route: Route::Kind(Kind::Sqs),
            filter: NO_FILTER,
            when: None,
            per_record: false,
            adapted: false,
            rank: 0,
            name: "panics",
            module_path: "tests",
            file: file!(),
            line: line!(),
            params: &[],
            call,
        }
    };

    static FAILS: HandlerRegistration = {
        fn call(_: &Invocation) -> HandlerFuture<'_> {
            Box::pin(async { Err(DispatchError::new(ErrorKind::Handler, "nope")) })
        }
        HandlerRegistration {
            route: Route::Kind(Kind::S3),
            filter: NO_FILTER,
            when: None,
            per_record: false,
            adapted: false,
            rank: 3,
            name: "fails",
            module_path: "tests",
            file: file!(),
            line: line!(),
            params: &[],
            call,
        }
    };

    fn dispatcher_with(
        handlers: &[&'static HandlerRegistration],
        strategy: Strategy,
        policy: ErrorPolicy,
    ) -> Dispatcher {
        let options = Options {
            strategy,
            error_policy: policy,
            ..Options::default()
        };
        Dispatcher::build(handlers.iter().copied(), [], Dependencies::new(), options).unwrap()
    }

    fn dispatcher(handlers: &[&'static HandlerRegistration]) -> Dispatcher {
        dispatcher_with(handlers, Strategy::FirstMatch, ErrorPolicy::StopAtFirstError)
    }

    fn chosen(dispatcher: &Dispatcher, json: &str) -> Vec<&'static str> {
        let classification = cloud_events_core::classify_str(json).unwrap();
        match dispatcher.select(&classification, json) {
            Selection::Ambiguous(_) => vec!["<ambiguous>"],
            selection => selection.handler_names(),
        }
    }

    const S3: &str = r#"{"Records":[{"eventSource":"aws:s3","s3":{"object":{"size":500}}}]}"#;
    const S3_SMALL: &str = r#"{"Records":[{"eventSource":"aws:s3","s3":{"object":{"size":5}}}]}"#;

    fn cloudevent(source: &str, ty: &str) -> String {
        format!(r#"{{"specversion":"1.0","id":"1","source":"{source}","type":"{ty}"}}"#)
    }

    #[test]
    fn the_highest_rank_wins_whatever_the_registration_order() {
        assert_eq!(chosen(&dispatcher(&[&S3_LOW, &S3_HIGH]), S3), ["S3_HIGH"]);
        assert_eq!(chosen(&dispatcher(&[&S3_HIGH, &S3_LOW]), S3), ["S3_HIGH"]);
    }

    #[test]
    fn at_equal_rank_the_more_specific_handler_wins() {
        let all = dispatcher(&[&ANY_CLOUDEVENT, &ORDERS_ANY, &CREATED_ANYWHERE, &ORDERS_CREATED]);
        assert_eq!(
            chosen(&all, &cloudevent("/orders", "created")),
            ["ORDERS_CREATED"]
        );
        assert_eq!(chosen(&all, &cloudevent("/orders", "shipped")), ["ORDERS_ANY"]);
        assert_eq!(
            chosen(&all, &cloudevent("/billing", "created")),
            ["CREATED_ANYWHERE"]
        );
        assert_eq!(chosen(&all, &cloudevent("/billing", "paid")), ["ANY_CLOUDEVENT"]);
        // Equal rank and specificity: the path decides, so the order is stable.
        let reversed = dispatcher(&[&ORDERS_CREATED, &CREATED_ANYWHERE, &ORDERS_ANY, &ANY_CLOUDEVENT]);
        assert_eq!(
            all.handlers().iter().map(|h| h.name).collect::<Vec<_>>(),
            reversed.handlers().iter().map(|h| h.name).collect::<Vec<_>>()
        );
        // A `when` condition counts as specific as a filter.
        let d = dispatcher(&[&S3_LOW, &BIG_OBJECTS]);
        assert_eq!(chosen(&d, S3), ["BIG_OBJECTS"]);
        assert_eq!(chosen(&d, S3_SMALL), ["S3_LOW"]);
    }

    #[test]
    fn routes_warn_about_shadowed_handlers_and_a_missing_default() {
        let d = dispatcher(&[&S3_HIGH, &S3_LOW, &ORDERS_ANY, &ORDERS_CREATED, &FALLBACK]);
        let warnings = d.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("handler `tests::S3_LOW`")
                && warnings[0].contains("`tests::S3_HIGH` (rank 5)"),
            "{warnings:?}"
        );
        let without_default = dispatcher(&[&S3_LOW]);
        assert!(without_default.warnings()[0].starts_with("no #[on_event(default)] handler"));
    }

    #[test]
    fn prefix_patterns_match_by_prefix() {
        let d = dispatcher(&[&ORDER_PREFIX, &FALLBACK]);
        assert_eq!(
            chosen(&d, &cloudevent("/x", "com.example.order.created")),
            ["ORDER_PREFIX"]
        );
        assert_eq!(chosen(&d, &cloudevent("/x", "com.example.orders")), ["FALLBACK"]);
    }

    #[test]
    fn rank_beats_specificity() {
        let d = dispatcher(&[&ORDERS_CREATED, &RANKED_CLOUDEVENT]);
        assert_eq!(
            chosen(&d, &cloudevent("/orders", "created")),
            ["RANKED_CLOUDEVENT"]
        );
    }

    #[test]
    fn unmatched_and_unclassified_events_go_to_the_default() {
        let d = dispatcher(&[&ORDERS_CREATED, &S3_LOW, &FALLBACK]);
        assert_eq!(chosen(&d, &cloudevent("/billing", "paid")), ["FALLBACK"]);
        assert_eq!(chosen(&d, r#"{"hello":"world"}"#), ["FALLBACK"]);
        assert_eq!(chosen(&d, S3), ["S3_LOW"]);
        assert!(chosen(&dispatcher(&[&S3_LOW]), r#"{"hello":"world"}"#).is_empty());
    }

    #[test]
    fn strategies_pick_one_all_or_refuse_ties() {
        let handlers: &[&'static HandlerRegistration] = &[&S3_LOW, &S3_HIGH, &S3_TOO, &FALLBACK];
        let first = dispatcher_with(handlers, Strategy::FirstMatch, ErrorPolicy::StopAtFirstError);
        assert_eq!(chosen(&first, S3), ["S3_HIGH"]);
        let all = dispatcher_with(handlers, Strategy::AllMatches, ErrorPolicy::StopAtFirstError);
        assert_eq!(chosen(&all, S3), ["S3_HIGH", "S3_TOO", "S3_LOW"]);
        let none = dispatcher_with(handlers, Strategy::NoneIfAmbiguous, ErrorPolicy::StopAtFirstError);
        assert_eq!(chosen(&none, S3), ["<ambiguous>"]);
        let error = dispatcher_with(
            handlers,
            Strategy::ErrorIfAmbiguous,
            ErrorPolicy::StopAtFirstError,
        );
        assert_eq!(chosen(&error, S3), ["<ambiguous>"]);
        // No tie at the top: both ambiguity strategies run the one handler.
        let untied = dispatcher_with(
            &[&S3_LOW, &S3_HIGH],
            Strategy::ErrorIfAmbiguous,
            ErrorPolicy::StopAtFirstError,
        );
        assert_eq!(chosen(&untied, S3), ["S3_HIGH"]);
    }

    #[tokio::test]
    async fn ambiguity_strategies_answer_null_or_fail() {
        let local = || Context::local(1, "test");
        let none = dispatcher_with(
            &[&S3_HIGH, &S3_TOO],
            Strategy::NoneIfAmbiguous,
            ErrorPolicy::StopAtFirstError,
        );
        assert_eq!(none.dispatch(S3, local()).await, Ok(serde_json::Value::Null));
        let error = dispatcher_with(
            &[&S3_HIGH, &S3_TOO],
            Strategy::ErrorIfAmbiguous,
            ErrorPolicy::StopAtFirstError,
        );
        let failure = error.dispatch(S3, local()).await.unwrap_err();
        assert_eq!(failure.error_type(), "AmbiguousHandlers");
        assert_eq!(
            failure.message,
            "2 handlers match at rank 5: `tests::S3_HIGH`, `tests::S3_TOO`"
        );
    }

    #[tokio::test]
    async fn all_matches_reports_each_outcome_or_stops_at_the_first_error() {
        let local = || Context::local(1, "test");
        let report = dispatcher_with(
            &[&S3_LOW, &FAILS, &S3_HIGH],
            Strategy::AllMatches,
            ErrorPolicy::RunAllAndReport,
        );
        assert_eq!(
            report.dispatch(S3, local()).await,
            Ok(json!([
                {"handler": "tests::S3_HIGH", "response": "S3_HIGH"},
                {"handler": "tests::fails", "errorType": "HandlerFailed", "errorMessage": "nope"},
                {"handler": "tests::S3_LOW", "response": "S3_LOW"},
            ]))
        );
        let stop = dispatcher_with(
            &[&S3_LOW, &FAILS, &S3_HIGH],
            Strategy::AllMatches,
            ErrorPolicy::StopAtFirstError,
        );
        assert_eq!(stop.dispatch(S3, local()).await.unwrap_err().message, "nope");
    }

    #[tokio::test]
    async fn dispatch_answers_with_the_handler_value_or_a_typed_error() {
        let d = dispatcher(&[&S3_LOW, &PANICS]);
        let local = || Context::local(1, "test");
        assert_eq!(d.dispatch(S3, local()).await, Ok(json!("S3_LOW")));
        let error = d.dispatch(r#"{"hello":"world"}"#, local()).await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::NoHandler);
        assert_eq!(
            error.message,
            "no handler for route `unclassified` and no #[on_event(default)] handler"
        );
        let error = d.dispatch("{nope", local()).await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidEvent);
        let error = d
            .dispatch(r#"{"Records":[{"eventSource":"aws:sqs"}]}"#, local())
            .await
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::Panic);
        assert_eq!(error.message, "handler `tests::panics` panicked: boom");
        assert_eq!(
            error.to_json(),
            json!({"errorType": "HandlerPanicked", "errorMessage": error.message})
        );
    }

    static SLOW: HandlerRegistration = {
        fn call(_: &Invocation) -> HandlerFuture<'_> {
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Ok(json!("slow"))
            })
        }
        HandlerRegistration {
            route: Route::Kind(Kind::Sns),
            filter: NO_FILTER,
            when: None,
            per_record: false,
            adapted: false,
            rank: 0,
            name: "slow",
            module_path: "tests",
            file: file!(),
            line: line!(),
            params: &[],
            call,
        }
    };

    /// `cargo lambda watch` sends `lambda-runtime-deadline-ms: 600000` (1970): such a deadline
    /// is not enforced, or every handler that awaits would be cancelled at once.
    #[tokio::test]
    async fn a_deadline_already_past_on_arrival_is_not_enforced() {
        let d = dispatcher(&[&SLOW]);
        let context = Context {
            deadline_ms: 600_000,
            ..Context::local(1, "test")
        };
        assert_eq!(d.dispatch(Kind::Sns.sample(), context).await, Ok(json!("slow")));
        // A deadline in the future is: 100 ms, minus the 200 ms margin, leaves no time.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let close = Context {
            deadline_ms: (now + Duration::from_millis(100)).as_millis() as u64,
            ..Context::local(2, "test")
        };
        let error = d.dispatch(Kind::Sns.sample(), close).await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::DeadlineExceeded);
    }

    /// The marker reader stops at the decisive marker; text that is not JSON after it is still
    /// answered `InvalidEvent`, whether a handler read it, ignored it, or none was found.
    #[tokio::test]
    async fn text_that_is_not_json_after_the_decisive_marker_is_an_invalid_event() {
        let d = dispatcher(&[&S3_LOW]);
        let local = || Context::local(1, "test");
        for broken in [
            // Goes to S3_LOW, which answers without reading the event.
            r#"{"Records":[{"eventSource":"aws:s3"}],"x":"#,
            r#"{"Records":[{"eventSource":"aws:s3"},{"s3":{]}"#,
            r#"{"Records":[{"eventSource":"aws:s3"}]} trailing"#,
            // No handler for SQS.
            r#"{"Records":[{"eventSource":"aws:sqs"}],"#,
        ] {
            let error = d.dispatch(broken, local()).await.unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidEvent, "{broken}: {error:?}");
            let checked = cloud_events_core::classify_str(broken).unwrap_err();
            assert_eq!(
                error.message,
                checked.to_string(),
                "the checker's words: {broken}"
            );
        }
        // Found by the `dispatch` fuzz target: a byte order mark after whitespace is text
        // that is not JSON, answered in the checker's words.
        let error = d
            .dispatch_bytes(Bytes::from_static(b"\n\xef\xbb\xbf\n\n"), local())
            .await
            .unwrap_err();
        let checked = RawEvent::from_bytes(Bytes::from_static(b"\n\xef\xbb\xbf\n\n")).unwrap();
        assert_eq!(error.message, checked.check().unwrap_err().to_string());
        // The same events whole are answered.
        assert_eq!(
            d.dispatch(r#"{"Records":[{"eventSource":"aws:s3"}],"x":1}"#, local())
                .await,
            Ok(json!("S3_LOW"))
        );
    }

    #[test]
    fn start_up_fails_without_handlers() {
        assert_eq!(
            Dispatcher::build([], [], Dependencies::new(), Options::default()).unwrap_err(),
            StartupError::NoHandlers
        );
    }
}
