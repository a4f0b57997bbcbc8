//! Record types: a handler that takes one is called once per record of the batch.

use super::{
    ActiveMqMessage, DecodeError, DynamoDbEventRecord, EventOf, KafkaRecord, KinesisEventRecord, RawEvent,
    S3EventRecord, SnsRecord, SqsMessage,
};
use crate::batch::{Delivery, shapes, split};
use crate::kinds::marker;
use aws_lambda_events::event::firehose::KinesisFirehoseEventRecord;
use aws_lambda_events::event::rabbitmq::RabbitMqMessage;

macro_rules! records_of {
    ($($marker:ident => $record:ty, $shape:ident, $identity:expr;)*) => {
        $(impl EventOf<marker::$marker> for $record {
            const PER_RECORD: bool = true;

            fn decode(_event: &RawEvent) -> Result<Self, DecodeError> {
                Err(DecodeError::new::<Self>("this is one record of a batch: handlers taking it are called per record"))
            }

            fn deliver(event: &RawEvent) -> Result<Delivery<Self>, DecodeError> {
                split(event, shapes::$shape, $identity)
            }
        })*
    };
}

// Each record type with how a decoded record names itself in the batch answer (see
// `batch::split`). ActiveMQ and Firehose records are always split by scanning: the id the
// answer needs is in fields the decoded record drops (`messageId`) or rewrites (`data`).
records_of! {
    Sqs => SqsMessage, SQS, Some(|r: &SqsMessage| {
        (r.message_id.clone(), r.event_source_arn.as_deref().is_some_and(|arn| arn.ends_with(".fifo")))
    });
    Kinesis => KinesisEventRecord, KINESIS, Some(|r: &KinesisEventRecord| (Some(r.kinesis.sequence_number.clone()), false));
    DynamoDb => DynamoDbEventRecord, DYNAMODB, Some(|r: &DynamoDbEventRecord| (r.change.sequence_number.clone(), false));
    S3 => S3EventRecord, S3, Some(|_: &S3EventRecord| (None, false));
    Sns => SnsRecord, SNS, Some(|r: &SnsRecord| (Some(r.sns.message_id.clone()), false));
    Kafka => KafkaRecord, KAFKA, Some(kafka_identity);
    SelfManagedKafka => KafkaRecord, KAFKA, Some(kafka_identity);
    ActiveMq => ActiveMqMessage, ACTIVEMQ, None;
    RabbitMq => RabbitMqMessage, RABBITMQ, Some(|_: &RabbitMqMessage| (None, false));
    KinesisFirehose => KinesisFirehoseEventRecord, FIREHOSE, None;
}

/// `topic-partition@offset`.
fn kafka_identity(record: &KafkaRecord) -> crate::batch::Identity {
    let id = record
        .topic
        .as_ref()
        .map(|topic| format!("{topic}-{}@{}", record.partition, record.offset));
    (id, false)
}
