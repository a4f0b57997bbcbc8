//! Splitting a batch event into its records: in one pass where every record decodes, else
//! record by record (one scan splits the event and reads the ids; each record's decoder reads
//! that record), so that one record that does not decode is one failed record.
//!
//! The typed split serves the record types of `aws_lambda_events`: a build without any of
//! their families (see `Kind::feature`) keeps only the scanning split of `Json<T>`.

#![cfg_attr(
    not(any(
        feature = "sqs",
        feature = "sns",
        feature = "s3",
        feature = "kinesis",
        feature = "dynamodb",
        feature = "kafka",
        feature = "activemq",
        feature = "rabbitmq",
        feature = "firehose"
    )),
    allow(dead_code)
)]

use super::{Batch, BatchOrder, BatchRecord, BatchReport, BatchShape, Delivery, IdField, Layout};
use crate::check::check_json;
use crate::raw::{DecodeError, RawEvent};
use crate::scan::{Halt, Scanner, Step};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::marker::PhantomData;

/// What the batch answer needs from a decoded record: its id, and whether its queue is an
/// SQS FIFO queue (whose records are ordered).
pub(crate) type Identity = (Option<String>, bool);

/// Decodes one record, turning a decoding error, or a panic in a decoder, into a reason.
pub(crate) fn decode_record<R: DeserializeOwned>(raw: &str) -> Result<R, String> {
    let decoded = std::panic::catch_unwind(|| {
        // The fast path; only a failure pays for a second pass that tracks where it failed.
        if let Some(record) = crate::decode::fast::<R>(raw) {
            return Ok(record);
        }
        crate::decode::with_path::<R>(raw)
    });
    match decoded {
        Ok(Ok(record)) => Ok(record),
        Ok(Err(e)) => Err(format!(
            "record does not decode into {}: at `{}`: {}",
            short_name::<R>(),
            e.path,
            e.error
        )),
        Err(_) => Err(format!("decoding the record into {} panicked", short_name::<R>())),
    }
}

fn short_name<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    name.rsplit("::").next().unwrap_or(name)
}

/// The id of a record, read from the few fields that hold it (a field of another JSON type
/// is absent).
#[derive(Default)]
struct RecordIds {
    message_id: Option<String>,
    mq_message_id: Option<String>,
    record_id: Option<String>,
    fifo: bool,
    kinesis_sequence: Option<String>,
    dynamodb_sequence: Option<String>,
    topic: Option<String>,
    partition: Option<i64>,
    offset: Option<i64>,
    sns_message_id: Option<String>,
    /// Firehose: the record's base64 `data` (kept only when `keep_data`).
    data: Option<String>,
    keep_data: bool,
}

impl RecordIds {
    fn field(&mut self, scanner: &mut Scanner<'_>, key: &str) -> Step {
        fn text(scanner: &mut Scanner<'_>) -> Result<Option<String>, Halt> {
            scanner.maybe_str().map(|value| value.map(Cow::into_owned))
        }
        fn number(scanner: &mut Scanner<'_>) -> Result<Option<i64>, Halt> {
            scanner
                .maybe_scalar()
                .map(|value| value.and_then(|n| n.parse().ok()))
        }
        /// `outer.name` as text.
        fn nested(scanner: &mut Scanner<'_>, name: &str) -> Result<Option<String>, Halt> {
            scanner.object_of(|value: &mut Option<String>, scanner, key| {
                if key == name {
                    *value = text(scanner)?;
                    Ok(())
                } else {
                    scanner.skip()
                }
            })
        }
        match key {
            "messageId" => self.message_id = text(scanner)?,
            "messageID" => self.mq_message_id = text(scanner)?,
            "recordId" => self.record_id = text(scanner)?,
            // An SQS FIFO queue's ARN ends in `.fifo`.
            "eventSourceARN" => self.fifo = scanner.maybe_str()?.is_some_and(|arn| arn.ends_with(".fifo")),
            "kinesis" => self.kinesis_sequence = nested(scanner, "sequenceNumber")?,
            "dynamodb" => self.dynamodb_sequence = nested(scanner, "SequenceNumber")?,
            "topic" => self.topic = text(scanner)?,
            "partition" => self.partition = number(scanner)?,
            "offset" => self.offset = number(scanner)?,
            "Sns" => self.sns_message_id = nested(scanner, "MessageId")?,
            "data" if self.keep_data => self.data = text(scanner)?,
            _ => scanner.skip()?,
        }
        Ok(())
    }

    fn id(self, field: IdField) -> Option<String> {
        match field {
            IdField::SqsMessageId => self.message_id,
            IdField::KinesisSequence => self.kinesis_sequence,
            IdField::DynamoDbSequence => self.dynamodb_sequence,
            IdField::FirehoseRecordId => self.record_id,
            IdField::KafkaOffset => match (self.topic, self.partition, self.offset) {
                (Some(topic), Some(partition), Some(offset)) => Some(format!("{topic}-{partition}@{offset}")),
                _ => None,
            },
            IdField::MqMessageId => self.mq_message_id.or(self.message_id),
            IdField::SnsMessageId => self.sns_message_id,
            IdField::None => None,
        }
    }
}

/// One record as the splitter found it: where its text is, and its id fields.
struct Scanned {
    span: std::ops::Range<usize>,
    ids: RecordIds,
}

/// Splits an event into its records, in order, with one forward scan of its text that also
/// reads each record's id fields (a 6 MB SQS body costs one `memchr` scan). Nothing is
/// checked as JSON here: each record is checked by its decoder, and the rest by
/// [`skeleton_is_json`]. A later member of the same name replaces an earlier one, as when
/// the event is decoded whole.
fn scan_records(json: &str, layout: Layout, keep_data: bool) -> Result<Vec<Scanned>, DecodeError> {
    let (key, nested) = match layout {
        Layout::Array(key) => (key, false),
        Layout::ArrayPerKey(key) => (key, true),
    };
    let elements = |scanner: &mut Scanner<'_>| -> Result<Option<Vec<Scanned>>, Halt> {
        if scanner.peek() != Some(b'[') {
            return scanner.skip().map(|()| None);
        }
        let mut records = Vec::new();
        scanner.array(|scanner, _| {
            let start = scanner.value_start();
            let mut ids = RecordIds {
                keep_data,
                ..RecordIds::default()
            };
            if scanner.peek() == Some(b'{') {
                scanner.object(|scanner, key| ids.field(scanner, key))?;
            } else {
                scanner.skip()?;
            }
            records.push(Scanned {
                span: start..scanner.pos(),
                ids,
            });
            Ok(())
        })?;
        Ok(Some(records))
    };
    let mut scanner = Scanner::new(json);
    let mut found: Option<Option<Vec<Scanned>>> = None;
    let read = if scanner.peek() == Some(b'{') {
        scanner.object(|scanner, member| {
            if member != key {
                return scanner.skip();
            }
            found = Some(if nested {
                // An object of arrays, in key order (as a `BTreeMap` reads it).
                let mut groups = Some(BTreeMap::new());
                if scanner.peek() == Some(b'{') {
                    scanner.object(|scanner, group| {
                        match elements(scanner)? {
                            Some(records) => {
                                if let Some(groups) = &mut groups {
                                    groups.insert(group.to_owned(), records);
                                }
                            }
                            None => groups = None,
                        }
                        Ok(())
                    })?;
                } else {
                    scanner.skip()?;
                    groups = None;
                }
                groups.map(|groups| groups.into_values().flatten().collect())
            } else {
                elements(scanner)?
            });
            Ok(())
        })
    } else {
        Err(Halt::Malformed(scanner.pos()))
    };
    let wrong = |message: String| DecodeError::new::<Batch<()>>(message);
    match read {
        Ok(()) | Err(Halt::Decided) => {}
        Err(Halt::Malformed(at)) => {
            let why = check_json(json).err().map_or_else(
                || format!("the event is not JSON at byte {at}"),
                |e| e.to_string(),
            );
            return Err(wrong(why));
        }
    }
    match found {
        None => Err(wrong(format!("the event has no `{key}`"))),
        Some(None) if nested => Err(wrong(format!("`{key}` is not an object of arrays"))),
        Some(None) => Err(wrong(format!("`{key}` is not an array"))),
        Some(Some(records)) => Ok(records),
    }
}

/// Whether all of `json` but the records' text is JSON: the event with each record replaced
/// by `0`, checked (small: a batch is mostly its records).
fn skeleton_is_json(json: &str, records: &[Scanned]) -> bool {
    let mut spans: Vec<&std::ops::Range<usize>> = records.iter().map(|r| &r.span).collect();
    spans.sort_by_key(|span| span.start);
    let mut skeleton =
        String::with_capacity(json.len() - spans.iter().map(|s| s.len()).sum::<usize>() + spans.len());
    let mut from = 0;
    for span in spans {
        skeleton.push_str(&json[from..span.start]);
        skeleton.push('0');
        from = span.end;
    }
    skeleton.push_str(&json[from..]);
    check_json(&skeleton).is_ok()
}

/// Splits `event` into records of type `R`.
///
/// With `identity` (how a decoded record names itself), a batch whose records all decode is
/// read in one pass: the records are decoded where they stand, and their ids taken from them.
/// A batch with a record that does not decode, or more records than the limit, is split
/// record by record ([`split_with`]), so that each record fails or succeeds on its own.
pub(crate) fn split<R: DeserializeOwned>(
    event: &RawEvent,
    shape: BatchShape,
    identity: Option<fn(&R) -> Identity>,
) -> Result<Delivery<R>, DecodeError> {
    if let Some(identity) = identity
        && let Some(delivery) = decode_whole(event, shape, identity)
    {
        return Ok(delivery);
    }
    split_with(event, shape, decode_record::<R>)
}

/// All the records of `event`, decoded in one pass over it; `None` if any record does not
/// decode (or a decoder panics), the event is not JSON, or it has more records than its
/// limit (reading stops there).
fn decode_whole<R: DeserializeOwned>(
    event: &RawEvent,
    shape: BatchShape,
    identity: fn(&R) -> Identity,
) -> Option<Delivery<R>> {
    // Each record becomes a `BatchRecord` as it is decoded: one vector of records, not a
    // second one converted from the first (a batch's transient memory decides whether the
    // allocator keeps its pages for the next invocation).
    let fifo = std::cell::Cell::new(false);
    let reader = WholeBatch {
        layout: shape.layout,
        limit: event.record_limit(),
        wrap: |record: R| {
            let (id, in_fifo) = identity(&record);
            fifo.set(fifo.get() | in_fifo);
            BatchRecord {
                id,
                record: Ok(record),
                data: None,
            }
        },
        records: PhantomData,
    };
    // `aws_lambda_events` panics on some values (fractional millisecond timestamps): such a
    // batch goes to the record-by-record path, where the panic fails one record.
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::decode::seeded(event.json(), reader)
    }));
    let records = decoded.ok()?.ok()??;
    // serde_json read every byte of it, by JSON's grammar.
    event.read_whole();
    // An SQS FIFO queue's records are ordered within their message group.
    let order = if fifo.get() {
        BatchOrder::InOrder
    } else {
        shape.order
    };
    Some(Delivery::Records(Batch {
        records,
        report: shape.report,
        order,
    }))
}

/// The records of `json` decoded as `R` in one pass over it, in the order handlers see them;
/// `None` if the event is not JSON, has no records where `layout` keeps them, or a record
/// does not decode.
pub(crate) fn decode_all<R: DeserializeOwned>(json: &str, layout: Layout) -> Option<Vec<R>> {
    let reader = WholeBatch {
        layout,
        limit: usize::MAX,
        wrap: |record: R| record,
        records: PhantomData,
    };
    crate::decode::seeded(json, reader).ok()?
}

/// Reads an event's records of type `R` where its layout keeps them (a later member of the
/// same name wins, as in a map), skipping the rest, each turned into a `T` by `wrap` as it is
/// read; `None` if they are not there.
struct WholeBatch<R, W> {
    layout: Layout,
    limit: usize,
    wrap: W,
    records: PhantomData<R>,
}

impl<R, W: Copy> Clone for WholeBatch<R, W> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R, W: Copy> Copy for WholeBatch<R, W> {}

impl<'de, R: DeserializeOwned, T, W: Fn(R) -> T + Copy> DeserializeSeed<'de> for WholeBatch<R, W> {
    type Value = Option<Vec<T>>;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, R: DeserializeOwned, T, W: Fn(R) -> T + Copy> Visitor<'de> for WholeBatch<R, W> {
    type Value = Option<Vec<T>>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a batch event")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let elements = Elements {
            limit: self.limit,
            wrap: self.wrap,
            records: PhantomData::<R>,
        };
        let mut found = None;
        while let Some(member) = map.next_key::<Cow<'de, str>>()? {
            match self.layout {
                Layout::Array(key) if member == key => found = Some(map.next_value_seed(elements)?),
                Layout::ArrayPerKey(key) if member == key => {
                    found = Some(map.next_value_seed(Groups(elements))?)
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match found {
            Some(records) if records.len() > self.limit => Err(de::Error::custom("over the record limit")),
            found => Ok(found),
        }
    }
}

/// The records of one array, each turned into a `T` by `wrap`, refused past `limit` of them:
/// a batch over the limit is not decoded whole before it is refused.
struct Elements<R, W> {
    limit: usize,
    wrap: W,
    records: PhantomData<R>,
}

impl<R, W: Copy> Clone for Elements<R, W> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R, W: Copy> Copy for Elements<R, W> {}

impl<'de, R: DeserializeOwned, T, W: Fn(R) -> T + Copy> DeserializeSeed<'de> for Elements<R, W> {
    type Value = Vec<T>;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, R: DeserializeOwned, T, W: Fn(R) -> T + Copy> Visitor<'de> for Elements<R, W> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut records = Vec::new();
        while let Some(record) = seq.next_element::<R>()? {
            if records.len() == self.limit {
                return Err(de::Error::custom("over the record limit"));
            }
            records.push((self.wrap)(record));
        }
        Ok(records)
    }
}

/// An object of arrays of records (Kafka partitions, RabbitMQ queues), flattened in key
/// order, as a `BTreeMap` reads it.
struct Groups<R, W>(Elements<R, W>);

impl<'de, R: DeserializeOwned, T, W: Fn(R) -> T + Copy> DeserializeSeed<'de> for Groups<R, W> {
    type Value = Vec<T>;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, R: DeserializeOwned, T, W: Fn(R) -> T + Copy> Visitor<'de> for Groups<R, W> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object of arrays of records")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
        let mut groups = BTreeMap::new();
        while let Some(group) = map.next_key::<String>()? {
            groups.insert(group, map.next_value_seed(self.0)?);
        }
        Ok(groups.into_values().flatten().collect())
    }
}

/// Splits `event` into records, each decoded by `decode` from its text (which it must read
/// whole, as serde does).
///
/// The event is read once: one scan splits it (and reads the ids), each record's decoder
/// reads that record. Before any handler sees a record, the whole event must be JSON: the
/// rest of it is checked, and so is each record that did not decode (a record that is not
/// JSON makes the event not JSON, not a failed record). Then the event is known to be JSON.
pub(crate) fn split_with<R>(
    event: &RawEvent,
    shape: BatchShape,
    decode: impl Fn(&str) -> Result<R, String>,
) -> Result<Delivery<R>, DecodeError> {
    let BatchShape {
        layout,
        id,
        report,
        order,
    } = shape;
    let json = event.json();
    let scanned = scan_records(json, layout, report == BatchReport::Firehose)?;
    if scanned.len() > event.record_limit() {
        let mut error = DecodeError::new::<Batch<R>>(format!(
            "the batch has {} records, more than the limit of {}",
            scanned.len(),
            event.record_limit()
        ));
        error.limit = Some("records");
        return Err(error);
    }
    // The event is not JSON: say where, as the JSON checker does for the whole of it.
    let not_json = || {
        let why = check_json(json)
            .err()
            .map_or_else(|| "the event is not JSON".to_owned(), |e| e.to_string());
        DecodeError::new::<Batch<R>>(why)
    };
    if !skeleton_is_json(json, &scanned) {
        return Err(not_json());
    }
    let mut fifo = false;
    let mut records = Vec::with_capacity(scanned.len());
    for Scanned { span, ids } in scanned {
        let text = &json[span];
        let record = decode(text);
        if record.is_err() && check_json(text).is_err() {
            return Err(not_json());
        }
        fifo |= ids.fifo;
        let data = ids.data.clone();
        records.push(BatchRecord {
            id: ids.id(id),
            record,
            data,
        });
    }
    event.read_whole();
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
    use crate::batch::raw_records;
    use crate::events::SqsMessage;
    use serde_json::value::RawValue;

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
        let Delivery::Records(batch) = split::<SqsMessage>(&event, SQS, None).unwrap() else {
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
        let Ok(Delivery::Records(batch)) = split::<SqsMessage>(&event, SQS, None) else {
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
        let Ok(Delivery::Records(batch)) = split::<serde_json::Value>(&RawEvent::new(json), shape, None)
        else {
            panic!()
        };
        assert_eq!(batch.records[0].id.as_deref(), Some("t-0@9"));
    }

    fn spans(json: &str, layout: Layout) -> Vec<&str> {
        scan_records(json, layout, false)
            .unwrap()
            .into_iter()
            .map(|record| &json[record.span])
            .collect()
    }

    #[test]
    fn the_splitter_finds_what_decoding_the_event_whole_finds() {
        // A later member of the same name wins, as in a decoded map.
        let json = r#"{"Records":[{"a":1}], "x": {"Records": [2]}, "Records" : [ {"b":"]}"} , [3] ,"s"]}"#;
        assert_eq!(
            spans(json, Layout::Array("Records")),
            [r#"{"b":"]}"}"#, "[3]", r#""s""#]
        );
        let texts: Vec<&str> = raw_records(json, Layout::Array("Records"))
            .unwrap()
            .iter()
            .map(|raw| raw.get())
            .collect();
        assert_eq!(spans(json, Layout::Array("Records")), texts);
        let kafka = r#"{"records":{"t-1":[{"offset":5}],"t-0":[{"offset":9},{"offset":10}]}}"#;
        assert_eq!(
            spans(kafka, Layout::ArrayPerKey("records")),
            [r#"{"offset":9}"#, r#"{"offset":10}"#, r#"{"offset":5}"#]
        );
    }

    #[test]
    fn ids_of_another_json_type_are_absent_and_the_rest_are_kept() {
        let event =
            RawEvent::new(r#"{"Records":[{"messageId":5,"body":"1"},{"messageId":"m\u0032","body":"2"}]}"#);
        let Delivery::Records(batch) = split::<SqsMessage>(&event, SQS, None).unwrap() else {
            panic!("a batch")
        };
        let ids: Vec<_> = batch.records.iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids, [None, Some("m2".into())]);
    }

    /// A batch is only handed to handlers once all of it is known to be JSON: a record that is
    /// not JSON, or anything between records, makes the event not JSON, not a failed record.
    #[test]
    fn a_batch_that_is_not_json_is_refused_whole() {
        for broken in [
            r#"{"Records":[{"messageId":"a","body":"1"},{"messageId":"b","body":tru}]}"#,
            r#"{"Records":[{"messageId":"a","body":"1"}] "x":1}"#,
            r#"{"Records":[{"messageId":"a","body":"1"}],"x":[}"#,
            r#"{"Records":[{"messageId":"a","body":"\q"}]}"#,
        ] {
            let event = RawEvent::new(broken);
            let error = split::<SqsMessage>(&event, SQS, None)
                .err()
                .unwrap_or_else(|| panic!("{broken}"));
            assert_eq!(error.message, event.check().unwrap_err().to_string(), "{broken}");
            assert!(!event.is_checked());
        }
        let event = RawEvent::new(r#"{"Records":[{"messageId":"a","body":"1"},{"messageId":"b","body":2}]}"#);
        assert!(split::<SqsMessage>(&event, SQS, None).is_ok());
        assert!(event.is_checked(), "split and decoded: known to be JSON");
    }

    proptest::proptest! {
        /// Whatever the records and the rest of the event, the splitter's records are those
        /// of the event decoded whole.
        #[test]
        fn the_scan_splits_as_decoding_does(
            records in proptest::collection::vec(crate::classify::properties::json(), 0..6),
            rest in crate::classify::properties::json(),
            pretty in proptest::prelude::any::<bool>(),
        ) {
            let mut event = match rest {
                serde_json::Value::Object(map) => map,
                other => [("other".to_owned(), other)].into_iter().collect(),
            };
            event.insert("Records".to_owned(), serde_json::Value::Array(records));
            let json = if pretty {
                serde_json::to_string_pretty(&event).unwrap()
            } else {
                serde_json::to_string(&event).unwrap()
            };
            let decoded: Vec<&str> = raw_records(&json, Layout::Array("Records")).unwrap().iter().map(|r| r.get()).collect();
            proptest::prop_assert_eq!(spans(&json, Layout::Array("Records")), decoded);
            let scanned = scan_records(&json, Layout::Array("Records"), false).unwrap();
            proptest::prop_assert!(skeleton_is_json(&json, &scanned));
        }
    }

    /// The one-pass path (all records decode) and the record-by-record path answer alike:
    /// the same records, ids, order and report.
    #[test]
    fn the_one_pass_path_answers_as_the_record_by_record_path() {
        use crate::events::{EventOf, KafkaRecord, KinesisEventRecord};
        use crate::kinds::{Kind, marker};
        fn summary<R: serde::Serialize>(delivery: Delivery<R>) -> serde_json::Value {
            let Delivery::Records(batch) = delivery else {
                panic!("a batch")
            };
            let records: Vec<_> = batch
                .records
                .iter()
                .map(|r| {
                    serde_json::json!([
                        r.id,
                        r.data,
                        serde_json::to_value(r.record.as_ref().ok()).unwrap()
                    ])
                })
                .collect();
            serde_json::json!([records, format!("{:?} {:?}", batch.report, batch.order)])
        }
        let fifo = Kind::Sqs.sample().replace("orders-queue", "orders-queue.fifo");
        for json in [Kind::Sqs.sample(), fifo.as_str()] {
            let event = RawEvent::new(json);
            let one_pass = <SqsMessage as EventOf<marker::Sqs>>::deliver(&event).unwrap();
            let by_record =
                split::<SqsMessage>(&RawEvent::new(json), crate::batch::shapes::SQS, None).unwrap();
            assert_eq!(summary(one_pass), summary(by_record), "{json}");
            assert!(event.is_checked());
        }
        let kafka = RawEvent::new(Kind::Kafka.sample());
        let one_pass = <KafkaRecord as EventOf<marker::Kafka>>::deliver(&kafka).unwrap();
        let by_record = split::<KafkaRecord>(&kafka, crate::batch::shapes::KAFKA, None).unwrap();
        assert_eq!(summary(one_pass), summary(by_record));
        let kinesis = RawEvent::new(Kind::Kinesis.sample());
        let one_pass = <KinesisEventRecord as EventOf<marker::Kinesis>>::deliver(&kinesis).unwrap();
        let by_record = split::<KinesisEventRecord>(&kinesis, crate::batch::shapes::KINESIS, None).unwrap();
        assert_eq!(summary(one_pass), summary(by_record));
        // A record that does not decode: record by record, so that only it fails.
        let event = RawEvent::new(r#"{"Records":[{"messageId":"a","body":"1"},{"messageId":"b","body":2}]}"#);
        let Delivery::Records(batch) = <SqsMessage as EventOf<marker::Sqs>>::deliver(&event).unwrap() else {
            panic!("a batch")
        };
        assert!(batch.records[0].record.is_ok() && batch.records[1].record.is_err());
        assert_eq!(batch.records[1].id.as_deref(), Some("b"));
        // Over the record limit: refused as before, without a handler seeing a record.
        let event = RawEvent::new(Kind::Sqs.sample()).with_record_limit(1);
        let error = <SqsMessage as EventOf<marker::Sqs>>::deliver(&event)
            .err()
            .unwrap();
        assert_eq!(error.limit, Some("records"));
    }

    #[test]
    fn a_panicking_decoder_is_a_failed_record() {
        // aws_lambda_events asserts on fractional millisecond timestamps.
        let raw = RawValue::from_string(
            r#"{"recordId":"r","approximateArrivalTimestamp":1.5,"data":"aGk="}"#.to_owned(),
        )
        .unwrap();
        let decoded =
            decode_record::<aws_lambda_events::event::firehose::KinesisFirehoseEventRecord>(raw.get());
        assert!(decoded.unwrap_err().contains("panicked"));
    }
}
