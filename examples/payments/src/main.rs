//! Captures payments queued in SQS, each exactly once: SQS delivers a message at least once
//! (and again after a visibility timeout, or when a batch is retried), so the handler is
//! `idempotent`. Each message's record lives in the DynamoDB table named by
//! `IDEMPOTENCY_TABLE`; a redelivered message gets the receipt of its first capture, and the
//! card is charged once.
//!
//! Without `IDEMPOTENCY_TABLE` (`payments invoke FILE` on a laptop) the records are kept in
//! memory, for this one process.

use cloud_events_lambda::events::Json;
use cloud_events_lambda::idempotency::{DynamoDbStore, Idempotency, InMemoryStore};
use cloud_events_lambda::{App, Dep, Metrics, dependency, on_event};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

/// A payment to capture: the body of each message.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payment {
    payment_id: String,
    /// In the currency's smallest unit (cents).
    amount: u64,
    currency: String,
    card: String,
}

/// What a capture answers, kept with the record and replayed to duplicates.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Receipt {
    payment_id: String,
    receipt_id: String,
    amount: u64,
    currency: String,
}

#[derive(Debug, thiserror::Error)]
enum CaptureError {
    #[error("card {0} was declined")]
    Declined(String),
    #[error("the payment ledger could not be written: {0}")]
    Ledger(#[from] std::io::Error),
}

/// The card processor, stood in for: it takes `PAYMENTS_GATEWAY_DELAY_MS` to answer (a real
/// processor takes hundreds of milliseconds), declines cards that start with `0000`, and
/// appends each capture to the file `PAYMENTS_LEDGER` names, if any.
struct Gateway {
    delay: Duration,
    ledger: Option<std::path::PathBuf>,
}

impl Gateway {
    async fn capture(&self, payment: &Payment) -> Result<Receipt, CaptureError> {
        tokio::time::sleep(self.delay).await;
        if payment.card.starts_with("0000") {
            return Err(CaptureError::Declined(payment.card.clone()));
        }
        if let Some(path) = &self.ledger {
            // One write of the whole line: processes capturing at once append whole lines.
            let line = format!("{} {} {}\n", payment.payment_id, payment.amount, payment.currency);
            let mut ledger = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
            ledger.write_all(line.as_bytes())?;
        }
        Ok(Receipt {
            payment_id: payment.payment_id.clone(),
            receipt_id: format!("rcpt-{}", payment.payment_id),
            amount: payment.amount,
            currency: payment.currency.clone(),
        })
    }
}

/// One gateway client per process.
#[dependency(scope = "process")]
fn gateway() -> Gateway {
    let delay = std::env::var("PAYMENTS_GATEWAY_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0);
    Gateway {
        delay: Duration::from_millis(delay),
        ledger: std::env::var_os("PAYMENTS_LEDGER").map(Into::into),
    }
}

/// Keyed by each message's `messageId`; a redelivery with another amount is refused
/// (`validate`), and answers are kept a day.
#[on_event(
    "aws.sqs",
    idempotent(validate = "body.amount", expires_after = "1d", prefix = "payments.capture")
)]
async fn capture(payment: Json<Payment>, gateway: Dep<Gateway>) -> Result<Receipt, CaptureError> {
    let receipt = gateway.capture(&payment).await?;
    tracing::info!(payment = %payment.payment_id, amount = payment.amount, "captured");
    cloud_events_lambda::metrics::counter!("PaymentsCaptured").increment(1);
    Ok(receipt)
}

#[tokio::main]
async fn main() -> ExitCode {
    let idempotency = match std::env::var("IDEMPOTENCY_TABLE") {
        Ok(table) => Idempotency::new(DynamoDbStore::from_env(table).await),
        Err(_) => Idempotency::new(InMemoryStore::new()),
    };
    App::new()
        .idempotency(idempotency.local_cache(1_000))
        .metrics(Metrics::new("Payments", "payments").builtin(true))
        .run()
        .await
}
