//! Batches: the records of a batch event, each decoded on its own, with what the event source
//! needs to know about failures (partial batch responses, ordering).
//!
//! A handler that takes one record type (`SqsMessage`, `KinesisEventRecord`, ...) is called
//! once per record. One record that does not decode is one failed record, never a failed batch.

use crate::events::{DecodeError, RawEvent};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};

/// How an event source learns which records failed.
///
/// ```
/// use cloud_events_core::batch::{BatchReport, Delivery};
/// use cloud_events_core::events::{EventOf, S3EventRecord, SqsMessage};
/// use cloud_events_core::{Kind, RawEvent, kinds::marker};
/// let sqs = RawEvent::new(Kind::Sqs.sample());
/// let Ok(Delivery::Records(batch)) = <SqsMessage as EventOf<marker::Sqs>>::deliver(&sqs) else { panic!() };
/// assert_eq!(batch.report, BatchReport::ItemFailures);
/// let s3 = RawEvent::new(Kind::S3.sample());
/// let Ok(Delivery::Records(batch)) = <S3EventRecord as EventOf<marker::S3>>::deliver(&s3) else { panic!() };
/// assert_eq!(batch.report, BatchReport::WholeEvent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchReport {
    /// `{"batchItemFailures": [{"itemIdentifier": ..}]}` (SQS, Kinesis, DynamoDB Streams).
    ItemFailures,
    /// The Firehose transformation response (`recordId`, `result`, `data`).
    Firehose,
    /// No partial response exists (S3, SNS, Kafka, MQ): any failed record fails the invocation.
    WholeEvent,
}

/// Whether records may be handled out of order.
///
/// ```
/// use cloud_events_core::batch::{BatchOrder, Delivery};
/// use cloud_events_core::events::{EventOf, KinesisEventRecord, SqsMessage};
/// use cloud_events_core::{Kind, RawEvent, kinds::marker};
/// let sqs = RawEvent::new(Kind::Sqs.sample()); // a standard queue
/// let Ok(Delivery::Records(batch)) = <SqsMessage as EventOf<marker::Sqs>>::deliver(&sqs) else { panic!() };
/// assert_eq!(batch.order, BatchOrder::Independent);
/// let kinesis = RawEvent::new(Kind::Kinesis.sample());
/// let Ok(Delivery::Records(batch)) = <KinesisEventRecord as EventOf<marker::Kinesis>>::deliver(&kinesis) else { panic!() };
/// assert_eq!(batch.order, BatchOrder::InOrder);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOrder {
    /// Records are independent and may run concurrently.
    Independent,
    /// Records are ordered (SQS FIFO, Kinesis, DynamoDB Streams): they run one after another,
    /// and the first failure stops the batch; it and every record after it are reported failed.
    InOrder,
}

/// One record of a batch.
///
/// ```
/// use cloud_events_core::batch::Delivery;
/// use cloud_events_core::events::{EventOf, KinesisFirehoseEventRecord};
/// use cloud_events_core::{Kind, RawEvent, kinds::marker};
/// let event = RawEvent::new(Kind::KinesisFirehose.sample());
/// let Ok(Delivery::Records(batch)) =
///     <KinesisFirehoseEventRecord as EventOf<marker::KinesisFirehose>>::deliver(&event) else { panic!() };
/// let first = &batch.records[0];
/// assert_eq!(first.id.as_deref(), Some("49656932418891224547098726512392837129348517321793683458000000"));
/// assert!(first.record.is_ok());
/// assert!(first.data.is_some()); // Firehose: the original data, for a failed record's answer
/// ```
#[derive(Debug)]
pub struct BatchRecord<R> {
    /// The id the event source knows it by (SQS message id, stream sequence number, Firehose
    /// record id, Kafka `topic-partition@offset`...), if the record has one.
    pub id: Option<String>,
    /// The record, or why it could not be decoded.
    pub record: Result<R, String>,
    /// Firehose: the record's original base64 `data`, returned for failed records.
    pub data: Option<String>,
}

/// The records of one event, with how failures are reported.
///
/// ```
/// use cloud_events_core::batch::{BatchOrder, BatchReport, Delivery};
/// use cloud_events_core::events::{EventOf, KinesisEventRecord};
/// use cloud_events_core::{Kind, RawEvent, kinds::marker};
/// let event = RawEvent::new(Kind::Kinesis.sample());
/// let Ok(Delivery::Records(batch)) = <KinesisEventRecord as EventOf<marker::Kinesis>>::deliver(&event) else {
///     panic!("a stream's records");
/// };
/// assert_eq!(batch.records.len(), 2);
/// assert_eq!((batch.report, batch.order), (BatchReport::ItemFailures, BatchOrder::InOrder));
/// ```
#[derive(Debug)]
pub struct Batch<R> {
    /// The records, in event order.
    pub records: Vec<BatchRecord<R>>,
    /// How failures are reported.
    pub report: BatchReport,
    /// Whether order matters.
    pub order: BatchOrder,
}

/// What a handler receives: the whole event once, or each record of a batch.
///
/// ```
/// use cloud_events_core::batch::Delivery;
/// use cloud_events_core::events::{EventOf, S3Event, S3EventRecord};
/// use cloud_events_core::{Kind, RawEvent, kinds::marker};
/// let event = RawEvent::new(Kind::S3.sample());
/// let whole = <S3Event as EventOf<marker::S3>>::deliver(&event).unwrap();
/// assert!(matches!(whole, Delivery::Whole(s3) if s3.records.len() == 1));
/// let per_record = <S3EventRecord as EventOf<marker::S3>>::deliver(&event).unwrap();
/// assert!(matches!(per_record, Delivery::Records(batch) if batch.records.len() == 1));
/// ```
#[derive(Debug)]
pub enum Delivery<E> {
    /// The whole event.
    Whole(E),
    /// One call per record.
    Records(Batch<E>),
}

/// Where a kind keeps its records.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Layout {
    /// An array under this key.
    Array(&'static str),
    /// An object of arrays under this key (Kafka partitions, RabbitMQ queues).
    ArrayPerKey(&'static str),
}

/// Splits an event into its raw records, in order.
pub(crate) fn raw_records<'a>(json: &'a str, layout: Layout) -> Result<Vec<&'a RawValue>, DecodeError> {
    let top: HashMap<String, &'a RawValue> =
        serde_json::from_str(json).map_err(|e| DecodeError::new::<Batch<()>>(e.to_string()))?;
    let (key, nested) = match layout {
        Layout::Array(key) => (key, false),
        Layout::ArrayPerKey(key) => (key, true),
    };
    let value = top
        .get(key)
        .ok_or_else(|| DecodeError::new::<Batch<()>>(format!("the event has no `{key}`")))?;
    let wrong = |e: serde_json::Error| DecodeError::new::<Batch<()>>(format!("`{key}`: {e}"));
    if nested {
        let groups: BTreeMap<String, Vec<&'a RawValue>> = serde_json::from_str(value.get()).map_err(wrong)?;
        Ok(groups.into_values().flatten().collect())
    } else {
        serde_json::from_str(value.get()).map_err(wrong)
    }
}

/// The raw records of an event of a batch kind, in the order handlers see them; `None` for
/// kinds whose records are not plain JSON in the event (CloudWatch Logs) or that are no batch.
/// Per-record `when` conditions are checked against these.
///
/// ```
/// use cloud_events_core::{Kind, batch::records_of};
/// let records = records_of(Kind::Sqs, Kind::Sqs.sample()).unwrap();
/// assert_eq!(records.len(), 2);
/// assert!(records[1].get().contains("ord-5522"));
/// assert!(records_of(Kind::EventBridge, Kind::EventBridge.sample()).is_none());
/// ```
pub fn records_of(kind: crate::Kind, json: &str) -> Option<Vec<&RawValue>> {
    use crate::Kind;
    use crate::events::records::shapes;
    let shape = match kind {
        Kind::Sqs => shapes::SQS,
        Kind::Sns => shapes::SNS,
        Kind::Kinesis => shapes::KINESIS,
        Kind::DynamoDb => shapes::DYNAMODB,
        Kind::S3 => shapes::S3,
        Kind::KinesisFirehose => shapes::FIREHOSE,
        Kind::Kafka | Kind::SelfManagedKafka => shapes::KAFKA,
        Kind::ActiveMq => shapes::ACTIVEMQ,
        Kind::RabbitMq => shapes::RABBITMQ,
        Kind::AzureEventGrid | Kind::AzureEventGridValidation => {
            return crate::events::cloud_providers::event_grid_raw(json).ok();
        }
        _ => return None,
    };
    raw_records(json, shape.layout).ok()
}

/// Decodes one record, turning a decoding error, or a panic in a decoder, into a reason.
pub(crate) fn decode_record<R: DeserializeOwned>(raw: &RawValue) -> Result<R, String> {
    let decoded = std::panic::catch_unwind(|| {
        // The fast path; only a failure pays for a second pass that tracks where it failed.
        if let Ok(record) = serde_json::from_str::<R>(raw.get()) {
            return Ok(record);
        }
        let mut deserializer = serde_json::Deserializer::from_str(raw.get());
        serde_path_to_error::deserialize::<_, R>(&mut deserializer)
    });
    match decoded {
        Ok(Ok(record)) => Ok(record),
        Ok(Err(e)) => Err(format!(
            "record does not decode into {}: at `{}`: {}",
            short_name::<R>(),
            e.path(),
            e.inner()
        )),
        Err(_) => Err(format!("decoding the record into {} panicked", short_name::<R>())),
    }
}

fn short_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    name.rsplit("::").next().unwrap_or(name)
}

/// The id of a record, read from the few fields that hold it.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RecordIds {
    #[serde(rename = "messageId")]
    message_id: Option<String>,
    #[serde(rename = "messageID")]
    mq_message_id: Option<String>,
    #[serde(rename = "recordId")]
    record_id: Option<String>,
    #[serde(rename = "eventSourceARN")]
    event_source_arn: Option<String>,
    kinesis: Option<SequenceLower>,
    dynamodb: Option<SequenceUpper>,
    topic: Option<String>,
    partition: Option<i64>,
    offset: Option<i64>,
    data: Option<String>,
    #[serde(rename = "Sns")]
    sns: Option<SnsIds>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SequenceLower {
    #[serde(rename = "sequenceNumber")]
    sequence_number: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SequenceUpper {
    #[serde(rename = "SequenceNumber")]
    sequence_number: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SnsIds {
    #[serde(rename = "MessageId")]
    message_id: Option<String>,
}

/// Which id a kind's records are reported by.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IdField {
    SqsMessageId,
    KinesisSequence,
    DynamoDbSequence,
    FirehoseRecordId,
    KafkaOffset,
    MqMessageId,
    SnsMessageId,
    None,
}

/// How a kind's records are found, named and reported.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BatchShape {
    pub(crate) layout: Layout,
    pub(crate) id: IdField,
    pub(crate) report: BatchReport,
    pub(crate) order: BatchOrder,
}

/// Splits `event` into records of type `R`.
pub(crate) fn split<R: DeserializeOwned>(
    event: &RawEvent,
    shape: BatchShape,
) -> Result<Delivery<R>, DecodeError> {
    split_with(event, shape, decode_record::<R>)
}

/// Splits `event` into records, each decoded by `decode`.
pub(crate) fn split_with<R>(
    event: &RawEvent,
    shape: BatchShape,
    decode: impl Fn(&RawValue) -> Result<R, String>,
) -> Result<Delivery<R>, DecodeError> {
    let BatchShape {
        layout,
        id,
        report,
        order,
    } = shape;
    let raw = raw_records(event.json(), layout)?;
    event.read_whole();
    if raw.len() > event.record_limit() {
        let mut error = DecodeError::new::<Batch<R>>(format!(
            "the batch has {} records, more than the limit of {}",
            raw.len(),
            event.record_limit()
        ));
        error.limit = Some("records");
        return Err(error);
    }
    let mut fifo = false;
    let records = raw
        .into_iter()
        .map(|raw| {
            let ids: RecordIds = serde_json::from_str(raw.get()).unwrap_or_default();
            fifo |= ids
                .event_source_arn
                .as_deref()
                .is_some_and(|arn| arn.ends_with(".fifo"));
            let id = match id {
                IdField::SqsMessageId => ids.message_id,
                IdField::KinesisSequence => ids.kinesis.and_then(|k| k.sequence_number),
                IdField::DynamoDbSequence => ids.dynamodb.and_then(|d| d.sequence_number),
                IdField::FirehoseRecordId => ids.record_id,
                IdField::KafkaOffset => match (ids.topic, ids.partition, ids.offset) {
                    (Some(topic), Some(partition), Some(offset)) => {
                        Some(format!("{topic}-{partition}@{offset}"))
                    }
                    _ => None,
                },
                IdField::MqMessageId => ids.mq_message_id.or(ids.message_id),
                IdField::SnsMessageId => ids.sns.and_then(|s| s.message_id),
                IdField::None => None,
            };
            let data = matches!(report, BatchReport::Firehose)
                .then_some(ids.data)
                .flatten();
            BatchRecord {
                id,
                record: decode(raw),
                data,
            }
        })
        .collect();
    // An SQS FIFO queue's records are ordered within their message group.
    let order = if fifo { BatchOrder::InOrder } else { order };
    Ok(Delivery::Records(Batch {
        records,
        report,
        order,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::SqsMessage;

    const SQS: BatchShape = BatchShape {
        layout: Layout::Array("Records"),
        id: IdField::SqsMessageId,
        report: BatchReport::ItemFailures,
        order: BatchOrder::Independent,
    };

    #[test]
    fn each_record_decodes_on_its_own_and_keeps_its_id() {
        let event = RawEvent::new(
            r#"{"Records":[{"messageId":"a","body":"1","eventSourceARN":"arn:aws:sqs:r:1:q"},{"messageId":"b","body":7},{"nothing":true}]}"#,
        );
        let Delivery::Records(batch) = split::<SqsMessage>(&event, SQS).unwrap() else {
            panic!("a batch")
        };
        assert_eq!(batch.order, BatchOrder::Independent);
        let ids: Vec<_> = batch.records.iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids, [Some("a".into()), Some("b".into()), None]);
        assert!(batch.records[0].record.is_ok());
        let reason = batch.records[1].record.as_ref().unwrap_err();
        assert!(reason.contains("at `body`"), "{reason}");
    }

    #[test]
    fn a_fifo_queue_is_ordered() {
        let event = RawEvent::new(
            r#"{"Records":[{"messageId":"a","body":"1","eventSourceARN":"arn:aws:sqs:r:1:q.fifo"}]}"#,
        );
        let Ok(Delivery::Records(batch)) = split::<SqsMessage>(&event, SQS) else {
            panic!("a batch")
        };
        assert_eq!(batch.order, BatchOrder::InOrder);
    }

    #[test]
    fn partitions_are_flattened_and_ids_name_topic_partition_and_offset() {
        let json = r#"{"records":{"t-1":[{"topic":"t","partition":1,"offset":5}],"t-0":[{"topic":"t","partition":0,"offset":9}]}}"#;
        let raw = raw_records(json, Layout::ArrayPerKey("records")).unwrap();
        assert_eq!(raw.len(), 2);
        let shape = BatchShape {
            layout: Layout::ArrayPerKey("records"),
            id: IdField::KafkaOffset,
            report: BatchReport::WholeEvent,
            order: BatchOrder::InOrder,
        };
        let Ok(Delivery::Records(batch)) = split::<serde_json::Value>(&RawEvent::new(json), shape) else {
            panic!()
        };
        assert_eq!(batch.records[0].id.as_deref(), Some("t-0@9"));
    }

    #[test]
    fn a_panicking_decoder_is_a_failed_record() {
        // aws_lambda_events asserts on fractional millisecond timestamps.
        let raw = RawValue::from_string(
            r#"{"recordId":"r","approximateArrivalTimestamp":1.5,"data":"aGk="}"#.to_owned(),
        )
        .unwrap();
        let decoded = decode_record::<aws_lambda_events::event::firehose::KinesisFirehoseEventRecord>(&raw);
        assert!(decoded.unwrap_err().contains("panicked"));
    }
}
