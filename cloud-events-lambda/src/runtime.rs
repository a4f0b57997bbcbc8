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
    // `lambda_runtime` panics on a missing variable; say which one instead.
    let required = [
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
    ];
    let missing: Vec<&str> = required
        .into_iter()
        .filter(|name| std::env::var_os(name).is_none())
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "error: AWS_LAMBDA_RUNTIME_API is set but {} {} not: Lambda sets them all; set them to run against a Runtime API emulator",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        );
        return ExitCode::FAILURE;
    }
    let dispatcher = Arc::new(dispatcher);
    let handler = service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let dispatcher = Arc::clone(&dispatcher);
        async move {
            let context = Context::from(&event.context);
            dispatcher
                .dispatch_json(event.payload, context)
                .await
                .map_err(Diagnostic::from)
        }
    });
    // Sequential unless Lambda sets AWS_LAMBDA_MAX_CONCURRENCY above 1.
    match lambda_runtime::run_concurrent(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("the Lambda runtime stopped: {error}");
            ExitCode::FAILURE
        }
    }
}
