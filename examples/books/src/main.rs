//! Users upload books to an S3 bucket; each upload's metadata is recorded in a store injected
//! as `Dep<Books>`, and anything else that arrives is logged and ignored.
//!
//! ```text
//! cargo run -p books -- invoke examples/books/events/s3-put.json
//! ```

mod store;

use cloud_events_lambda::events::S3Event;
use cloud_events_lambda::{App, Classification, Dep, RawEvent, on_event};
use serde::Serialize;
use std::process::ExitCode;
use store::{Book, Books};

/// What the upload handler answers.
#[derive(Debug, Serialize)]
struct Recorded {
    recorded: Vec<Book>,
    /// Books in the store after this event.
    total: usize,
}

/// Why an upload could not be recorded.
#[derive(Debug, thiserror::Error)]
enum UploadError {
    #[error("record {index} has no bucket name")]
    NoBucket { index: usize },
    #[error("record {index} has no object key")]
    NoKey { index: usize },
}

/// Records the metadata of every uploaded object; removals are not this handler's business.
#[on_event("aws.s3")]
async fn book_uploaded(event: S3Event, books: Dep<Books>) -> Result<Recorded, UploadError> {
    let mut recorded = Vec::new();
    for (index, record) in event.records.iter().enumerate() {
        let created = record
            .event_name
            .as_deref()
            .is_some_and(|name| name.starts_with("ObjectCreated:"));
        if !created {
            tracing::info!(event = ?record.event_name, "not an upload; skipped");
            continue;
        }
        let bucket = record
            .s3
            .bucket
            .name
            .clone()
            .ok_or(UploadError::NoBucket { index })?;
        let key = record
            .s3
            .object
            .key
            .as_deref()
            .ok_or(UploadError::NoKey { index })?;
        let book = Book::new(
            bucket,
            store::decode_s3_key(key),
            record.s3.object.size.unwrap_or(0),
        );
        tracing::info!(key = %book.key, "book recorded");
        books.insert(book.clone());
        recorded.push(book);
    }
    Ok(Recorded {
        recorded,
        total: books.len(),
    })
}

/// Anything that is not an S3 notification: logged (route only, never the payload) and ignored.
#[on_event(default)]
fn unexpected(_event: RawEvent, classification: Classification) -> serde_json::Value {
    tracing::warn!(
        route = classification.route_key(),
        "no handler for this event; ignored"
    );
    serde_json::json!({ "ignored": classification.route_key() })
}

#[tokio::main]
async fn main() -> ExitCode {
    App::new().dep(Books::default()).run().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_events_lambda::Kind;

    #[tokio::test]
    async fn an_upload_is_recorded_and_anything_else_is_ignored() {
        let app = App::new().dep(Books::default()).test().unwrap();
        let upload = app.invoke_file("events/s3-put.json").await.unwrap();
        assert_eq!(upload.handlers, ["book_uploaded"]);
        assert_eq!(upload.response.unwrap()["total"], 1);
        let other = app.invoke_sample(Kind::Sqs).await;
        assert_eq!(other.handlers, ["unexpected"]);
        assert_eq!(other.response.unwrap(), serde_json::json!({"ignored": "aws.sqs"}));
    }
}
