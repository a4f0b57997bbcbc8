//! Testing helpers for application authors (feature `testing`): dispatch an event to the
//! application's own handlers in a unit test, without Lambda, and assert on which handlers ran
//! and what they answered.
//!
//! ```standalone_crate
//! use cloud_events_lambda::testing::TestApp;
//! use cloud_events_lambda::{Kind, on_event};
//!
//! #[on_event("aws.s3")]
//! fn count(event: cloud_events_lambda::events::S3Event) -> usize {
//!     event.records.len()
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let app = TestApp::new().build().unwrap();
//! let outcome = app.invoke_sample(Kind::S3).await;
//! assert_eq!(outcome.handlers, ["count"]);
//! assert_eq!(outcome.response.unwrap(), 1);
//! # });
//! ```

use crate::context::Context;
use crate::dependencies::Dependencies;
use crate::dispatch::{Dispatcher, Selection};
use crate::error::{DispatchError, StartupError};
use crate::strategy::{ErrorPolicy, Options, Strategy};
use cloud_events_core::{Kind, classify_str};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Builds a dispatcher over the handlers and factories of the test binary.
#[derive(Debug, Default)]
pub struct TestApp {
    dependencies: Dependencies,
    options: Options,
}

/// What one invocation did.
#[derive(Debug)]
pub struct Outcome {
    /// The names of the handlers the event went to, in order (empty when none).
    pub handlers: Vec<&'static str>,
    /// The response Lambda would get, or the error.
    pub response: Result<serde_json::Value, DispatchError>,
}

impl TestApp {
    /// No shared values, first-match.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a shared value (`Dep<T>`).
    pub fn dep<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.dependencies.insert(value);
        self
    }

    /// Chooses the strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.options.strategy = strategy;
        self
    }

    /// Chooses the error policy.
    pub fn error_policy(mut self, policy: ErrorPolicy) -> Self {
        self.options.error_policy = policy;
        self
    }

    /// The app, with the same start-up checks as `App::run`.
    pub fn build(self) -> Result<TestDispatcher, StartupError> {
        Ok(TestDispatcher {
            dispatcher: Dispatcher::new(self.dependencies, self.options)?,
            sequence: AtomicUsize::new(0),
        })
    }
}

/// A built test app.
#[derive(Debug)]
pub struct TestDispatcher {
    dispatcher: Dispatcher,
    sequence: AtomicUsize,
}

impl TestDispatcher {
    /// Dispatches `json` as Lambda would.
    pub async fn invoke(&self, json: &str) -> Outcome {
        let handlers = match classify_str(json) {
            Ok(classification) => match self.dispatcher.select(&classification, json) {
                Selection::Run(handlers) | Selection::PerRecord { handlers, .. } => {
                    handlers.iter().map(|h| h.name).collect()
                }
                Selection::Adapted(plan) => plan.iter().map(|(_, _, h)| h.name).collect(),
                Selection::Ambiguous(_) | Selection::NoHandler => Vec::new(),
            },
            Err(_) => Vec::new(),
        };
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed) + 1;
        let response = self
            .dispatcher
            .dispatch(json, Context::local(sequence, "test"))
            .await;
        Outcome { handlers, response }
    }

    /// Dispatches the sample event of `kind` (`Kind::sample`).
    pub async fn invoke_sample(&self, kind: Kind) -> Outcome {
        self.invoke(kind.sample()).await
    }

    /// Dispatches the event in a file.
    pub async fn invoke_file(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<Outcome> {
        let json = std::fs::read_to_string(path)?;
        Ok(self.invoke(&json).await)
    }

    /// The dispatcher itself (for `explain`, `handlers`, `warnings`).
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }
}
