//! The handler registry: one [`HandlerRegistration`] per annotated function, collected with
//! `inventory` from every crate linked into the binary.

use crate::dispatch::Invocation;
use crate::error::{DispatchError, ErrorKind};
use cloud_events_core::Kind;
use cloud_events_core::events::{AnyEvent, EventOf};
use cloud_events_core::kinds::KindMarker;
use std::any::TypeId;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// The future of one handler call.
pub type HandlerFuture<'a> =
    Pin<Box<dyn Future<Output = Result<serde_json::Value, DispatchError>> + Send + 'a>>;

/// A registered type a handler parameter needs (`Dep<T>` needs `T`): its id and name.
pub type Requirement = Option<(TypeId, &'static str)>;

/// Which events a handler is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `#[on_event("key")]`: every event of the kind.
    Kind(Kind),
    /// `#[on_cloudevent(...)]`: CloudEvents whose `source` and `type` equal the given values
    /// (a value that is `None` matches anything).
    CloudEvent {
        /// The `source` to match.
        source: Option<&'static str>,
        /// The `type` to match.
        ty: Option<&'static str>,
    },
    /// `#[on_event(default)]`: what no other handler matched.
    Default,
}

impl Route {
    /// How many attributes the route pins down; more specific routes win ties.
    pub fn specificity(&self) -> u8 {
        match self {
            Route::CloudEvent { source, ty } => 1 + u8::from(source.is_some()) + u8::from(ty.is_some()),
            Route::Kind(_) => 1,
            Route::Default => 0,
        }
    }

    /// The route key this route listens on (`default` for default handlers).
    pub fn key(&self) -> &'static str {
        match self {
            Route::Kind(kind) => kind.key(),
            Route::CloudEvent { .. } => Kind::CloudEvents.key(),
            Route::Default => "default",
        }
    }
}

impl Route {
    /// The route's conditions (`source == "/orders" && type == "created"`), empty for none.
    pub fn conditions(&self) -> String {
        let Route::CloudEvent { source, ty } = self else {
            return String::new();
        };
        let source = source.map(|source| format!("source == {source:?}"));
        let ty = ty.map(|ty| format!("type == {ty:?}"));
        [source, ty]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" && ")
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())?;
        let conditions = self.conditions();
        if !conditions.is_empty() {
            write!(f, " [{conditions}]")?;
        }
        Ok(())
    }
}

/// One annotated handler, as the macros register it.
pub struct HandlerRegistration {
    /// Which events it is for.
    pub route: Route,
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
    /// Shared values the handler takes (`Dep<T>`): checked at start-up.
    pub requires: &'static [fn() -> Requirement],
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
}

impl fmt::Debug for HandlerRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerRegistration")
            .field("route", &self.route)
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

/// Decodes the invocation's event into `T`, which kind `M` must deliver.
pub fn decode_event<M: KindMarker, T: EventOf<M>>(invocation: &Invocation) -> Result<T, DispatchError> {
    T::decode(invocation.event()).map_err(|e| DispatchError::new(ErrorKind::EventDecode, e.to_string()))
}

/// Decodes the invocation's event for a default handler.
pub fn decode_any<T: AnyEvent>(invocation: &Invocation) -> Result<T, DispatchError> {
    T::decode_any(invocation.event()).map_err(|e| DispatchError::new(ErrorKind::EventDecode, e.to_string()))
}
