//! Handle cloud events by annotating plain functions.
//!
//! An AWS Lambda function (or any consumer) receives raw JSON. This crate classifies it (one of
//! the kinds in [`Kind`]), picks the matching handler, decodes the typed event the handler asks
//! for, injects its other parameters, runs it and answers: through `lambda_runtime` when
//! `AWS_LAMBDA_RUNTIME_API` is set, or as a command line otherwise.
//!
//! ```no_run
//! use cloud_events_lambda::{on_event, events::S3Event};
//!
//! #[on_event("aws.s3")]
//! async fn uploaded(event: S3Event) -> Result<usize, std::io::Error> {
//!     Ok(event.records.len())
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     cloud_events_lambda::run().await
//! }
//! ```
//!
//! # Handlers in library crates
//!
//! Handlers register themselves with [`inventory`](https://docs.rs/inventory): the linker only
//! keeps a library crate's registrations if the final binary references that crate. A binary
//! that uses nothing of a handler library must still name it, with [`link!`]:
//!
//! ```
//! // `serde_json` stands in for your handler crate here.
//! cloud_events_lambda::link!(serde_json);
//! # fn main() {}
//! ```
//!
//! Start-up fails with [`StartupError::NoHandlers`] when no handler at all is registered.

mod app;
mod cli;
mod context;
mod dependencies;
mod dispatch;
mod error;
mod factory;
mod inject;
mod limits;
mod output;
mod per_record;
mod registry;
mod runtime;
mod strategy;
#[cfg(feature = "testing")]
pub mod testing;

pub use app::{App, run};
pub use cloud_events_core::{
    Classification, ClassifyError, CloudEvent, CloudEventError, Kind, RawEvent, adapt, batch, classify,
    cloudevent, condition, events, kinds,
};
pub use cloud_events_macros::{dependency, on_cloudevent, on_event};
pub use context::Context;
pub use dependencies::{Dep, Dependencies};
pub use dispatch::{Dispatcher, Selection};
pub use error::{DispatchError, ErrorKind, StartupError};
pub use factory::{DepArgs, FactoryRegistration, Scope};
pub use inject::{Data, FromInvocation};
pub use limits::Limits;
pub use per_record::Transformed;
pub use registry::{Filter, HandlerRegistration, Param, Pattern, Route};
pub use strategy::{ErrorPolicy, Options, Strategy};

/// Makes sure a library crate of handlers is linked into the binary, so that its handlers are
/// registered. Write it once in the binary, naming each such crate (as a path):
/// `cloud_events_lambda::link!(my_handlers, other_handlers);`
#[macro_export]
macro_rules! link {
    ($($krate:ident),+ $(,)?) => {
        $(
            #[allow(unused_imports)]
            use $krate as _;
        )+
    };
}

#[doc(hidden)]
pub mod __private {
    //! What the macros' expansions name. Not a public API.
    pub use crate::dispatch::Invocation;
    pub use crate::factory::{
        DepArgs, FactoryFuture, FactoryRegistration, Scope, factory_result, factory_value,
    };
    pub use crate::inject::{FromInvocation, dep_requirement, resolve_with_args};
    pub use crate::output::{result_output, value_output};
    pub use crate::per_record::deliver;
    pub use crate::registry::{
        Filter, HandlerFuture, HandlerRegistration, Param, Pattern, Route, decode_any,
    };
    pub use cloud_events_core::events::EventOf;
    pub use cloud_events_core::kinds::marker;
    pub use inventory;
}

/// The README's Rust snippets, compiled as doc tests so that they cannot rot.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
