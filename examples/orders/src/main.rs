//! An SQS queue of orders, handled one message at a time. A message whose body is not an
//! order, or an order with an amount that is not positive, is rejected; the others are
//! booked. Lambda is answered with exactly the rejected messages (`batchItemFailures`), so
//! that only they are retried. The same handler serves a FIFO queue: there the first rejected
//! message stops the batch, and it and every message after it are reported, so that no
//! message of a group is handled ahead of an earlier one.
//!
//! ```text
//! cargo run -p orders -- invoke examples/orders/events/standard-mixed.json
//! ```

use cloud_events_lambda::events::Json;
use cloud_events_lambda::{App, Context, Dep, LogBuffer, Logs, on_event};
use serde::{Deserialize, Serialize};
use std::process::ExitCode;
use std::sync::Mutex;

/// An order, as the shop puts it on the queue.
#[derive(Debug, Clone, Deserialize, Serialize)]
struct Order {
    id: String,
    customer: String,
    /// In cents.
    amount: i64,
    currency: String,
}

/// Why an order is rejected.
#[derive(Debug, thiserror::Error)]
enum Rejected {
    #[error("order {id}: amount {amount} is not positive")]
    NotPositive { id: String, amount: i64 },
    #[error("order {id} is already booked")]
    Duplicate { id: String },
}

/// The booked orders (a database in a real app).
#[derive(Debug, Default)]
struct Ledger {
    booked: Mutex<Vec<String>>,
}

impl Ledger {
    fn book(&self, order: &Order) -> Result<usize, Rejected> {
        let mut booked = self
            .booked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if booked.contains(&order.id) {
            return Err(Rejected::Duplicate { id: order.id.clone() });
        }
        booked.push(order.id.clone());
        Ok(booked.len())
    }
}

/// One order (an SQS message body, decoded). A body that is not an order never gets here: it
/// is a failed record with the reason logged.
#[on_event("aws.sqs")]
async fn order_received(order: Json<Order>, ledger: Dep<Ledger>, context: Context) -> Result<(), Rejected> {
    if order.amount <= 0 {
        return Err(Rejected::NotPositive {
            id: order.id.clone(),
            amount: order.amount,
        });
    }
    let total = ledger.book(&order)?;
    tracing::info!(order = %order.id, request = %context.request_id, total, "order booked");
    // Held for the invocation: written only if it fails (a rejected order, say), so that the
    // orders booked alongside a failure are in the logs, and nothing is paid for otherwise.
    tracing::debug!(
        order = %order.id,
        customer = %order.customer,
        amount = order.amount,
        currency = %order.currency,
        "ledger updated"
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    App::new()
        .dep(Ledger::default())
        .record_concurrency(4)
        // DEBUG lines are held per invocation and written only when it fails (with JSON logs
        // on Lambda, set the function's application log level to DEBUG, or Lambda drops
        // them: the start-up says so); JSON lines carry `service` and the function's keys.
        .logs(
            Logs::new()
                .buffer(LogBuffer::new(tracing::Level::DEBUG))
                .service("orders"),
        )
        // Spans of each invocation, batch and order, over OTLP/HTTP where
        // `OTEL_EXPORTER_OTLP_ENDPOINT` says (the ADOT collector layer listens on
        // http://localhost:4318); without it, nothing is traced and nothing is spent.
        .traces_from_env()
        .run()
        .await
}
