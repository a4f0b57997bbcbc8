//! Envelopes: the event inside an event. A handler that takes `Json<T>` receives the payload of
//! each record (an SQS body, an SNS message, Kinesis, Kafka or MQ data...) or of the event (an
//! EventBridge `detail`, an HTTP body, a CloudEvent's `data`), decoded from JSON into `T`.
//! `T` may itself be an envelope: `Json<SnsNotification<Order>>` reads orders published to SNS
//! and delivered through SQS; `Json<S3Event>` reads S3 notifications queued in SQS.

use super::{DecodeError, EventOf, RawEvent};
use crate::batch::shapes;
use crate::batch::{Delivery, split_with};
use crate::kinds::marker;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::collections::HashMap;

/// The payload of a record or event, decoded from JSON into `T`.
///
/// | route | payload |
/// | --- | --- |
/// | `aws.sqs` | each message's `body` |
/// | `aws.sns` | each record's `Sns.Message` |
/// | `aws.kinesis` | each record's `kinesis.data` (base64) |
/// | `aws.kinesis.firehose` | each record's `data` (base64) |
/// | `aws.kafka`, `aws.kafka.selfmanaged` | each record's `value` (base64) |
/// | `aws.mq`, `aws.rmq` | each message's `data` (base64) |
/// | `aws.events` | the `detail` |
/// | `gcp.pubsub` | the `message.data` (base64) |
/// | `gcp.background` | the `data` |
/// | `cloudevents` | the `data` |
/// | `aws.apigateway`, `aws.apigateway.v2`, `aws.lambda.url`, `aws.alb`, `aws.vpclattice` | the `body` (base64 when `isBase64Encoded`) |
/// | `aws.logs` | each log event's `message` (after base64 and gzip) |
///
/// A record whose payload does not decode is a failed record, reported as the batch rules say.
///
/// ```
/// use cloud_events_core::batch::Delivery;
/// use cloud_events_core::events::{EventOf, Json};
/// use cloud_events_core::{Kind, RawEvent, kinds::marker};
/// #[derive(serde::Deserialize)]
/// #[serde(rename_all = "camelCase")]
/// struct Order { order_id: String, total: f64 }
///
/// let event = RawEvent::new(Kind::Sqs.sample());
/// let Ok(Delivery::Records(batch)) = <Json<Order> as EventOf<marker::Sqs>>::deliver(&event) else {
///     panic!("one body per message");
/// };
/// let order = batch.records[0].record.as_ref().unwrap();
/// assert_eq!(order.order_id, "ord-5521"); // `Json<T>` derefs to `T`
/// assert_eq!(order.total, 129.5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Json<T> {
    /// The decoded payload.
    ///
    /// ```
    /// use cloud_events_core::events::{EventOf, Json};
    /// use cloud_events_core::{Kind, RawEvent, kinds::marker};
    /// let event = RawEvent::new(Kind::EventBridge.sample());
    /// let detail: Json<serde_json::Value> = EventOf::<marker::EventBridge>::decode(&event).unwrap();
    /// assert_eq!(detail.into_inner()["orderId"], "ord-5521");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Where a payload is, and how it is written.
#[derive(Clone, Copy)]
enum At {
    /// A JSON string holding JSON text.
    Text(&'static [&'static str]),
    /// A JSON string holding base64 of JSON text.
    Base64(&'static [&'static str]),
    /// JSON itself.
    Json(&'static [&'static str]),
    /// An HTTP `body`, base64 when `isBase64Encoded` (or `is_base64_encoded`) is true.
    Body,
}

/// The JSON text of member `key` of the object `raw`.
fn step<'a>(raw: &'a str, key: &str) -> Result<&'a str, String> {
    let object: HashMap<String, &'a RawValue> =
        serde_json::from_str(raw).map_err(|_| format!("expected an object holding `{key}`"))?;
    object
        .get(key)
        .map(|value| value.get())
        .ok_or_else(|| format!("no `{key}`"))
}

fn at_path<'a>(raw: &'a str, path: &[&str]) -> Result<&'a str, String> {
    path.iter().try_fold(raw, |raw, key| step(raw, key))
}

fn text(raw: &str, what: &str) -> Result<String, String> {
    serde_json::from_str(raw).map_err(|_| format!("{what} is not a string"))
}

fn from_base64(text: &str, what: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| format!("{what} is not base64: {e}"))
}

fn decode_json<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, String> {
    // The fast path; only a failure pays for a second pass that tracks where it failed.
    if let Ok(value) = crate::decode::from_slice(bytes) {
        return Ok(value);
    }
    crate::decode::with_path_bytes(bytes).map_err(|e| {
        let name = std::any::type_name::<T>()
            .rsplit("::")
            .next()
            .unwrap_or("the payload");
        match e.path.as_str() {
            "." => format!("{what} does not decode into {name}: {}", e.error),
            path => format!("{what} does not decode into {name}: at `{path}`: {}", e.error),
        }
    })
}

fn payload<T: DeserializeOwned>(raw: &str, at: At) -> Result<T, String> {
    match at {
        At::Text(path) => {
            let what = path.join(".");
            decode_json(text(at_path(raw, path)?, &what)?.as_bytes(), &what)
        }
        At::Base64(path) => {
            let what = path.join(".");
            decode_json(&from_base64(&text(at_path(raw, path)?, &what)?, &what)?, &what)
        }
        At::Json(path) => decode_json(at_path(raw, path)?.as_bytes(), &path.join(".")),
        At::Body => {
            let body = text(step(raw, "body")?, "body")?;
            let encoded = ["isBase64Encoded", "is_base64_encoded"]
                .iter()
                .any(|flag| step(raw, flag).is_ok_and(|v| v == "true"));
            if encoded {
                decode_json(&from_base64(&body, "body")?, "body")
            } else {
                decode_json(body.as_bytes(), "body")
            }
        }
    }
}

macro_rules! json_per_record {
    ($($marker:ident => $shape:ident, $at:expr;)*) => {
        $(impl<T: DeserializeOwned> EventOf<marker::$marker> for Json<T> {
            const PER_RECORD: bool = true;

            fn decode(_event: &RawEvent) -> Result<Self, DecodeError> {
                Err(DecodeError::new::<Self>("this is one record's payload: handlers taking it are called per record"))
            }

            fn deliver(event: &RawEvent) -> Result<Delivery<Self>, DecodeError> {
                split_with(event, shapes::$shape, |raw| payload(raw, $at).map(Json))
            }
        })*
    };
}

macro_rules! json_whole {
    ($($marker:ident => $at:expr;)*) => {
        $(impl<T: DeserializeOwned> EventOf<marker::$marker> for Json<T> {
            fn decode(event: &RawEvent) -> Result<Self, DecodeError> {
                let raw: &RawValue = serde_json::from_str(event.json()).map_err(|e| DecodeError::new::<T>(e.to_string()))?;
                event.read_whole();
                payload(raw.get(), $at).map(Json).map_err(DecodeError::new::<T>)
            }
        })*
    };
}

crate::delivered::json_per_record_table!(json_per_record);

crate::delivered::json_whole_table!(json_whole);

/// CloudWatch Logs: the subscription's log events, each message decoded from JSON.
#[cfg(feature = "cloudwatch_logs")]
impl<T: DeserializeOwned> EventOf<marker::CloudWatchLogs> for Json<T> {
    const PER_RECORD: bool = true;

    fn decode(_event: &RawEvent) -> Result<Self, DecodeError> {
        Err(DecodeError::new::<Self>(
            "this is one log event's message: handlers taking it are called per log event",
        ))
    }

    fn deliver(event: &RawEvent) -> Result<Delivery<Self>, DecodeError> {
        use crate::batch::{Batch, BatchOrder, BatchRecord, BatchReport};
        let logs: super::LogsEvent = event.decode_json()?;
        let records = logs
            .aws_logs
            .data
            .log_events
            .into_iter()
            .map(|entry| BatchRecord {
                record: decode_json(entry.message.as_bytes(), "message").map(Json),
                id: Some(entry.id),
                data: None,
            })
            .collect();
        Ok(Delivery::Records(Batch {
            records,
            report: BatchReport::WholeEvent,
            order: BatchOrder::InOrder,
        }))
    }
}

/// Without `cloudwatch_logs`, `Json<T>` on `aws.logs` is refused at compile time, naming the
/// feature: the log events are gzip-compressed inside `awslogs.data`, and their reader is
/// `aws_lambda_events`' `LogsEvent`. No type implements this trait, so this impl never applies;
/// it exists for its message.
#[cfg(not(feature = "cloudwatch_logs"))]
#[diagnostic::on_unimplemented(
    message = "`Json<T>` on `aws.logs` needs the `cloudwatch_logs` feature of cloud-events-lambda",
    label = "the log events are compressed, and read only with `cloudwatch_logs`",
    note = "add `cloudwatch_logs` to the features of `cloud-events-lambda` in Cargo.toml, or take `RawEvent`"
)]
pub trait CloudWatchLogsFeature {}

#[cfg(not(feature = "cloudwatch_logs"))]
impl<T: DeserializeOwned + CloudWatchLogsFeature> EventOf<marker::CloudWatchLogs> for Json<T> {
    const PER_RECORD: bool = true;

    fn decode(_event: &RawEvent) -> Result<Self, DecodeError> {
        Err(DecodeError::new::<Self>(
            "compiled without the `cloudwatch_logs` feature",
        ))
    }
}

/// One DynamoDB stream change, with its images read into `T` (from DynamoDB's typed
/// attribute values). An image the stream view does not carry, or an empty one (`INSERT` has
/// no old image, `REMOVE` no new one), is `None`.
///
/// ```
/// use cloud_events_core::batch::Delivery;
/// use cloud_events_core::events::{DynamoDbChange, EventOf};
/// use cloud_events_core::{Kind, RawEvent, kinds::marker};
/// #[derive(serde::Deserialize)]
/// struct Order { status: String }
///
/// let event = RawEvent::new(Kind::DynamoDb.sample());
/// let Ok(Delivery::Records(batch)) = <DynamoDbChange<Order> as EventOf<marker::DynamoDb>>::deliver(&event) else {
///     panic!("one change per record");
/// };
/// let insert = batch.records[0].record.as_ref().unwrap();
/// assert!(insert.old_image.is_none());
/// let modify = batch.records[1].record.as_ref().unwrap();
/// assert_eq!(modify.event_name, "MODIFY");
/// assert_eq!(modify.old_image.as_ref().unwrap().status, "PLACED");
/// assert_eq!(modify.new_image.as_ref().unwrap().status, "SHIPPED");
/// ```
#[cfg(feature = "dynamodb")]
#[derive(Debug, Clone, PartialEq)]
pub struct DynamoDbChange<T> {
    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub event_name: String,
    /// The record's sequence number.
    pub sequence_number: Option<String>,
    /// The item after the change.
    pub new_image: Option<T>,
    /// The item before the change.
    pub old_image: Option<T>,
}

#[cfg(feature = "dynamodb")]
impl<T: DeserializeOwned> EventOf<marker::DynamoDb> for DynamoDbChange<T> {
    const PER_RECORD: bool = true;

    fn decode(_event: &RawEvent) -> Result<Self, DecodeError> {
        Err(DecodeError::new::<Self>(
            "this is one stream record: handlers taking it are called per record",
        ))
    }

    fn deliver(event: &RawEvent) -> Result<Delivery<Self>, DecodeError> {
        split_with(event, shapes::DYNAMODB, |raw| {
            let record: super::DynamoDbEventRecord = crate::batch::decode_record(raw)?;
            let image = |item: serde_dynamo::Item, which: &str| -> Result<Option<T>, String> {
                if item.is_empty() {
                    return Ok(None);
                }
                serde_dynamo::from_item(item)
                    .map(Some)
                    .map_err(|e| format!("{which} does not decode: {e}"))
            };
            Ok(DynamoDbChange {
                event_name: record.event_name,
                sequence_number: record.change.sequence_number,
                new_image: image(record.change.new_image, "NewImage")?,
                old_image: image(record.change.old_image, "OldImage")?,
            })
        })
    }
}

/// An SNS notification as SNS delivers it to SQS queues and HTTP endpoints (not as Lambda
/// receives it: that is `aws.sns`), with its `Message` decoded from JSON into `T`.
///
/// ```
/// use cloud_events_core::events::SnsNotification;
/// #[derive(serde::Deserialize)]
/// struct Order { id: u32 }
///
/// // The body of an SQS message that an SNS topic delivered:
/// let body = r#"{"Type":"Notification","MessageId":"m-1","TopicArn":"arn:aws:sns:eu-west-1:123456789012:orders","Message":"{\"id\":7}"}"#;
/// let notification: SnsNotification<Order> = serde_json::from_str(body).unwrap();
/// assert_eq!(notification.message.id, 7);
/// assert_eq!(notification.topic_arn, "arn:aws:sns:eu-west-1:123456789012:orders");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SnsNotification<T> {
    /// `Notification`.
    pub kind: String,
    /// The message id.
    pub message_id: String,
    /// The topic.
    pub topic_arn: String,
    /// The subject, if any.
    pub subject: Option<String>,
    /// When it was published.
    pub timestamp: Option<String>,
    /// The message attributes, as SNS writes them.
    pub message_attributes: Option<serde_json::Value>,
    /// The message, decoded.
    pub message: T,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for SnsNotification<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Wire {
            #[serde(rename = "Type")]
            kind: String,
            message_id: String,
            topic_arn: String,
            #[serde(default)]
            subject: Option<String>,
            #[serde(default)]
            timestamp: Option<String>,
            #[serde(default)]
            message_attributes: Option<serde_json::Value>,
            message: String,
        }
        let wire = Wire::deserialize(deserializer)?;
        let message = serde_json::from_str(&wire.message)
            .map_err(|e| serde::de::Error::custom(format!("the SNS Message does not decode: {e}")))?;
        Ok(SnsNotification {
            kind: wire.kind,
            message_id: wire.message_id,
            topic_arn: wire.topic_arn,
            subject: wire.subject,
            timestamp: wire.timestamp,
            message_attributes: wire.message_attributes,
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Batch;

    /// The kind and type of a delivery that exists (does not compile otherwise).
    fn delivered<T: EventOf<M>, M: crate::KindMarker>() -> (crate::Kind, &'static str) {
        (M::KIND, std::any::type_name::<T>())
    }

    #[test]
    fn the_deliveries_written_by_hand_exist() {
        // Does not compile if one of the listed impls is missing.
        let checked = [
            delivered::<Json<serde_json::Value>, marker::CloudWatchLogs>(),
            delivered::<DynamoDbChange<serde_json::Value>, marker::DynamoDb>(),
        ];
        let listed: Vec<(crate::Kind, &str)> = crate::delivered::BY_HAND
            .iter()
            .map(|(kind, ty, _)| (*kind, ty.split('<').next().unwrap()))
            .collect();
        let found: Vec<(crate::Kind, &str)> = checked
            .iter()
            .map(|(kind, name)| {
                (
                    *kind,
                    name.split('<').next().unwrap().rsplit("::").next().unwrap(),
                )
            })
            .collect();
        assert_eq!(listed, found);
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Order {
        id: u32,
    }

    fn records<T>(delivery: Delivery<T>) -> Batch<T> {
        match delivery {
            Delivery::Records(batch) => batch,
            Delivery::Whole(_) => panic!("expected records"),
        }
    }

    #[test]
    fn sqs_bodies_decode_per_record_and_bad_ones_fail_alone() {
        let event = RawEvent::new(
            r#"{"Records":[{"messageId":"a","body":"{\"id\":1}"},{"messageId":"b","body":"not json"},{"messageId":"c","body":"{\"id\":\"x\"}"}]}"#,
        );
        let batch = records(<Json<Order> as EventOf<marker::Sqs>>::deliver(&event).unwrap());
        assert_eq!(batch.records[0].record.as_ref().unwrap().0, Order { id: 1 });
        assert!(
            batch.records[1]
                .record
                .as_ref()
                .unwrap_err()
                .starts_with("body does not decode into Order")
        );
        assert!(batch.records[2].record.as_ref().unwrap_err().contains("at `id`"));
    }

    #[test]
    fn sns_inside_sqs_and_base64_payloads() {
        let notification = r#"{\"Type\":\"Notification\",\"MessageId\":\"n1\",\"TopicArn\":\"arn:t\",\"Message\":\"{\\\"id\\\":7}\"}"#;
        let event = RawEvent::new(format!(
            r#"{{"Records":[{{"messageId":"a","body":"{notification}"}}]}}"#
        ));
        let batch = records(<Json<SnsNotification<Order>> as EventOf<marker::Sqs>>::deliver(&event).unwrap());
        let inner = batch.records.into_iter().next().unwrap().record.unwrap().0;
        assert_eq!(inner.message, Order { id: 7 });
        assert_eq!(inner.topic_arn, "arn:t");
        let kinesis =
            RawEvent::new(r#"{"Records":[{"kinesis":{"sequenceNumber":"1","data":"eyJpZCI6M30="}}]}"#);
        let batch = records(<Json<Order> as EventOf<marker::Kinesis>>::deliver(&kinesis).unwrap());
        assert_eq!(batch.records[0].record.as_ref().unwrap().0, Order { id: 3 });
    }

    #[test]
    fn cloudwatch_log_messages_decode_one_by_one() {
        use std::io::Write;
        let logs = r#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"e1","timestamp":1,"message":"{\"id\":8}"},{"id":"e2","timestamp":2,"message":"plain text"}]}"#;
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(logs.as_bytes()).unwrap();
        let data = base64::engine::general_purpose::STANDARD.encode(gzip.finish().unwrap());
        let event = RawEvent::new(format!(r#"{{"awslogs":{{"data":"{data}"}}}}"#));
        let batch = records(<Json<Order> as EventOf<marker::CloudWatchLogs>>::deliver(&event).unwrap());
        assert_eq!(batch.records[0].record.as_ref().unwrap().0, Order { id: 8 });
        assert_eq!(batch.records[1].id.as_deref(), Some("e2"));
        assert!(batch.records[1].record.is_err());
    }

    #[test]
    fn dynamodb_images_are_read_from_typed_attributes() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Person {
            name: String,
            age: u8,
        }
        let event = RawEvent::new(
            r#"{"Records":[
              {"eventName":"INSERT","eventSource":"aws:dynamodb","awsRegion":"eu-west-1","eventID":"e","eventVersion":"1.1","eventSourceARN":"arn:aws:dynamodb:eu-west-1:1:table/t/stream/s","dynamodb":{"SequenceNumber":"1","Keys":{"name":{"S":"ada"}},"NewImage":{"name":{"S":"ada"},"age":{"N":"36"}},"SizeBytes":20,"StreamViewType":"NEW_AND_OLD_IMAGES"}},
              {"eventName":"REMOVE","eventSource":"aws:dynamodb","awsRegion":"eu-west-1","eventID":"e","eventVersion":"1.1","eventSourceARN":"arn:aws:dynamodb:eu-west-1:1:table/t/stream/s","dynamodb":{"SequenceNumber":"2","Keys":{"name":{"S":"ada"}},"OldImage":{"name":{"S":"ada"},"age":{"N":"37"}},"SizeBytes":20,"StreamViewType":"NEW_AND_OLD_IMAGES"}},
              {"eventName":"MODIFY","eventSource":"aws:dynamodb","awsRegion":"eu-west-1","eventID":"e","eventVersion":"1.1","eventSourceARN":"arn:aws:dynamodb:eu-west-1:1:table/t/stream/s","dynamodb":{"SequenceNumber":"3","Keys":{"name":{"S":"x"}},"NewImage":{"name":{"N":"1"}},"SizeBytes":20,"StreamViewType":"NEW_AND_OLD_IMAGES"}}
            ]}"#,
        );
        let batch = records(<DynamoDbChange<Person> as EventOf<marker::DynamoDb>>::deliver(&event).unwrap());
        let insert = batch.records[0].record.as_ref().unwrap();
        assert_eq!(
            insert.new_image,
            Some(Person {
                name: "ada".into(),
                age: 36
            })
        );
        assert_eq!(insert.old_image, None);
        let remove = batch.records[1].record.as_ref().unwrap();
        assert_eq!(
            (remove.event_name.as_str(), remove.new_image.is_none()),
            ("REMOVE", true)
        );
        assert!(
            batch.records[2]
                .record
                .as_ref()
                .unwrap_err()
                .starts_with("NewImage does not decode")
        );
        assert_eq!(batch.records[2].id.as_deref(), Some("3"));
    }

    #[test]
    fn whole_event_payloads() {
        let detail = RawEvent::new(r#"{"source":"s","detail-type":"t","detail":{"id":4}}"#);
        assert_eq!(
            <Json<Order> as EventOf<marker::EventBridge>>::decode(&detail)
                .unwrap()
                .0,
            Order { id: 4 }
        );
        let body = RawEvent::new(r#"{"httpMethod":"POST","body":"eyJpZCI6NX0=","isBase64Encoded":true}"#);
        assert_eq!(
            <Json<Order> as EventOf<marker::ApiGateway>>::decode(&body)
                .unwrap()
                .0,
            Order { id: 5 }
        );
        let missing = RawEvent::new(r#"{"httpMethod":"GET"}"#);
        assert!(<Json<Order> as EventOf<marker::ApiGateway>>::decode(&missing).is_err());
    }
}
