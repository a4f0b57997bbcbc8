//! A handler that logs `LINES` DEBUG lines an invocation, and the dispatcher and log writer
//! around it, with or without log buffering (`bench/RESULTS.md` section 12): shared by the
//! `logs` bench and the `log_instructions` example.

use cloud_events_lambda::{App, Dispatcher, LogBuffer, Logs, RawEvent, on_event};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many DEBUG lines the handler logs.
pub static LINES: AtomicUsize = AtomicUsize::new(0);

#[on_event("aws.s3")]
fn chatty(_event: RawEvent) -> usize {
    let lines = LINES.load(Ordering::Relaxed);
    for n in 0..lines {
        tracing::debug!(order = "ord-0001", amount = 2500, "line {n} of the invocation");
    }
    lines
}

/// The span `lambda_runtime` opens around each invocation (its fields on every line).
pub fn request_span(n: usize) -> tracing::Span {
    tracing::info_span!(
        "Lambda runtime invoke",
        requestId = format!("8f5a1a8e-2d64-4c3b-9a7e-{n:012}").as_str(),
        xrayTraceId = "Root=1-6b117d44-2dfacc3aa375f3b25dd16860;Parent=ae0c565966d9923e;Sampled=1"
    )
}

/// The dispatcher and the log writer (JSON, at INFO, as Lambda's defaults with JSON), with
/// DEBUG lines held (`buffered`) or not (`plain`), writing to nowhere.
pub fn logged(mode: &str) -> (Dispatcher, tracing::Dispatch) {
    let logs = match mode {
        "plain" => Logs::new(),
        "buffered" => Logs::new().buffer(LogBuffer::new(tracing::Level::DEBUG)),
        other => panic!("unknown mode {other}: plain or buffered"),
    };
    let vars = [
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
        ("AWS_LAMBDA_FUNCTION_NAME", "bench"),
    ];
    let (writer, dispatcher) =
        cloud_events_lambda::__private::logged_app(App::new().logs(logs), &vars, std::io::sink)
            .expect("starts");
    (dispatcher, writer)
}
