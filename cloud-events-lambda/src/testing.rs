//! Testing helpers for application authors (feature `testing`): dispatch an event to the
//! application's own handlers in a unit test, without Lambda, and assert on which handlers ran
//! and what they answered.
//!
//! ```standalone_crate
//! use cloud_events_lambda::{App, Kind, on_event};
//!
//! #[on_event("aws.s3")]
//! fn count(event: cloud_events_lambda::events::S3Event) -> usize {
//!     event.records.len()
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let app = App::new().test().unwrap();
//! let outcome = app.invoke_sample(Kind::S3).await;
//! assert_eq!(outcome.handlers, ["count"]);
//! assert_eq!(outcome.response.unwrap(), 1);
//! # });
//! ```

use crate::context::Context;
use crate::dispatch::Dispatcher;
use crate::error::DispatchError;
use cloud_events_core::{Kind, classify_str};
use std::sync::atomic::{AtomicUsize, Ordering};

/// An application under test: built with `App::test()`, so with the same shared values,
/// options and start-up checks as `App::run()`.
#[derive(Debug)]
pub struct TestApp {
    dispatcher: Dispatcher,
    sequence: AtomicUsize,
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
    pub(crate) fn new(dispatcher: Dispatcher) -> Self {
        TestApp {
            dispatcher,
            sequence: AtomicUsize::new(0),
        }
    }

    /// Dispatches `json` as Lambda would.
    pub async fn invoke(&self, json: &str) -> Outcome {
        let handlers = match classify_str(json) {
            Ok(classification) => self.dispatcher.select(&classification, json).handler_names(),
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
