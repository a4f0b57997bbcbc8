//! The dispatcher: bytes -> classification -> route index -> handler -> response.

use crate::context::Context;
use crate::dependencies::Dependencies;
use crate::error::{DispatchError, ErrorKind, StartupError};
use crate::registry::{HandlerRegistration, Route, registered};
use cloud_events_core::{Classification, ClassifyError, Kind, RawEvent, classify_str};
use futures_util::FutureExt;
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tracing::Instrument;

/// Everything a handler's parameters are taken from.
#[derive(Debug)]
pub struct Invocation {
    event: RawEvent,
    classification: Classification,
    context: Context,
    dependencies: Arc<Dependencies>,
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
        &self.dependencies
    }
}

/// Routes events to the registered handlers.
///
/// Handlers are sorted once, at start-up: highest `rank` first, then the more specific route
/// (a CloudEvent handler that names `source` and `type` before one that names either, before a
/// handler of the whole kind), then by path, so that the choice never depends on link order.
/// Each kind has its own list, so choosing a handler never scans the handlers of other kinds.
#[derive(Debug)]
pub struct Dispatcher {
    handlers: Vec<&'static HandlerRegistration>,
    /// Indexes into `handlers`, per kind (by `Kind as usize`), in priority order.
    by_kind: Vec<Vec<usize>>,
    /// `#[on_cloudevent]` handlers with conditions, in priority order.
    cloudevents: Vec<usize>,
    defaults: Vec<usize>,
    dependencies: Arc<Dependencies>,
}

impl Dispatcher {
    /// A dispatcher over every handler registered in the binary.
    pub fn new(dependencies: Dependencies) -> Result<Self, StartupError> {
        Self::with_handlers(registered(), dependencies)
    }

    /// A dispatcher over the given handlers.
    pub fn with_handlers(
        handlers: impl IntoIterator<Item = &'static HandlerRegistration>,
        dependencies: Dependencies,
    ) -> Result<Self, StartupError> {
        let mut handlers: Vec<&'static HandlerRegistration> = handlers.into_iter().collect();
        if handlers.is_empty() {
            return Err(StartupError::NoHandlers);
        }
        handlers.sort_by(|a, b| {
            b.rank
                .cmp(&a.rank)
                .then(b.route.specificity().cmp(&a.route.specificity()))
                .then_with(|| a.path().cmp(&b.path()))
        });
        for handler in &handlers {
            for requirement in handler.requires {
                if let Some((type_id, type_name)) = requirement() {
                    if !dependencies.contains(type_id) {
                        return Err(StartupError::MissingDependency {
                            handler: handler.path(),
                            location: handler.location(),
                            type_name,
                        });
                    }
                }
            }
        }
        let mut by_kind = vec![Vec::new(); Kind::ALL.len()];
        let mut cloudevents = Vec::new();
        let mut defaults = Vec::new();
        for (index, handler) in handlers.iter().enumerate() {
            match handler.route {
                Route::Kind(kind) => by_kind[kind as usize].push(index),
                Route::CloudEvent { .. } => cloudevents.push(index),
                Route::Default => defaults.push(index),
            }
        }
        Ok(Dispatcher { handlers, by_kind, cloudevents, defaults, dependencies: Arc::new(dependencies) })
    }

    /// Every handler, in priority order.
    pub fn handlers(&self) -> &[&'static HandlerRegistration] {
        &self.handlers
    }

    /// The handler an event so classified goes to, if any.
    pub fn select(&self, classification: &Classification) -> Option<&'static HandlerRegistration> {
        let mut best = classification.kind().and_then(|kind| self.by_kind[kind as usize].first().copied());
        if classification.kind() == Some(Kind::CloudEvents) {
            let conditional = self.cloudevents.iter().copied().find(|&index| {
                let Route::CloudEvent { source, ty } = self.handlers[index].route else {
                    return false;
                };
                source.is_none_or(|s| Some(s) == classification.source())
                    && ty.is_none_or(|t| Some(t) == classification.event_type())
            });
            best = match (best, conditional) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        best.or_else(|| self.defaults.first().copied()).map(|index| self.handlers[index])
    }

    /// Classifies one event, runs the handler it goes to and returns the response.
    ///
    /// Never panics: a panic while classifying, decoding or in the handler is a
    /// [`ErrorKind::Panic`] error.
    pub async fn dispatch(&self, json: &str, context: Context) -> Result<serde_json::Value, DispatchError> {
        let span = tracing::info_span!(
            "invocation",
            request_id = %context.request_id,
            route = tracing::field::Empty,
            handler = tracing::field::Empty,
        );
        let result = self.dispatch_in_span(json, context).instrument(span.clone()).await;
        let _entered = span.enter();
        match &result {
            Ok(_) => tracing::debug!("invocation succeeded"),
            Err(error) => tracing::error!(error_type = error.error_type(), "{}", error.message),
        }
        result
    }

    async fn dispatch_in_span(&self, json: &str, context: Context) -> Result<serde_json::Value, DispatchError> {
        let classified = std::panic::catch_unwind(|| classify_str(json))
            .map_err(|panic| panicked("the classifier", &*panic))?;
        let classification = classified.map_err(invalid_event)?;
        let span = tracing::Span::current();
        span.record("route", classification.route_key());
        let handler = self.select(&classification).ok_or_else(|| no_handler(&classification))?;
        span.record("handler", handler.name);
        let invocation = Invocation {
            event: RawEvent::new(json),
            classification,
            context,
            dependencies: Arc::clone(&self.dependencies),
        };
        let call = AssertUnwindSafe((handler.call)(&invocation)).catch_unwind().await;
        call.map_err(|panic| panicked(&format!("handler `{}`", handler.path()), &*panic))?
    }
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
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned());
    DispatchError::new(ErrorKind::Panic, format!("{what} panicked: {detail}"))
}
