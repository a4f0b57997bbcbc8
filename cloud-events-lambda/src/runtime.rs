//! Serving AWS Lambda through `lambda_runtime`.

use crate::context::Context;
use crate::dispatch::Dispatcher;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::value::RawValue;
use std::process::ExitCode;
use std::sync::Arc;

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`). Does nothing if the
/// application installed a subscriber of its own.
///
/// Payloads carry personal data: unless `log_payloads`, `lambda_runtime`'s trace of each raw
/// payload is filtered out whatever `RUST_LOG` says, and so is its second report of every
/// error (the dispatcher logs each failure once, with quoted values elided).
pub(crate) fn init_tracing(log_payloads: bool) {
    crate::error::set_log_payloads(log_payloads);
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let mut quiet = vec!["lambda_runtime::layers::panic=off"];
    if !log_payloads {
        quiet.push("lambda_runtime::layers::api_response=debug");
    }
    for directive in quiet {
        filter = filter.add_directive(directive.parse().expect("a valid directive"));
    }
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
    // Sequential unless Lambda sets AWS_LAMBDA_MAX_CONCURRENCY above 1. When the Runtime API
    // fails (an error status, a broken connection), the client stops, and so does the process,
    // non-zero: Lambda then starts a new execution environment and retries the event.
    // `lambda_runtime` 1.5 panics on an error status of `/next` (it expects the request id
    // header): that panic ends the process the same way, with a message that says so.
    let serving = std::panic::AssertUnwindSafe(lambda_runtime::run_concurrent(handler));
    match futures_util::FutureExt::catch_unwind(serving).await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            tracing::error!("the Lambda runtime stopped: {error}");
            ExitCode::FAILURE
        }
        Err(panic) => {
            let message = crate::per_record::panic_text(&*panic);
            tracing::error!("the Lambda runtime stopped: the runtime client panicked: {message}");
            ExitCode::FAILURE
        }
    }
}
