//! [`DynamoDbStore`]: idempotency records in a DynamoDB table, with the schema and the
//! conditional writes of Powertools for AWS Lambda, on the AWS SDK for Rust.

use super::store::{IdempotencyStore, Put, Record, Status, StoreError, StoreFuture};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use std::collections::HashMap;

/// DynamoDB keeps items of at most 400 KB.
const MAX_ITEM_BYTES: usize = 400 * 1024;

/// Idempotency records in a DynamoDB table (feature `idempotency-dynamodb`).
///
/// The table is Powertools for AWS Lambda's: partition key `id` (a string), and the TTL
/// attribute `expiration`; the records' other attributes are `status`, `data`,
/// `in_progress_expiration` and `validation`. One table serves Python, TypeScript, Java,
/// .NET and Rust functions alike (SAM template: the guide's
/// [Idempotency](crate::_guide::idempotency)).
///
/// Each claim is one conditional `PutItem` (with `ReturnValuesOnConditionCheckFailure`, so
/// that a duplicate costs one round trip; a store that does not return the item gets a
/// consistent `GetItem` after it), each completion one `UpdateItem`, each release one
/// `DeleteItem`.
///
/// ```no_run
/// use cloud_events_lambda::App;
/// use cloud_events_lambda::idempotency::{DynamoDbStore, Idempotency};
///
/// # async fn demo() -> std::process::ExitCode {
/// // Region, credentials and `AWS_ENDPOINT_URL_DYNAMODB` from the SDK's standard environment.
/// let table = std::env::var("IDEMPOTENCY_TABLE").expect("IDEMPOTENCY_TABLE");
/// let store = DynamoDbStore::from_env(table).await;
/// App::new().idempotency(Idempotency::new(store)).run().await
/// # }
/// ```
///
/// Or from a configuration of your own (`from_config`), or a client (`new`):
///
/// ```
/// use cloud_events_lambda::idempotency::DynamoDbStore;
/// let config = aws_config::SdkConfig::builder()
///     .region(aws_config::Region::new("eu-west-1"))
///     .behavior_version(aws_config::BehaviorVersion::latest())
///     .build();
/// let store = DynamoDbStore::from_config(&config, "idempotency");
/// assert_eq!(store.table(), "idempotency");
/// ```
#[derive(Debug, Clone)]
pub struct DynamoDbStore {
    client: Client,
    table: String,
}

impl DynamoDbStore {
    /// Records in `table`, through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDbStore {
            client,
            table: table.into(),
        }
    }

    /// Records in `table`, with a client built from `config` (`aws_config::load_defaults`).
    pub fn from_config(config: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self::new(Client::new(config), table)
    }

    /// Records in `table`, with the SDK's standard configuration from the environment:
    /// region, credentials, and endpoint (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL`).
    pub async fn from_env(table: impl Into<String>) -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::from_config(&config, table)
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn key(id: &str) -> HashMap<String, AttributeValue> {
        HashMap::from([("id".to_owned(), AttributeValue::S(id.to_owned()))])
    }
}

/// Attribute names as `ExpressionAttributeNames` (`status` and `data` are reserved words).
fn names(names: &[&str]) -> HashMap<String, String> {
    names
        .iter()
        .map(|name| (format!("#{name}"), (*name).to_owned()))
        .collect()
}

fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn item(record: &Record) -> HashMap<String, AttributeValue> {
    let mut item = DynamoDbStore::key(&record.id);
    item.insert(
        "status".to_owned(),
        AttributeValue::S(record.status.as_str().to_owned()),
    );
    item.insert("expiration".to_owned(), number(record.expiration));
    if let Some(until) = record.in_progress_expiration {
        item.insert("in_progress_expiration".to_owned(), number(until));
    }
    if let Some(data) = &record.data {
        item.insert("data".to_owned(), AttributeValue::S(data.clone()));
    }
    if let Some(validation) = &record.validation {
        item.insert("validation".to_owned(), AttributeValue::S(validation.clone()));
    }
    item
}

/// An item of the table as a record; an item that is not one is a store failure that names
/// what is wrong.
fn record_of(item: &HashMap<String, AttributeValue>) -> Result<Record, StoreError> {
    let text = |name: &str| item.get(name).and_then(|value| value.as_s().ok()).cloned();
    let count = |name: &str| -> Result<Option<u64>, StoreError> {
        match item.get(name) {
            None => Ok(None),
            Some(value) => value
                .as_n()
                .ok()
                .and_then(|n| n.parse::<u64>().ok())
                .map(Some)
                .ok_or_else(|| not_a_record(item, &format!("`{name}` is not a whole number"))),
        }
    };
    let id = text("id").ok_or_else(|| not_a_record(item, "no string `id`"))?;
    let status = text("status")
        .and_then(|status| Status::parse(&status))
        .ok_or_else(|| not_a_record(item, "`status` is neither INPROGRESS nor COMPLETED"))?;
    Ok(Record {
        id,
        status,
        expiration: count("expiration")?.ok_or_else(|| not_a_record(item, "no `expiration`"))?,
        in_progress_expiration: count("in_progress_expiration")?,
        data: text("data"),
        validation: text("validation"),
    })
}

fn not_a_record(item: &HashMap<String, AttributeValue>, why: &str) -> StoreError {
    let id = item
        .get("id")
        .and_then(|v| v.as_s().ok())
        .map_or("?", String::as_str);
    StoreError::Unavailable(format!("item `{id}` is not an idempotency record: {why}"))
}

fn failed<E, R>(what: &str, table: &str, error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = format!(
        "DynamoDB {what} on table `{table}` failed: {}",
        DisplayErrorContext(&error)
    );
    match error.as_service_error().and_then(ProvideErrorMetadata::message) {
        Some(text) if text.contains("size") => StoreError::TooLarge(message),
        _ => StoreError::Unavailable(message),
    }
}

impl IdempotencyStore for DynamoDbStore {
    fn put_in_progress<'a>(&'a self, record: &'a Record, now_ms: u64) -> StoreFuture<'a, Put> {
        Box::pin(async move {
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item(record)))
                .condition_expression(
                    "attribute_not_exists(#id) OR #expiration < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiration) AND #in_progress_expiration < :now_ms)",
                )
                .set_expression_attribute_names(Some(names(&["id", "expiration", "status", "in_progress_expiration"])))
                .expression_attribute_values(":now", number(now_ms / 1000))
                .expression_attribute_values(":now_ms", number(now_ms))
                .expression_attribute_values(":inprogress", AttributeValue::S(Status::InProgress.as_str().to_owned()))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .send()
                .await;
            match put {
                Ok(_) => Ok(Put::Written),
                Err(error) => match error.as_service_error() {
                    Some(PutItemError::ConditionalCheckFailedException(refused)) => {
                        let existing = refused.item().map(record_of).transpose()?;
                        Ok(Put::Exists(existing))
                    }
                    _ => Err(failed("PutItem", &self.table, error)),
                },
            }
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Record>> {
        Box::pin(async move {
            let got = self
                .client
                .get_item()
                .table_name(&self.table)
                .set_key(Some(Self::key(id)))
                .consistent_read(true)
                .send()
                .await
                .map_err(|error| failed("GetItem", &self.table, error))?;
            got.item().map(record_of).transpose()
        })
    }

    fn complete<'a>(&'a self, record: &'a Record) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut set = vec!["#status = :status", "#expiration = :expiration"];
            let mut attributes = vec!["status", "expiration"];
            let mut update = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(Self::key(&record.id)))
                .expression_attribute_values(":status", AttributeValue::S(record.status.as_str().to_owned()))
                .expression_attribute_values(":expiration", number(record.expiration));
            if let Some(data) = &record.data {
                set.push("#data = :data");
                attributes.push("data");
                update = update.expression_attribute_values(":data", AttributeValue::S(data.clone()));
            }
            if let Some(validation) = &record.validation {
                set.push("#validation = :validation");
                attributes.push("validation");
                update =
                    update.expression_attribute_values(":validation", AttributeValue::S(validation.clone()));
            }
            update
                .update_expression(format!("SET {}", set.join(", ")))
                .set_expression_attribute_names(Some(names(&attributes)))
                .send()
                .await
                .map_err(|error| failed("UpdateItem", &self.table, error))?;
            Ok(())
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(Self::key(id)))
                .send()
                .await
                .map_err(|error| failed("DeleteItem", &self.table, error))?;
            Ok(())
        })
    }

    fn max_record_bytes(&self) -> Option<usize> {
        Some(MAX_ITEM_BYTES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_items_convert_both_ways_and_a_foreign_item_is_named() {
        let done = Record {
            id: "payments.capture#ebd9".to_owned(),
            status: Status::Completed,
            expiration: 1_793_700_000,
            in_progress_expiration: Some(1_793_697_342_318),
            data: Some(r#"{"receipt":"r-1"}"#.to_owned()),
            validation: Some("47c3".to_owned()),
        };
        assert_eq!(record_of(&item(&done)).unwrap(), done);
        let mut foreign = item(&done);
        foreign.insert("status".to_owned(), AttributeValue::S("EXPIRED".to_owned()));
        let error = record_of(&foreign).unwrap_err().to_string();
        assert_eq!(
            error,
            "item `payments.capture#ebd9` is not an idempotency record: `status` is neither INPROGRESS nor COMPLETED"
        );
        foreign.insert("status".to_owned(), AttributeValue::S("COMPLETED".to_owned()));
        foreign.insert("expiration".to_owned(), AttributeValue::S("soon".to_owned()));
        assert!(
            record_of(&foreign)
                .unwrap_err()
                .to_string()
                .contains("`expiration` is not a whole number")
        );
    }
}
