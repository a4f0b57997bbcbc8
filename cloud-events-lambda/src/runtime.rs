//! Serving AWS Lambda through `lambda_runtime`.

use crate::context::Context;
use crate::dispatch::Dispatcher;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::value::RawValue;
use std::process::ExitCode;
use std::sync::Arc;

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`). Does nothing if the
/// application installed a subscriber of its own.
pub(crate) fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// Serves invocations until the runtime API goes away.
///
/// The payload is taken as raw JSON: classification and typed decoding happen in the
/// dispatcher, inside its panic guard (`lambda_runtime` decodes payloads outside its own).
pub(crate) async fn serve(dispatcher: Dispatcher) -> ExitCode {
    let dispatcher = Arc::new(dispatcher);
    let handler = service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let dispatcher = Arc::clone(&dispatcher);
        async move {
            let context = Context::from(&event.context);
            dispatcher.dispatch(event.payload.get(), context).await.map_err(Diagnostic::from)
        }
    });
    match lambda_runtime::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("the Lambda runtime stopped: {error}");
            ExitCode::FAILURE
        }
    }
}
