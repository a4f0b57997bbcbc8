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
                if let Some((type_id, type_name)) = requirement()
                    && !dependencies.contains(type_id)
                {
                    return Err(StartupError::MissingDependency {
                        handler: handler.path(),
                        location: handler.location(),
                        type_name,
                    });
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
        Ok(Dispatcher {
            handlers,
            by_kind,
            cloudevents,
            defaults,
            dependencies: Arc::new(dependencies),
        })
    }

    /// Every handler, in priority order.
    pub fn handlers(&self) -> &[&'static HandlerRegistration] {
        &self.handlers
    }

    /// The handler an event so classified goes to, if any.
    pub fn select(&self, classification: &Classification) -> Option<&'static HandlerRegistration> {
        let mut best = classification
            .kind()
            .and_then(|kind| self.by_kind[kind as usize].first().copied());
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
        best.or_else(|| self.defaults.first().copied())
            .map(|index| self.handlers[index])
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
        let result = self
            .dispatch_in_span(json, context)
            .instrument(span.clone())
            .await;
        let _entered = span.enter();
        match &result {
            Ok(_) => tracing::debug!("invocation succeeded"),
            Err(error) => tracing::error!(error_type = error.error_type(), "{}", error.message),
        }
        result
    }

    async fn dispatch_in_span(
        &self,
        json: &str,
        context: Context,
    ) -> Result<serde_json::Value, DispatchError> {
        let classified = std::panic::catch_unwind(|| classify_str(json))
            .map_err(|panic| panicked("the classifier", &*panic))?;
        let classification = classified.map_err(invalid_event)?;
        let span = tracing::Span::current();
        span.record("route", classification.route_key());
        let handler = self
            .select(&classification)
            .ok_or_else(|| no_handler(&classification))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::HandlerFuture;
    use serde_json::json;

    /// A registration whose handler answers with its own name.
    macro_rules! handler {
        ($name:ident, $route:expr, $rank:expr) => {
            handler!($name, $route, $rank, &[]);
        };
        ($name:ident, $route:expr, $rank:expr, $requires:expr) => {
            static $name: HandlerRegistration = {
                fn call(_: &Invocation) -> HandlerFuture<'_> {
                    Box::pin(async { Ok(json!(stringify!($name))) })
                }
                HandlerRegistration {
                    route: $route,
                    rank: $rank,
                    name: stringify!($name),
                    module_path: "tests",
                    file: file!(),
                    line: line!(),
                    requires: $requires,
                    call,
                }
            };
        };
    }

    handler!(S3_LOW, Route::Kind(Kind::S3), 0);
    handler!(S3_HIGH, Route::Kind(Kind::S3), 5);
    handler!(ANY_CLOUDEVENT, Route::Kind(Kind::CloudEvents), 0);
    handler!(
        ORDERS_CREATED,
        Route::CloudEvent {
            source: Some("/orders"),
            ty: Some("created")
        },
        0
    );
    handler!(
        ORDERS_ANY,
        Route::CloudEvent {
            source: Some("/orders"),
            ty: None
        },
        0
    );
    handler!(
        CREATED_ANYWHERE,
        Route::CloudEvent {
            source: None,
            ty: Some("created")
        },
        0
    );
    handler!(RANKED_CLOUDEVENT, Route::Kind(Kind::CloudEvents), 1);
    handler!(FALLBACK, Route::Default, 0);

    static PANICS: HandlerRegistration = {
        fn call(_: &Invocation) -> HandlerFuture<'_> {
            Box::pin(async { panic!("boom") })
        }
        HandlerRegistration {
            route: Route::Kind(Kind::Sqs),
            rank: 0,
            name: "panics",
            module_path: "tests",
            file: file!(),
            line: line!(),
            requires: &[],
            call,
        }
    };

    fn needs_string() -> Option<(std::any::TypeId, &'static str)> {
        <crate::Dep<String> as crate::FromInvocation>::requirement()
    }
    handler!(NEEDS_DEP, Route::Kind(Kind::Sns), 0, &[needs_string]);

    fn dispatcher(handlers: &[&'static HandlerRegistration]) -> Dispatcher {
        Dispatcher::with_handlers(handlers.iter().copied(), Dependencies::new()).unwrap()
    }

    fn chosen(dispatcher: &Dispatcher, json: &str) -> Option<&'static str> {
        let classification = cloud_events_core::classify_str(json).unwrap();
        dispatcher.select(&classification).map(|handler| handler.name)
    }

    const S3: &str = r#"{"Records":[{"eventSource":"aws:s3"}]}"#;

    fn cloudevent(source: &str, ty: &str) -> String {
        format!(r#"{{"specversion":"1.0","id":"1","source":"{source}","type":"{ty}"}}"#)
    }

    #[test]
    fn the_highest_rank_wins_whatever_the_registration_order() {
        assert_eq!(chosen(&dispatcher(&[&S3_LOW, &S3_HIGH]), S3), Some("S3_HIGH"));
        assert_eq!(chosen(&dispatcher(&[&S3_HIGH, &S3_LOW]), S3), Some("S3_HIGH"));
    }

    #[test]
    fn at_equal_rank_the_more_specific_cloudevent_route_wins() {
        let all = dispatcher(&[&ANY_CLOUDEVENT, &ORDERS_ANY, &CREATED_ANYWHERE, &ORDERS_CREATED]);
        assert_eq!(
            chosen(&all, &cloudevent("/orders", "created")),
            Some("ORDERS_CREATED")
        );
        assert_eq!(
            chosen(&all, &cloudevent("/orders", "shipped")),
            Some("ORDERS_ANY")
        );
        assert_eq!(
            chosen(&all, &cloudevent("/billing", "created")),
            Some("CREATED_ANYWHERE")
        );
        assert_eq!(
            chosen(&all, &cloudevent("/billing", "paid")),
            Some("ANY_CLOUDEVENT")
        );
        // Equal rank and specificity: the path decides, so the order is stable.
        let reversed = dispatcher(&[&ORDERS_CREATED, &CREATED_ANYWHERE, &ORDERS_ANY, &ANY_CLOUDEVENT]);
        assert_eq!(
            all.handlers().iter().map(|h| h.name).collect::<Vec<_>>(),
            reversed.handlers().iter().map(|h| h.name).collect::<Vec<_>>()
        );
    }

    #[test]
    fn rank_beats_specificity() {
        let d = dispatcher(&[&ORDERS_CREATED, &RANKED_CLOUDEVENT]);
        assert_eq!(
            chosen(&d, &cloudevent("/orders", "created")),
            Some("RANKED_CLOUDEVENT")
        );
    }

    #[test]
    fn unmatched_and_unclassified_events_go_to_the_default() {
        let d = dispatcher(&[&ORDERS_CREATED, &S3_LOW, &FALLBACK]);
        assert_eq!(chosen(&d, &cloudevent("/billing", "paid")), Some("FALLBACK"));
        assert_eq!(chosen(&d, r#"{"hello":"world"}"#), Some("FALLBACK"));
        assert_eq!(chosen(&d, S3), Some("S3_LOW"));
        assert_eq!(chosen(&dispatcher(&[&S3_LOW]), r#"{"hello":"world"}"#), None);
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

    #[test]
    fn start_up_fails_without_handlers_or_with_a_missing_dependency() {
        assert_eq!(
            Dispatcher::with_handlers([], Dependencies::new()).unwrap_err(),
            StartupError::NoHandlers
        );
        let error = Dispatcher::with_handlers([&NEEDS_DEP], Dependencies::new()).unwrap_err();
        assert!(
            matches!(&error, StartupError::MissingDependency { handler, type_name, .. }
            if handler == "tests::NEEDS_DEP" && type_name.ends_with("String")),
            "{error}"
        );
        let mut deps = Dependencies::new();
        deps.insert(String::from("ok"));
        assert!(Dispatcher::with_handlers([&NEEDS_DEP], deps).is_ok());
    }
}
