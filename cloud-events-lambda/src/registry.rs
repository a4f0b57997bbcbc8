//! The handler registry: one [`HandlerRegistration`] per annotated function, collected with
//! `inventory` from every crate linked into the binary.

use crate::error::{DispatchError, ErrorKind};
use crate::invocation::Invocation;
use crate::param::Param;
use cloud_events_core::events::AnyEvent;
use cloud_events_core::{Classification, Kind};
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// The future of one handler call.
pub type HandlerFuture<'a> =
    Pin<Box<dyn Future<Output = Result<serde_json::Value, DispatchError>> + Send + 'a>>;

/// Which kind of events a handler is for.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Dependencies, Dispatcher, Kind, Options, RawEvent, Route, on_event};
///
/// #[on_event("aws.s3")]
/// fn uploaded(_event: RawEvent) {}
///
/// #[on_event(default)]
/// fn other(_event: RawEvent) {}
///
/// # fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// let routes: Vec<Route> = dispatcher.handlers().iter().map(|h| h.route).collect();
/// assert!(routes.contains(&Route::Kind(Kind::S3)) && routes.contains(&Route::Default));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `#[on_event("key")]` or `#[on_cloudevent(...)]`: events of the kind.
    Kind(Kind),
    /// `#[on_event(default)]`: what no other handler matched.
    Default,
}

impl Route {
    /// The route key (`default` for default handlers).
    ///
    /// ```
    /// use cloud_events_lambda::{Kind, Route};
    /// assert_eq!(Route::Kind(Kind::S3).key(), "aws.s3");
    /// assert_eq!(Route::Default.key(), "default");
    /// ```
    pub fn key(&self) -> &'static str {
        match self {
            Route::Kind(kind) => kind.key(),
            Route::Default => "default",
        }
    }
}

/// A string test on one attribute: equal, or (written with a trailing `*`) a prefix.
///
/// ```standalone_crate
/// use cloud_events_lambda::{CloudEvent, Dependencies, Dispatcher, Options, on_cloudevent};
/// use cloud_events_lambda::__private::{Pattern};
///
/// #[on_cloudevent(source = "/orders", type = "com.example.order.*")]
/// fn order(_event: CloudEvent) {}
///
/// # fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// let filter = dispatcher.handlers()[0].filter;
/// assert_eq!(filter.source, Some(Pattern::Exact("/orders")));
/// assert_eq!(filter.ty, Some(Pattern::Prefix("com.example.order.")));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Equal to the text.
    Exact(&'static str),
    /// Starts with the text.
    Prefix(&'static str),
}

impl Pattern {
    /// Whether `value` matches.
    ///
    /// ```
    /// use cloud_events_lambda::__private::Pattern;
    /// let created = Pattern::Prefix("com.example.order.");
    /// assert!(created.matches(Some("com.example.order.created")));
    /// assert!(!created.matches(Some("com.example.refund.created")));
    /// assert!(!Pattern::Exact("/orders").matches(None)); // an absent attribute never matches
    /// ```
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
///
/// ```
/// use cloud_events_lambda::{Kind, classify};
/// use cloud_events_lambda::__private::{Filter, Pattern};
/// // What `#[on_event("aws.events", source = "com.acme.orders", detail_type = "Order*")]` registers:
/// let filter = Filter {
///     source: Some(Pattern::Exact("com.acme.orders")),
///     ty: Some(Pattern::Prefix("Order")),
///     subject: None,
/// };
/// let classification = classify(Kind::EventBridge.sample().as_bytes()).unwrap();
/// assert!(filter.matches(&classification));
/// ```
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
    ///
    /// ```
    /// use cloud_events_lambda::{Classification, Kind, classify};
    /// use cloud_events_lambda::__private::{Filter, Pattern};
    /// let filter = Filter { source: Some(Pattern::Exact("/orders")), ..Filter::default() };
    /// let cloudevent = classify(Kind::CloudEvents.sample().as_bytes()).unwrap(); // source `/orders`
    /// assert!(filter.matches(&cloudevent));
    /// assert!(!filter.matches(&Classification::of_kind(Kind::CloudEvents)));
    /// assert!(Filter::default().matches(&Classification::of_kind(Kind::S3)));
    /// ```
    pub fn matches(&self, classification: &Classification) -> bool {
        self.source.is_none_or(|p| p.matches(classification.source()))
            && self.ty.is_none_or(|p| p.matches(classification.event_type()))
            && self.subject.is_none_or(|p| p.matches(classification.subject()))
    }

    /// How many tests it makes.
    ///
    /// ```
    /// use cloud_events_lambda::__private::{Filter, Pattern};
    /// let filter = Filter {
    ///     source: Some(Pattern::Exact("/orders")),
    ///     ty: Some(Pattern::Prefix("com.example.order.")),
    ///     subject: None,
    /// };
    /// assert_eq!(filter.weight(), 2);
    /// assert_eq!(Filter::default().weight(), 0);
    /// ```
    pub fn weight(&self) -> usize {
        [self.source, self.ty, self.subject].iter().flatten().count()
    }

    /// The tests, in the condition language's words (`type` is named as the kind names it).
    ///
    /// ```
    /// use cloud_events_lambda::{Kind, Route};
    /// use cloud_events_lambda::__private::{Filter, Pattern};
    /// let filter = Filter {
    ///     source: Some(Pattern::Exact("aws.ec2")),
    ///     ty: Some(Pattern::Prefix("EC2 Instance")),
    ///     subject: None,
    /// };
    /// assert_eq!(
    ///     filter.describe(Route::Kind(Kind::EventBridge)),
    ///     [r#"source == "aws.ec2""#, r#"starts_with(detail-type, "EC2 Instance")"#]
    /// );
    /// ```
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

/// A registered handler, as [`Dispatcher::handlers`](crate::Dispatcher::handlers) and
/// [`Selection`](crate::Selection) show it: its name, route, rank and where it is written.
/// The macros fill it in; the fields they alone use are hidden.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Dependencies, Dispatcher, Kind, Options, Route, events::SqsMessage, on_event};
///
/// #[on_event("aws.sqs", rank = 5)]
/// fn message(_message: SqsMessage) {}
///
/// # fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// let handler = dispatcher.handlers()[0];
/// assert_eq!((handler.name, handler.rank), ("message", 5));
/// assert_eq!(handler.route, Route::Kind(Kind::Sqs));
/// assert!(handler.per_record); // it takes one message at a time
/// # }
/// ```
pub struct HandlerRegistration {
    /// Which events it is for.
    pub route: Route,
    /// Tests on the classification (shorthand arguments such as `source = "..."`).
    #[doc(hidden)] // the macros' encoding of the shorthands; `describe` shows them to users
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
    /// `idempotent`: each unit it takes (the event, or each record) runs once per key.
    #[doc(hidden)] // the macros' encoding of `idempotent(...)`
    pub idempotent: Option<&'static Idempotent>,
    /// The function's name.
    pub name: &'static str,
    /// The module the function is in (`module_path!()`).
    pub module_path: &'static str,
    /// The source file.
    pub file: &'static str,
    /// The line of the attribute.
    pub line: u32,
    /// The injected parameters: checked at start-up.
    #[doc(hidden)] // for the start-up checks
    pub params: &'static [Param],
    /// Calls the handler with its parameters taken from the invocation.
    #[doc(hidden)] // the generated glue that calls the function
    pub call: for<'a> fn(&'a Invocation) -> HandlerFuture<'a>,
}

impl HandlerRegistration {
    /// `module::function`.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Options};
    ///
    /// mod uploads {
    ///     #[cloud_events_lambda::on_event("aws.s3")]
    ///     fn stored(_event: cloud_events_lambda::RawEvent) {}
    /// }
    ///
    /// # fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// assert_eq!(dispatcher.handlers()[0].path(), "rust_out::uploads::stored");
    /// # }
    /// ```
    pub fn path(&self) -> String {
        format!("{}::{}", self.module_path, self.name)
    }

    /// `file:line`.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Options, RawEvent, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn stored(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let handler = dispatcher.handlers()[0];
    /// assert!(handler.file.ends_with(".rs"));
    /// assert_eq!(handler.location(), format!("{}:{}", handler.file, handler.line));
    /// # }
    /// ```
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// The handler's conditions in words, `-` for none.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Options, RawEvent, on_event};
    ///
    /// #[on_event("aws.events", source = "aws.ec2", when = r#"detail.state == "running""#)]
    /// fn started(_event: RawEvent) {}
    ///
    /// #[on_event(default)]
    /// fn other(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let [started, other] = dispatcher.handlers() else { panic!() };
    /// assert_eq!(started.conditions(), r#"source == "aws.ec2" && (detail.state == "running")"#);
    /// assert_eq!(other.conditions(), "-");
    /// # }
    /// ```
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

/// What `idempotent(...)` says of a handler (feature `idempotency`; see the `idempotency`
/// module).
///
/// ```standalone_crate
/// # #[cfg(feature = "idempotency")] mod handlers {
/// use cloud_events_lambda::{RawEvent, on_event};
///
/// #[on_event("aws.apigateway.v2", idempotent(key = "body.orderId", validate = "body.amount", expires_after = "15m"))]
/// fn order(_event: RawEvent) {}
/// # }
/// # fn main() {
/// # #[cfg(feature = "idempotency")] {
/// use cloud_events_lambda::{Dependencies, Dispatcher, Options};
/// use cloud_events_lambda::__private::{Idempotent};
/// use cloud_events_lambda::idempotency::{Idempotency, InMemoryStore};
/// let mut dependencies = Dependencies::new();
/// dependencies.insert(Idempotency::new(InMemoryStore::new()));
/// let dispatcher = Dispatcher::new(dependencies, Options::default()).unwrap();
/// let spec = dispatcher.handlers()[0].idempotent.unwrap();
/// assert_eq!(spec.key, Some("body.orderId"));
/// assert_eq!(spec.expires_after, 900);
/// # }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Idempotent {
    /// `key = "..."`: the path of the key in the event (or record); `None` takes the key
    /// the kind's source guarantees unique ([`Kind::idempotency_key`]).
    pub key: Option<&'static str>,
    /// `validate = "..."`: the path of fields a duplicate must match.
    pub validate: Option<&'static str>,
    /// `expires_after`: how long a completed record counts, in seconds (default one hour).
    pub expires_after: u64,
    /// `prefix = "..."`: the records' id prefix; by default `FUNCTION.HANDLER` (the Lambda
    /// function's name, then the handler's), which stays put when the code moves between
    /// modules.
    pub prefix: Option<&'static str>,
}

/// Every registered handler, in link order (the dispatcher sorts them).
pub fn registered() -> impl Iterator<Item = &'static HandlerRegistration> {
    inventory::iter::<HandlerRegistration>.into_iter()
}

/// Decodes the invocation's event for a default handler.
pub fn decode_any<T: AnyEvent>(invocation: &Invocation) -> Result<T, DispatchError> {
    T::decode_any(invocation.event()).map_err(|e| DispatchError::new(ErrorKind::EventDecode, e.to_string()))
}
