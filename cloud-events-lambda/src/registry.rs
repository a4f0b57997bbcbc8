//! The handler registry: one [`HandlerRegistration`] per annotated function, collected with
//! `inventory` from every crate linked into the binary.

use crate::dispatch::Invocation;
use crate::error::{DispatchError, ErrorKind};
use cloud_events_core::events::AnyEvent;
use cloud_events_core::{Classification, Kind};
use std::any::TypeId;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// The future of one handler call.
pub type HandlerFuture<'a> =
    Pin<Box<dyn Future<Output = Result<serde_json::Value, DispatchError>> + Send + 'a>>;

/// A registered type a parameter needs (`Dep<T>` needs `T`): its id and name.
pub type Requirement = Option<(TypeId, &'static str)>;

/// One injected parameter of a handler or factory, for the start-up checks.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The parameter's name as written.
    pub name: &'static str,
    /// What it needs registered, if anything.
    pub requirement: fn() -> Requirement,
}

/// Which kind of events a handler is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `#[on_event("key")]` or `#[on_cloudevent(...)]`: events of the kind.
    Kind(Kind),
    /// `#[on_event(default)]`: what no other handler matched.
    Default,
}

impl Route {
    /// The route key (`default` for default handlers).
    pub fn key(&self) -> &'static str {
        match self {
            Route::Kind(kind) => kind.key(),
            Route::Default => "default",
        }
    }
}

/// A string test on one attribute: equal, or (written with a trailing `*`) a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Equal to the text.
    Exact(&'static str),
    /// Starts with the text.
    Prefix(&'static str),
}

impl Pattern {
    /// Whether `value` matches.
    pub fn matches(&self, value: Option<&str>) -> bool {
        match (self, value) {
            (_, None) => false,
            (Pattern::Exact(expected), Some(value)) => *expected == value,
            (Pattern::Prefix(prefix), Some(value)) => value.starts_with(prefix),
        }
    }

    fn describe(&self, attribute: &str) -> String {
        match self {
            Pattern::Exact(text) => format!("{attribute} == {text:?}"),
            Pattern::Prefix(text) => format!("starts_with({attribute}, {text:?})"),
        }
    }
}

/// Tests on the classification's dynamic parts: EventBridge `source`/`detail-type`, CloudEvent
/// `source`/`type`/`subject`, IoT Events `eventName`. They are checked without decoding the
/// event, and an exact `source` indexes the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Filter {
    /// The `source`.
    pub source: Option<Pattern>,
    /// The `detail-type`, CloudEvent `type` or IoT Events `eventName`.
    pub ty: Option<Pattern>,
    /// The CloudEvent `subject`.
    pub subject: Option<Pattern>,
}

impl Filter {
    /// Whether the classification passes every test.
    pub fn matches(&self, classification: &Classification) -> bool {
        self.source.is_none_or(|p| p.matches(classification.source()))
            && self.ty.is_none_or(|p| p.matches(classification.event_type()))
            && self.subject.is_none_or(|p| p.matches(classification.subject()))
    }

    /// How many tests it makes.
    pub fn weight(&self) -> usize {
        [self.source, self.ty, self.subject].iter().flatten().count()
    }

    /// The tests, in the condition language's words (`type` is named as the kind names it).
    pub fn describe(&self, route: Route) -> Vec<String> {
        let ty_name = match route {
            Route::Kind(Kind::EventBridge) => "detail-type",
            Route::Kind(Kind::IotEvents) => "event.eventName",
            _ => "type",
        };
        let mut tests = Vec::new();
        tests.extend(self.source.map(|p| p.describe("source")));
        tests.extend(self.ty.map(|p| p.describe(ty_name)));
        tests.extend(self.subject.map(|p| p.describe("subject")));
        tests
    }
}

/// One annotated handler, as the macros register it.
pub struct HandlerRegistration {
    /// Which events it is for.
    pub route: Route,
    /// Tests on the classification (shorthand arguments such as `source = "..."`).
    pub filter: Filter,
    /// A `when = "..."` condition, checked against the event's JSON, or against each record's
    /// for a handler called per record.
    pub when: Option<&'static str>,
    /// The handler takes one record of a batch at a time.
    pub per_record: bool,
    /// A CloudEvents handler that also receives other kinds' events adapted into CloudEvents
    /// (`#[on_cloudevent(adapted = true)]`).
    pub adapted: bool,
    /// Among matching handlers, the highest rank wins.
    pub rank: i32,
    /// The function's name.
    pub name: &'static str,
    /// The module the function is in (`module_path!()`).
    pub module_path: &'static str,
    /// The source file.
    pub file: &'static str,
    /// The line of the attribute.
    pub line: u32,
    /// The injected parameters: checked at start-up.
    pub params: &'static [Param],
    /// Calls the handler with its parameters taken from the invocation.
    pub call: for<'a> fn(&'a Invocation) -> HandlerFuture<'a>,
}

impl HandlerRegistration {
    /// `module::function`.
    pub fn path(&self) -> String {
        format!("{}::{}", self.module_path, self.name)
    }

    /// `file:line`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// The handler's conditions in words, `-` for none.
    pub fn conditions(&self) -> String {
        let mut tests = self.filter.describe(self.route);
        tests.extend(self.when.map(|when| format!("({when})")));
        if tests.is_empty() {
            "-".to_owned()
        } else {
            tests.join(" && ")
        }
    }
}

impl fmt::Debug for HandlerRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerRegistration")
            .field("route", &self.route)
            .field("conditions", &self.conditions())
            .field("rank", &self.rank)
            .field("path", &self.path())
            .field("location", &self.location())
            .finish()
    }
}

inventory::collect!(HandlerRegistration);

/// Every registered handler, in link order (the dispatcher sorts them).
pub fn registered() -> impl Iterator<Item = &'static HandlerRegistration> {
    inventory::iter::<HandlerRegistration>.into_iter()
}

/// Decodes the invocation's event for a default handler.
pub fn decode_any<T: AnyEvent>(invocation: &Invocation) -> Result<T, DispatchError> {
    T::decode_any(invocation.event()).map_err(|e| DispatchError::new(ErrorKind::EventDecode, e.to_string()))
}
