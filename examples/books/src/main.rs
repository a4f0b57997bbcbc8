//! Users upload books to an S3 bucket; each upload's metadata is recorded in an embedded
//! SQLite database injected as `Dep<Books>`, and a removed object is forgotten. Uploads can
//! also arrive as S3 notifications queued in SQS (an import queue): failed messages are
//! reported one by one (`ReportBatchItemFailures`). Anything else is logged and ignored.
//!
//! ```text
//! cargo run -p books -- invoke examples/books/events/s3-put.json
//! ```
//!
//! `BOOKS_DB` names the database file (default: one in memory, gone with the process).

mod store;

use cloud_events_lambda::events::{Json, S3Event, S3EventRecord, SqsMessage};
use cloud_events_lambda::metrics::counter;
use cloud_events_lambda::{App, Classification, Dep, Metrics, RawEvent, on_event};
use serde::Serialize;
use std::process::ExitCode;
use store::{Book, Books, StoreError};

/// Why a record could not be handled.
#[derive(Debug, thiserror::Error)]
enum BookError {
    #[error("the record has no bucket name")]
    NoBucket,
    #[error("the record has no object key")]
    NoKey,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The bucket and the decoded key of a record's object.
fn object(record: &S3EventRecord) -> Result<(String, String), BookError> {
    let bucket = record.s3.bucket.name.clone().ok_or(BookError::NoBucket)?;
    let key = record.s3.object.key.as_deref().ok_or(BookError::NoKey)?;
    Ok((bucket, store::decode_s3_key(key)))
}

/// What recording a book answers.
#[derive(Debug, Serialize)]
struct Recorded {
    recorded: Book,
    /// Books in the database after this one.
    total: usize,
}

/// Records an uploaded book (one call per record of the notification).
#[on_event("aws.s3", when = r#"starts_with(eventName, "ObjectCreated:")"#)]
fn book_uploaded(record: S3EventRecord, books: Dep<Books>) -> Result<Recorded, BookError> {
    let (bucket, key) = object(&record)?;
    let book = Book::new(bucket, key, record.s3.object.size.unwrap_or(0));
    books.insert(&book)?;
    tracing::info!(key = %book.key, "book recorded");
    // A business metric: CloudWatch `Library/BooksRecorded`, by `service`.
    counter!("BooksRecorded").increment(1);
    Ok(Recorded {
        recorded: book,
        total: books.count()?,
    })
}

/// What removing a book answers.
#[derive(Debug, Serialize)]
struct Removed {
    removed: String,
    /// The title it had, if it was recorded.
    title: Option<String>,
}

/// Forgets a book whose object was deleted.
#[on_event("aws.s3", when = r#"starts_with(eventName, "ObjectRemoved:")"#)]
fn book_removed(record: S3EventRecord, books: Dep<Books>) -> Result<Removed, BookError> {
    let (bucket, key) = object(&record)?;
    let title = books.get(&bucket, &key)?.map(|book| book.title);
    books.remove(&bucket, &key)?;
    tracing::info!(%key, known = title.is_some(), "book removed");
    Ok(Removed { removed: key, title })
}

/// S3 notifications queued in SQS: each message is handled on its own, and a failed one is
/// reported to SQS (`batchItemFailures`) to be retried, the others deleted.
#[on_event("aws.sqs", when = "exists(body.Records)")]
fn queued_notification(notification: Json<S3Event>, books: Dep<Books>) -> Result<usize, BookError> {
    for record in &notification.records {
        let created = record
            .event_name
            .as_deref()
            .is_some_and(|name| name.starts_with("ObjectCreated:"));
        if created {
            book_uploaded(record.clone(), books.clone())?;
        } else {
            book_removed(record.clone(), books.clone())?;
        }
    }
    Ok(notification.records.len())
}

/// The message S3 sends once when a queue is configured: acknowledged, nothing to do.
#[on_event("aws.sqs", when = r#"body.Event == "s3:TestEvent""#)]
fn s3_test_event(_message: SqsMessage) {}

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
    let path = std::env::var("BOOKS_DB").unwrap_or_else(|_| ":memory:".to_owned());
    // A database that cannot be opened stops the process before the first event: on Lambda
    // the init phase fails (`Runtime.ExitError`) and the event is retried on a new one.
    let books = match Books::open(&path) {
        Ok(books) => books,
        Err(error) => {
            eprintln!("error: {path}: {error}");
            return ExitCode::FAILURE;
        }
    };
    App::new().dep(books).metrics(metrics()).run().await
}

/// Metrics as CloudWatch EMF: the app's own (`BooksRecorded`) and the built-in ones.
fn metrics() -> Metrics {
    Metrics::new("Library", "books").builtin(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_events_lambda::Kind;
    use cloud_events_lambda::testing::TestApp;

    fn app() -> TestApp {
        App::new()
            .dep(Books::open(":memory:").unwrap())
            .metrics(metrics())
            .test()
            .unwrap()
    }

    #[tokio::test]
    async fn each_recorded_book_is_counted() {
        let outcome = app().invoke_file("events/s3-put.json").await.unwrap();
        let counted: Vec<&serde_json::Value> = outcome
            .metrics
            .iter()
            .filter_map(|d| d.get("BooksRecorded"))
            .collect();
        assert_eq!(counted, [1]);
        // A removal records none.
        let removal = app().invoke_file("events/s3-delete.json").await.unwrap();
        assert!(removal.metrics.iter().all(|d| d.get("BooksRecorded").is_none()));
    }

    #[tokio::test]
    async fn an_upload_is_recorded_and_a_removal_forgets_it() {
        let app = app();
        let upload = app.invoke_file("events/s3-put.json").await.unwrap();
        assert_eq!(upload.handlers, ["book_uploaded"]);
        let recorded = &upload.response.unwrap()[0];
        assert_eq!(recorded["recorded"]["title"], "The Time Machine");
        assert_eq!(recorded["total"], 1);
        let removal = app.invoke_file("events/s3-delete.json").await.unwrap();
        assert_eq!(removal.handlers, ["book_removed"]);
        assert_eq!(
            removal.response.unwrap()[0],
            serde_json::json!({"removed": "uploads/The Time Machine.epub", "title": "The Time Machine"})
        );
    }

    #[tokio::test]
    async fn queued_notifications_report_failed_messages_one_by_one() {
        let app = app();
        let outcome = app.invoke_file("events/sqs-import.json").await.unwrap();
        assert_eq!(outcome.handlers, ["queued_notification", "s3_test_event"]);
        // The second message's notification has no object key: only it is retried.
        assert_eq!(
            outcome.response.unwrap(),
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": "import-2"}]})
        );
    }

    #[tokio::test]
    async fn anything_else_is_ignored() {
        let other = app().invoke_sample(Kind::Sns).await;
        assert_eq!(other.handlers, ["unexpected"]);
        assert_eq!(other.response.unwrap(), serde_json::json!({"ignored": "aws.sns"}));
    }
}
