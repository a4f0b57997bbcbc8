//! Batches: the records of a batch event, each decoded on its own, with what the event source
//! needs to know about failures (partial batch responses, ordering).
//!
//! A handler that takes one record type (`SqsMessage`, `KinesisEventRecord`, ...) is called
//! once per record. One record that does not decode is one failed record, never a failed batch.
//!
//! ```
//! use cloud_events_core::{Kind, batch::records_of};
//! // The records per-record handlers are called with, in order.
//! let records = records_of(Kind::Kinesis, Kind::Kinesis.sample()).unwrap();
//! assert!(!records.is_empty());
//! ```

mod split;

pub(crate) use split::{Identity, decode_all, decode_record, split, split_with};

use crate::raw::DecodeError;
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

/// How each kind's records are found, named, ordered and reported.
pub(crate) mod shapes {
    use super::{BatchOrder, BatchReport, BatchShape, IdField, Layout};

    const fn shape(layout: Layout, id: IdField, report: BatchReport, order: BatchOrder) -> BatchShape {
        BatchShape {
            layout,
            id,
            report,
            order,
        }
    }

    pub(crate) const SQS: BatchShape = shape(
        Layout::Array("Records"),
        IdField::SqsMessageId,
        BatchReport::ItemFailures,
        BatchOrder::Independent,
    );
    pub(crate) const KINESIS: BatchShape = shape(
        Layout::Array("Records"),
        IdField::KinesisSequence,
        BatchReport::ItemFailures,
        BatchOrder::InOrder,
    );
    pub(crate) const DYNAMODB: BatchShape = shape(
        Layout::Array("Records"),
        IdField::DynamoDbSequence,
        BatchReport::ItemFailures,
        BatchOrder::InOrder,
    );
    pub(crate) const S3: BatchShape = shape(
        Layout::Array("Records"),
        IdField::None,
        BatchReport::WholeEvent,
        BatchOrder::Independent,
    );
    pub(crate) const SNS: BatchShape = shape(
        Layout::Array("Records"),
        IdField::SnsMessageId,
        BatchReport::WholeEvent,
        BatchOrder::Independent,
    );
    pub(crate) const KAFKA: BatchShape = shape(
        Layout::ArrayPerKey("records"),
        IdField::KafkaOffset,
        BatchReport::WholeEvent,
        BatchOrder::InOrder,
    );
    pub(crate) const ACTIVEMQ: BatchShape = shape(
        Layout::Array("messages"),
        IdField::MqMessageId,
        BatchReport::WholeEvent,
        BatchOrder::InOrder,
    );
    pub(crate) const RABBITMQ: BatchShape = shape(
        Layout::ArrayPerKey("rmqMessagesByQueue"),
        IdField::None,
        BatchReport::WholeEvent,
        BatchOrder::InOrder,
    );
    pub(crate) const FIREHOSE: BatchShape = shape(
        Layout::Array("records"),
        IdField::FirehoseRecordId,
        BatchReport::Firehose,
        BatchOrder::Independent,
    );
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
    if matches!(
        kind,
        crate::Kind::AzureEventGrid | crate::Kind::AzureEventGridValidation
    ) {
        return event_grid_raw(json).ok();
    }
    raw_records(json, layout_of(kind)?).ok()
}

/// Where the records of a batch kind are (Event Grid's, the event or an array of them, aside).
pub(crate) fn layout_of(kind: crate::Kind) -> Option<Layout> {
    use crate::Kind;
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
        _ => return None,
    };
    Some(shape.layout)
}

/// The events of an Event Grid delivery: the elements of an array, or the one event.
pub(crate) fn event_grid_raw(json: &str) -> Result<Vec<&RawValue>, serde_json::Error> {
    let json = json.trim_start_matches('\u{feff}').trim_start();
    if json.starts_with('[') {
        serde_json::from_str(json)
    } else {
        Ok(vec![serde_json::from_str(json)?])
    }
}
