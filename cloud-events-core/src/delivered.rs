//! What each kind delivers besides the type its row of the kinds table names: record types
//! (a handler taking one is called once per record), the other whole-event types some kinds
//! deliver, and the envelopes (`Json<T>`, `EventGridEvent<T>`). Each table is handed to the
//! `events` module, which implements `EventOf` from its rows, and read here for
//! [`Kind::delivers`], which the attributes' compile errors quote: one list, so that an error
//! never names a type a route does not deliver, or misses one it does.

use crate::kinds::Kind;

/// Each row of the two tables below starts with the Cargo feature its type needs: the
/// feature of its kind (a test checks it against [`Kind::feature`]).
///
/// Record types, with the shape of their batch and how a decoded record names itself in the
/// batch answer (see `batch::split`). ActiveMQ and Firehose records are always split by
/// scanning: the id the answer needs is in fields the decoded record drops (`messageId`) or
/// rewrites (`data`).
macro_rules! records_table {
    ($callback:ident) => {
        $callback! {
            "sqs" Sqs => SqsMessage, SQS, Some(|r: &SqsMessage| {
            (r.message_id.clone(), r.event_source_arn.as_deref().is_some_and(|arn| arn.ends_with(".fifo")))
            });
            "kinesis" Kinesis => KinesisEventRecord, KINESIS, Some(|r: &KinesisEventRecord| (Some(r.kinesis.sequence_number.clone()), false));
            "dynamodb" DynamoDb => DynamoDbEventRecord, DYNAMODB, Some(|r: &DynamoDbEventRecord| (r.change.sequence_number.clone(), false));
            "s3" S3 => S3EventRecord, S3, Some(|_: &S3EventRecord| (None, false));
            "sns" Sns => SnsRecord, SNS, Some(|r: &SnsRecord| (Some(r.sns.message_id.clone()), false));
            "kafka" Kafka => KafkaRecord, KAFKA, Some(kafka_identity);
            "kafka" SelfManagedKafka => KafkaRecord, KAFKA, Some(kafka_identity);
            "activemq" ActiveMq => ActiveMqMessage, ACTIVEMQ, None;
            "rabbitmq" RabbitMq => RabbitMqMessage, RABBITMQ, Some(|_: &RabbitMqMessage| (None, false));
            "firehose" KinesisFirehose => KinesisFirehoseEventRecord, FIREHOSE, None;
        }
    };
}
// Read by `events/`, which the `events` feature brings.
#[cfg_attr(not(feature = "events"), allow(unused_imports))]
pub(crate) use records_table;

/// Kinds that deliver more than one whole-event type: the kinds table names the usual one,
/// these are the rest.
macro_rules! also_table {
    ($callback:ident) => {
        $callback! {
            "apigw" ApiGatewayAuthorizer => ApiGatewayCustomAuthorizerRequest,
            "apigw" ApiGatewayV2Authorizer => ApiGatewayV2CustomAuthorizerV1Request,
            "vpc_lattice" VpcLattice => VpcLatticeRequestV1,
            "appsync" AppSync => AppSyncResolverTemplate,
            "appsync" AppSync => Vec<AppSyncDirectResolverEvent>,
            "cognito" CognitoUserPool => CognitoEventUserPoolsPreSignup,
            "cognito" CognitoUserPool => CognitoEventUserPoolsPreAuthentication,
            "cognito" CognitoUserPool => CognitoEventUserPoolsPostAuthentication,
            "cognito" CognitoUserPool => CognitoEventUserPoolsPostConfirmation,
            "cognito" CognitoUserPool => CognitoEventUserPoolsPreTokenGen,
        }
    };
}
// Read by `events/`, which the `events` feature brings.
#[cfg_attr(not(feature = "events"), allow(unused_imports))]
pub(crate) use also_table;

/// `Json<T>` per record: each record's payload (where it is in the record) decoded as `T`.
macro_rules! json_per_record_table {
    ($callback:ident) => {
        $callback! {
            Sqs => SQS, At::Text(&["body"]);
            Sns => SNS, At::Text(&["Sns", "Message"]);
            Kinesis => KINESIS, At::Base64(&["kinesis", "data"]);
            KinesisFirehose => FIREHOSE, At::Base64(&["data"]);
            Kafka => KAFKA, At::Base64(&["value"]);
            SelfManagedKafka => KAFKA, At::Base64(&["value"]);
            ActiveMq => ACTIVEMQ, At::Base64(&["data"]);
            RabbitMq => RABBITMQ, At::Base64(&["data"]);
        }
    };
}
// Read by `events/`, which the `events` feature brings.
#[cfg_attr(not(feature = "events"), allow(unused_imports))]
pub(crate) use json_per_record_table;

/// `Json<T>` for the whole event: its payload (where it is in the event) decoded as `T`.
macro_rules! json_whole_table {
    ($callback:ident) => {
        $callback! {
            GcpPubSub => At::Base64(&["message", "data"]);
            GcpBackground => At::Json(&["data"]);
            EventBridge => At::Json(&["detail"]);
            CloudEvents => At::Json(&["data"]);
            ApiGateway => At::Body;
            ApiGatewayV2 => At::Body;
            LambdaUrl => At::Body;
            Alb => At::Body;
            VpcLattice => At::Body;
        }
    };
}
// Read by `events/`, which the `events` feature brings.
#[cfg_attr(not(feature = "events"), allow(unused_imports))]
pub(crate) use json_whole_table;

/// `EventGridEvent<T>`, one event at a time.
macro_rules! event_grid_table {
    ($callback:ident) => {
        $callback!(AzureEventGrid, AzureEventGridValidation);
    };
}
// Read by `events/`, which the `events` feature brings.
#[cfg_attr(not(feature = "events"), allow(unused_imports))]
pub(crate) use event_grid_table;

/// How a handler taking a type receives a kind's events.
///
/// ```
/// use cloud_events_core::{Kind, Receives};
/// let sqs = Kind::Sqs.delivers();
/// assert_eq!((sqs[0].ty, sqs[0].receives), ("SqsEvent", Receives::WholeEvent));
/// assert_eq!((sqs[1].ty, sqs[1].receives), ("SqsMessage", Receives::EachRecord));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receives {
    /// Called once with the whole event.
    WholeEvent,
    /// Called once per record (message, log event, ...) of the event.
    EachRecord,
}

/// A type a kind delivers to its handlers, as written in a handler's signature (type
/// parameters as `T`).
///
/// ```
/// use cloud_events_core::{Delivered, Kind, Receives};
/// let sqs = Kind::Sqs.delivers();
/// assert!(sqs.contains(&Delivered { ty: "SqsMessage", receives: Receives::EachRecord }));
/// assert!(sqs.contains(&Delivered { ty: "SqsEvent", receives: Receives::WholeEvent }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// The type, for example `SqsMessage` or `Json<T>`.
    pub ty: &'static str,
    /// Whether a handler taking it gets the whole event or each record.
    pub receives: Receives,
}

macro_rules! record_rows {
    ($($feature:literal $marker:ident => $record:ty, $shape:ident, $identity:expr;)*) => {
        const RECORDS: &[(Kind, &str, &str)] = &[$((Kind::$marker, stringify!($record), $feature)),*];
    };
}
records_table!(record_rows);

macro_rules! also_rows {
    ($($feature:literal $marker:ident => $ty:ty),* $(,)?) => {
        const ALSO: &[(Kind, &str, &str)] = &[$((Kind::$marker, stringify!($ty), $feature)),*];
    };
}
also_table!(also_rows);

macro_rules! json_each_rows {
    ($($marker:ident => $shape:ident, $at:expr;)*) => {
        const JSON_EACH: &[Kind] = &[$(Kind::$marker),*];
    };
}
json_per_record_table!(json_each_rows);

macro_rules! json_whole_rows {
    ($($marker:ident => $at:expr;)*) => {
        const JSON_WHOLE: &[Kind] = &[$(Kind::$marker),*];
    };
}
json_whole_table!(json_whole_rows);

macro_rules! event_grid_rows {
    ($($marker:ident),*) => {
        const EVENT_GRID: &[Kind] = &[$(Kind::$marker),*];
    };
}
event_grid_table!(event_grid_rows);

/// Deliveries whose `EventOf` impls are written by hand in `events/` (a test in
/// `events/envelope.rs` checks that each exists).
pub(crate) const BY_HAND: &[(Kind, &str, Receives)] = &[
    (Kind::CloudWatchLogs, "Json<T>", Receives::EachRecord),
    (Kind::DynamoDb, "DynamoDbChange<T>", Receives::EachRecord),
];

impl Kind {
    /// Every type a handler of this kind can take, the kinds table's own first, with how it
    /// receives the events; `RawEvent` and `serde_json::Value` (any kind, whole) are not
    /// listed.
    ///
    /// ```
    /// use cloud_events_core::Kind;
    /// let types: Vec<&str> = Kind::Sqs.delivers().iter().map(|d| d.ty).collect();
    /// assert_eq!(types, ["SqsEvent", "SqsMessage", "Json<T>"]);
    /// let types: Vec<&str> = Kind::EventBridge.delivers().iter().map(|d| d.ty).collect();
    /// assert_eq!(types, ["EventBridgeEvent<T>", "Json<T>"]);
    /// ```
    pub fn delivers(self) -> Vec<Delivered> {
        let mut all = Vec::new();
        let mut add = |ty: &'static str, receives: Receives| {
            if !all
                .iter()
                .any(|d: &Delivered| d.ty == ty && d.receives == receives)
            {
                all.push(Delivered { ty, receives });
            }
        };
        let main = if EVENT_GRID.contains(&self) {
            Receives::EachRecord
        } else {
            Receives::WholeEvent
        };
        add(self.event_type(), main);
        for (kind, ty, _) in RECORDS {
            if *kind == self {
                add(ty, Receives::EachRecord);
            }
        }
        for (kind, ty, _) in ALSO {
            if *kind == self {
                add(ty, Receives::WholeEvent);
            }
        }
        if JSON_EACH.contains(&self) {
            add("Json<T>", Receives::EachRecord);
        }
        if JSON_WHOLE.contains(&self) {
            add("Json<T>", Receives::WholeEvent);
        }
        for (kind, ty, receives) in BY_HAND {
            if *kind == self {
                add(ty, *receives);
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_delivers_its_own_type_first_and_no_type_twice() {
        for kind in Kind::ALL {
            let delivers = kind.delivers();
            assert_eq!(delivers[0].ty, kind.event_type());
            for (i, one) in delivers.iter().enumerate() {
                assert!(!delivers[i + 1..].contains(one), "{kind}: {one:?} twice");
            }
        }
        let each: Vec<&str> = Kind::AzureEventGrid.delivers().iter().map(|d| d.ty).collect();
        assert_eq!(each, ["EventGridEvent<T>"]);
        assert_eq!(Kind::AzureEventGrid.delivers()[0].receives, Receives::EachRecord);
    }

    #[test]
    fn each_delivered_type_needs_the_feature_of_its_kind() {
        for (kind, ty, feature) in RECORDS.iter().chain(ALSO) {
            assert_eq!(kind.feature(), Some(*feature), "{kind}: {ty}");
        }
        for (kind, ty, _) in BY_HAND {
            assert!(
                kind.feature().is_some(),
                "{kind}: {ty} is gated by its kind's feature"
            );
        }
    }
}
