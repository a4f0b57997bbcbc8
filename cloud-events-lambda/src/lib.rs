#![doc = include_str!("lib.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The crate's map. An event's data path, in the order it flows: `runtime.rs` (Lambda) or
// `cli.rs` (files) hand the payload's bytes to `dispatch.rs`, the entry, which reads them
// and has them classified (`cloud-events-core`); `route_index.rs` (built once at start-up)
// and `selection.rs` choose the handlers; `run.rs` runs them, through `registry.rs` (what
// the macros register), `inject.rs` and `factory.rs` (their parameters) and `per_record.rs`
// (batches, `routed.rs`); `output.rs` and `per_record.rs` make the answer. Beside the path:
// `diagnostics.rs` (`explain`, `routes` warnings) reads the same index, `checks.rs` checks
// injection at start-up, `app.rs` builds it all. Below them all: `invocation.rs` (what
// parameters are taken from), `dependencies.rs`, `param.rs`, `context.rs`, `error.rs`,
// `limits.rs`, `strategy.rs`. Apart: `_guide/`, the guide's pages (Markdown, doc-only modules).
pub mod _guide;
mod app;
mod builtin_metrics;
mod checks;
mod cli;
mod context;
mod dependencies;
mod diagnostics;
mod dispatch;
mod emf;
mod error;
mod factory;
#[cfg(feature = "idempotency")]
#[cfg_attr(docsrs, doc(cfg(feature = "idempotency")))]
pub mod idempotency;
mod inject;
mod invocation;
mod limits;
mod logs;
mod output;
mod param;
mod per_record;
mod recorder;
mod registry;
mod releases;
mod route_index;
mod routed;
mod run;
mod runtime;
mod selection;
mod strategy;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
#[cfg(feature = "opentelemetry")]
#[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
pub mod traces;

pub use app::{App, run};
pub use builtin_metrics::Metrics;
pub use cloud_events_core::{
    Classification, ClassifyError, CloudEvent, CloudEventError, IdempotencyKey, Kind, RawEvent, Receives,
    adapt, batch, classify, cloudevent, condition, events, kinds,
};
/// Makes the values of `Dep<T>` parameters that no [`App::dep`] value provides:
///
/// ```standalone_crate
/// use cloud_events_lambda::{App, Context, Dep, Kind, RawEvent, dependency, on_event};
///
/// struct Config { table: &'static str }
/// struct Store { table: String }
///
/// /// Made once per process, from the registered `Config`.
/// #[dependency(scope = "process")]
/// async fn store(config: Dep<Config>) -> Result<Store, std::io::Error> {
///     Ok(Store { table: config.table.to_owned() })
/// }
///
/// #[on_event("aws.s3")]
/// fn uploaded(_event: RawEvent, store: Dep<Store>) -> String {
///     store.table.clone()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = App::new().dep(Config { table: "invoices" }).dispatcher().unwrap();
/// let response = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await;
/// assert_eq!(response.unwrap(), "invoices");
/// # }
/// ```
pub use cloud_events_macros::dependency;
/// Routes CloudEvents to a function by their attributes:
///
/// ```standalone_crate
/// use cloud_events_lambda::{App, CloudEvent, Context, Kind, on_cloudevent};
///
/// #[derive(serde::Deserialize)]
/// struct Order { total: f64 }
///
/// #[on_cloudevent(source = "/orders", type = "com.example.order.*")]
/// fn order(event: CloudEvent<Order>) -> f64 {
///     event.data.map_or(0.0, |order| order.total)
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = App::new().dispatcher().unwrap();
/// let response = dispatcher.dispatch(Kind::CloudEvents.sample(), Context::local(1, "demo")).await;
/// assert_eq!(response.unwrap(), 129.5);
/// # }
/// ```
pub use cloud_events_macros::on_cloudevent;
/// Routes events of one kind (or the unmatched ones) to a function:
///
/// ```standalone_crate
/// use cloud_events_lambda::{App, Classification, Context, Kind, RawEvent, events::S3Event, on_event};
///
/// #[on_event("aws.s3", when = r#"ends_with(Records[0].s3.object.key, ".pdf")"#)]
/// fn invoice(event: S3Event) -> Option<String> {
///     event.records[0].s3.object.key.clone()
/// }
///
/// #[on_event(default)]
/// fn other(_event: RawEvent, classification: Classification) -> String {
///     format!("ignored {}", classification.route_key())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = App::new().dispatcher().unwrap();
/// let invoice = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await;
/// assert_eq!(invoice.unwrap(), "2026/11/invoice-000731.pdf");
/// let other = dispatcher.dispatch(Kind::Sqs.sample(), Context::local(2, "demo")).await;
/// assert_eq!(other.unwrap(), "ignored aws.sqs");
/// # }
/// ```
pub use cloud_events_macros::on_event;
pub use context::Context;
pub use dependencies::{Dep, Dependencies};
pub use dispatch::Dispatcher;
pub use error::{DispatchError, ErrorKind, StartupError};
pub use inject::{Data, FromInvocation};
pub use invocation::{DepArgs, Invocation};
pub use limits::Limits;
pub use logs::{LogBuffer, Logs};
/// The `metrics` facade handlers record with (`counter!`, `gauge!`, `histogram!`): see
/// [`Metrics`].
pub use metrics;
pub use per_record::Transformed;
pub use registry::{HandlerRegistration, Route};
pub use selection::Selection;
pub use strategy::{ErrorPolicy, Options, Strategy};

/// Makes sure a library crate of handlers is linked into the binary, so that its handlers are
/// registered. Write it once in the binary, naming each such crate (as a path):
/// `cloud_events_lambda::link!(my_handlers, other_handlers);`
///
/// ```
/// # mod my_handlers {} // stands in for a library crate of handlers
/// # mod other_handlers {}
/// // In the binary (`src/main.rs`), once:
/// cloud_events_lambda::link!(my_handlers, other_handlers);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! link {
    ($($krate:ident),+ $(,)?) => {
        $(
            #[allow(unused_imports)]
            use $krate as _;
        )+
    };
}

/// What the macros' expansions name: the registrations they submit (`HandlerRegistration`'s
/// hidden fields, `FactoryRegistration`, `Param`, `Filter`, `Pattern`, `Idempotent`, `Scope`),
/// the glue they call, and the crates they reach through this one, so that an application
/// depends on `cloud-events-lambda` alone. Hidden, as `tokio`'s and `axum`'s macro support is:
/// no user writes these, and they may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::factory::{factory_result, factory_value};
    #[cfg(feature = "idempotency")]
    pub use crate::idempotency::batch::{idempotent_default, idempotent_deliver};
    pub use crate::inject::{FromInvocation, dep_requirement, resolve_with_args};
    pub use crate::invocation::{DepArgs, FactoryFuture, FactoryRegistration, Invocation, Scope};
    pub use crate::output::{handler_failed, json_answer};
    pub use crate::param::Param;
    pub use crate::per_record::deliver;
    /// The log writer [`App::run`](crate::App::run) installs for `app` in the environment
    /// `vars`, writing to `writer`, and the app's dispatcher sharing its log settings: for the
    /// benches and tests.
    pub fn logged_app<W>(
        app: crate::App,
        vars: &[(&str, &str)],
        writer: W,
    ) -> Result<(tracing::Dispatch, crate::Dispatcher), crate::StartupError>
    where
        W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Clone + Send + Sync + 'static,
    {
        let var = |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        };
        app.logged(var, writer)
    }
    pub use crate::registry::{
        Filter, HandlerFuture, HandlerRegistration, Idempotent, Pattern, Route, decode_any,
    };
    /// Expands to nothing when the `idempotency` feature is on, else to the compile error
    /// that names it (at the handler's `idempotent`).
    #[cfg(feature = "idempotency")]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __idempotency_feature {
        () => {};
    }
    #[cfg(not(feature = "idempotency"))]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __idempotency_feature {
        () => {
            ::core::compile_error!(
                "`idempotent` handlers need the `idempotency` feature of cloud-events-lambda: `cloud-events-lambda = { version = \"0.1\", features = [\"idempotency\"] }` (and `idempotency-dynamodb` for the DynamoDB store)"
            );
        };
    }
    pub use crate::__idempotency_feature as idempotency_feature;
    pub use cloud_events_core::events::EventOf;
    pub use cloud_events_core::kinds::marker;
    pub use inventory;
    pub use serde;
    pub use serde_json::value::Serializer as JsonValueSerializer;
}

/// The README's Rust snippets, compiled as doc tests so that they cannot rot.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
