//! The framework's traced SQS consumer: one handler per record, spans by what the event is,
//! exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Built for its binary size
//! against `hand-written-traced` (bench/RESULTS.md section 11).

use cloud_events_lambda::events::SqsMessage;
use cloud_events_lambda::{App, on_event};
use std::process::ExitCode;

#[on_event("aws.sqs")]
fn sqs_record(message: SqsMessage) {
    std::hint::black_box(message.body.as_deref().map_or(0, str::len));
}

#[tokio::main]
async fn main() -> ExitCode {
    App::new().traces_from_env().run().await
}
