//! One handler for uploads, whether they arrive as native CloudEvents (from another system of
//! ours), as S3 notifications or as S3 events through EventBridge: the last two are adapted
//! into CloudEvents (`adapted = true`).
//!
//! ```text
//! cargo run -p cloudevents -- invoke examples/cloudevents/events/*.json
//! ```

use cloud_events_lambda::{CloudEvent, on_cloudevent, on_event};
use serde::Serialize;
use std::process::ExitCode;

/// What the upload handler answers.
#[derive(Debug, Serialize)]
struct Upload {
    /// Where the event came from: `cloudevents`, `aws.s3` or `aws.events`.
    via: String,
    /// The object (the CloudEvent's subject, or the S3 key).
    object: Option<String>,
    /// The CloudEvent type it was seen as.
    ty: String,
}

#[on_cloudevent(
    when = r#"type == "com.example.upload.created" || starts_with(type, "com.amazonaws.s3.ObjectCreated:") || (source == "aws.s3" && type == "Object Created")"#,
    adapted = true
)]
fn upload(event: CloudEvent) -> Upload {
    let via = event
        .extensions
        .get("routekey")
        .and_then(|v| v.as_str())
        .unwrap_or("cloudevents")
        .to_owned();
    // EventBridge's subject is the bucket ARN; the object key is in the detail.
    let object = match via.as_str() {
        "aws.events" => event
            .data
            .as_ref()
            .and_then(|d| d["object"]["key"].as_str())
            .map(str::to_owned),
        _ => event.subject.clone(),
    };
    Upload {
        via,
        object,
        ty: event.ty,
    }
}

/// Everything else.
#[on_event(default)]
fn other(
    _event: cloud_events_lambda::RawEvent,
    classification: cloud_events_lambda::Classification,
) -> String {
    format!("ignored {}", classification.route_key())
}

#[tokio::main]
async fn main() -> ExitCode {
    cloud_events_lambda::run().await
}
