//! Typed events: the `aws_lambda_events` types each kind delivers, our own types for the kinds
//! that crate lacks, and [`RawEvent`], the undecoded JSON every kind accepts.
//!
//! ```
//! use cloud_events_core::{Kind, RawEvent, events::S3Event};
//! let event: S3Event = RawEvent::new(Kind::S3.sample()).decode_json().unwrap();
//! assert_eq!(event.records[0].s3.object.key.as_deref(), Some("2026/11/invoice-000731.pdf"));
//! ```

mod alexa;
pub(crate) mod cloud_providers;
mod cloudfront;
mod cloudwatch_widget;
#[cfg(feature = "cognito")]
mod cognito_userpool;
mod envelope;
mod eventbridge;
mod iot_events;
mod iot_provisioning;
mod lex_v2;
mod of_kind;
pub(crate) mod records;
mod sagemaker;
mod workmail;

pub use crate::raw::{DecodeError, RawEvent};
pub use alexa::AlexaEvent;
pub use cloud_providers::{
    AzureFunctionsRequest, EventGridEvent, GcpBackgroundEvent, GcpEventContext, PubSubMessage,
    PubSubPushMessage, SubscriptionValidationData,
};
pub use cloudfront::{CloudFrontConfig, CloudFrontEvent, CloudFrontRecord, CloudFrontRecordBody};
pub use cloudwatch_widget::CloudWatchWidgetEvent;
#[cfg(feature = "cognito")]
pub use cognito_userpool::CognitoUserPoolEvent;
#[cfg(feature = "dynamodb")]
pub use envelope::DynamoDbChange;
pub use envelope::{Json, SnsNotification};
pub use eventbridge::EventBridgeEvent;
pub use iot_events::{IotEventsEvent, IotEventsEventBody};
pub use iot_provisioning::{IotPreProvisioningHookAnswer, IotPreProvisioningHookEvent};
pub use lex_v2::{LexV2Bot, LexV2Event};
pub use sagemaker::{
    GroundTruthAnnotationContent, GroundTruthConsolidatedAnnotation, GroundTruthConsolidationEvent,
    GroundTruthPayload, GroundTruthPreAnnotationAnswer, GroundTruthPreAnnotationEvent,
};
pub use workmail::{
    WorkMailAction, WorkMailActionType, WorkMailAddress, WorkMailDisposition, WorkMailEnvelope,
    WorkMailEvent, WorkMailRecipientsAction,
};

pub use crate::cloudevent::CloudEvent;
#[cfg(feature = "activemq")]
pub use aws_lambda_events::event::activemq::{ActiveMqEvent, ActiveMqMessage};
#[cfg(feature = "alb")]
pub use aws_lambda_events::event::alb::AlbTargetGroupRequest;
#[cfg(feature = "apigw")]
pub use aws_lambda_events::event::apigw::{
    ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayProxyRequest,
    ApiGatewayV2CustomAuthorizerV1Request, ApiGatewayV2CustomAuthorizerV2Request, ApiGatewayV2httpRequest,
    ApiGatewayWebsocketProxyRequest,
};
#[cfg(feature = "appsync")]
pub use aws_lambda_events::event::appsync::{
    AppSyncDirectResolverEvent, AppSyncLambdaAuthorizerRequest, AppSyncResolverTemplate,
};
#[cfg(feature = "bedrock_agent_runtime")]
pub use aws_lambda_events::event::bedrock_agent_runtime::AgentEvent;
#[cfg(feature = "clientvpn")]
pub use aws_lambda_events::event::clientvpn::ClientVpnConnectionHandlerRequest;
#[cfg(feature = "cloudformation")]
pub use aws_lambda_events::event::cloudformation::CloudFormationCustomResourceRequest;
#[cfg(feature = "cloudwatch_alarms")]
pub use aws_lambda_events::event::cloudwatch_alarms::CloudWatchAlarm;
#[cfg(feature = "cloudwatch_logs")]
pub use aws_lambda_events::event::cloudwatch_logs::LogsEvent;
#[cfg(feature = "code_commit")]
pub use aws_lambda_events::event::code_commit::CodeCommitEvent;
#[cfg(feature = "codedeploy")]
pub use aws_lambda_events::event::codedeploy::CodeDeployLifecycleEvent;
#[cfg(feature = "codepipeline_job")]
pub use aws_lambda_events::event::codepipeline_job::CodePipelineJobEvent;
#[cfg(feature = "cognito")]
pub use aws_lambda_events::event::cognito::{
    CognitoEvent, CognitoEventUserPoolsPostAuthentication, CognitoEventUserPoolsPostConfirmation,
    CognitoEventUserPoolsPreAuthentication, CognitoEventUserPoolsPreSignup, CognitoEventUserPoolsPreTokenGen,
};
#[cfg(feature = "config")]
pub use aws_lambda_events::event::config::ConfigEvent;
#[cfg(feature = "connect")]
pub use aws_lambda_events::event::connect::ConnectEvent;
#[cfg(feature = "documentdb")]
pub use aws_lambda_events::event::documentdb::DocumentDbEvent;
#[cfg(feature = "dynamodb")]
pub use aws_lambda_events::event::dynamodb::{Event as DynamoDbEvent, EventRecord as DynamoDbEventRecord};
#[cfg(feature = "firehose")]
pub use aws_lambda_events::event::firehose::{KinesisFirehoseEvent, KinesisFirehoseEventRecord};
#[cfg(feature = "iot")]
pub use aws_lambda_events::event::iot::IoTCoreCustomAuthorizerRequest;
#[cfg(feature = "iot_1_click")]
pub use aws_lambda_events::event::iot_1_click::IoTOneClickEvent;
#[cfg(feature = "iot_button")]
pub use aws_lambda_events::event::iot_button::IoTButtonEvent;
#[cfg(feature = "kafka")]
pub use aws_lambda_events::event::kafka::{KafkaEvent, KafkaRecord};
#[cfg(feature = "kinesis")]
pub use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
#[cfg(feature = "lambda_function_urls")]
pub use aws_lambda_events::event::lambda_function_urls::LambdaFunctionUrlRequest;
#[cfg(feature = "lex")]
pub use aws_lambda_events::event::lex::LexEvent;
#[cfg(feature = "rabbitmq")]
pub use aws_lambda_events::event::rabbitmq::{RabbitMqEvent, RabbitMqMessage};
#[cfg(feature = "s3")]
pub use aws_lambda_events::event::s3::batch_job::S3BatchJobEvent;
#[cfg(feature = "s3")]
pub use aws_lambda_events::event::s3::object_lambda::S3ObjectLambdaEvent;
#[cfg(feature = "s3")]
pub use aws_lambda_events::event::s3::{S3Event, S3EventRecord};
#[cfg(feature = "secretsmanager")]
pub use aws_lambda_events::event::secretsmanager::SecretsManagerSecretRotationEvent;
#[cfg(feature = "ses")]
pub use aws_lambda_events::event::ses::SimpleEmailEvent;
#[cfg(feature = "sns")]
pub use aws_lambda_events::event::sns::{CloudWatchAlarmPayload, SnsEvent, SnsMessage, SnsRecord};
#[cfg(feature = "sqs")]
pub use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
#[cfg(feature = "vpc_lattice")]
pub use aws_lambda_events::event::vpc_lattice::{VpcLatticeRequestV1, VpcLatticeRequestV2};

use crate::batch::Delivery;
use crate::kinds::{KindMarker, marker};
use serde::de::DeserializeOwned;

/// A type that the kind `K` delivers to its handlers, and how to decode it.
///
/// The kinds table implements it for the type each kind delivers; [`RawEvent`] and
/// `serde_json::Value` fit every kind. `#[on_event("...")]` checks a handler's event parameter
/// against this trait, so a type that does not fit is a compile error at the parameter.
///
/// ```
/// use cloud_events_core::events::{EventOf, S3Event};
/// use cloud_events_core::{Kind, RawEvent, kinds::marker};
/// let event = RawEvent::new(Kind::S3.sample());
/// let s3 = <S3Event as EventOf<marker::S3>>::decode(&event).unwrap();
/// assert_eq!(s3.records[0].event_name.as_deref(), Some("ObjectCreated:Put"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an event type the handler's route key delivers",
    label = "not delivered by the route key in the attribute",
    note = "each route key delivers the types listed in the guide's kinds table (`cloud_events_lambda::_guide::kinds`, or `Kind::delivers`), with its kind's Cargo feature on (`Kind::feature`); `RawEvent` and `serde_json::Value` take every event"
)]
pub trait EventOf<K: KindMarker>: Sized {
    /// Whether a handler taking this type is called once per record of a batch (and so has its
    /// `when` condition checked against each record).
    ///
    /// ```
    /// use cloud_events_core::events::{EventOf, SqsEvent, SqsMessage};
    /// use cloud_events_core::kinds::marker::Sqs;
    /// assert!(!<SqsEvent as EventOf<Sqs>>::PER_RECORD);
    /// assert!(<SqsMessage as EventOf<Sqs>>::PER_RECORD);
    /// ```
    const PER_RECORD: bool = false;

    /// Decodes the event from its JSON.
    ///
    /// ```
    /// use cloud_events_core::events::EventOf;
    /// use cloud_events_core::{Kind, RawEvent, kinds::marker};
    /// let event = RawEvent::new(Kind::Sqs.sample());
    /// let value = <serde_json::Value as EventOf<marker::Sqs>>::decode(&event).unwrap();
    /// assert_eq!(value["Records"][0]["eventSource"], "aws:sqs");
    /// ```
    fn decode(event: &RawEvent) -> Result<Self, DecodeError>;

    /// What a handler taking this type receives: the whole event, or (for record types such as
    /// `SqsMessage`) each record of the batch.
    ///
    /// ```
    /// use cloud_events_core::batch::Delivery;
    /// use cloud_events_core::events::{EventOf, SqsMessage};
    /// use cloud_events_core::{Kind, RawEvent, kinds::marker};
    /// let event = RawEvent::new(Kind::Sqs.sample());
    /// let Ok(Delivery::Records(batch)) = <SqsMessage as EventOf<marker::Sqs>>::deliver(&event) else {
    ///     panic!("SQS messages are delivered one by one");
    /// };
    /// assert_eq!(batch.records.len(), 2);
    /// assert_eq!(batch.records[0].id.as_deref(), Some("5f1c3d0e-8a9b-4c2d-9e7f-1a2b3c4d5e6f"));
    /// ```
    fn deliver(event: &RawEvent) -> Result<Delivery<Self>, DecodeError> {
        Self::decode(event).map(Delivery::Whole)
    }
}

/// Types that a default handler (`#[on_event(default)]`) can receive: the event may be of any
/// kind or none.
///
/// ```
/// use cloud_events_core::{RawEvent, events::AnyEvent};
/// let event = RawEvent::new(r#"{"anything":true}"#);
/// let value = serde_json::Value::decode_any(&event).unwrap();
/// assert_eq!(value["anything"], true);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive unmatched events",
    label = "a default handler receives events of any kind",
    note = "take `RawEvent` or `serde_json::Value`"
)]
pub trait AnyEvent: Sized {
    /// Decodes the event from its JSON.
    ///
    /// ```
    /// use cloud_events_core::{RawEvent, events::AnyEvent};
    /// let event = RawEvent::new("[1, 2, 3]");
    /// assert_eq!(RawEvent::decode_any(&event).unwrap(), event);
    /// ```
    fn decode_any(event: &RawEvent) -> Result<Self, DecodeError>;
}

impl<K: KindMarker> EventOf<K> for RawEvent {
    fn decode(event: &RawEvent) -> Result<Self, DecodeError> {
        event.checked_clone()
    }
}

impl<K: KindMarker> EventOf<K> for serde_json::Value {
    fn decode(event: &RawEvent) -> Result<Self, DecodeError> {
        event.decode_json()
    }
}

impl AnyEvent for RawEvent {
    fn decode_any(event: &RawEvent) -> Result<Self, DecodeError> {
        event.checked_clone()
    }
}

impl AnyEvent for serde_json::Value {
    fn decode_any(event: &RawEvent) -> Result<Self, DecodeError> {
        event.decode_json()
    }
}

impl<T: DeserializeOwned> EventOf<marker::CloudEvents> for CloudEvent<T> {
    fn decode(event: &RawEvent) -> Result<Self, DecodeError> {
        CloudEvent::from_event(event).map_err(|e| DecodeError::new::<Self>(e.to_string()))
    }
}

impl<T: DeserializeOwned> CloudEvent<T> {
    /// The CloudEvent an event holds, with `data` decoded into `T`: read once for the event
    /// and all its decoders (the dispatcher's classifier has read and checked its
    /// attributes already, see [`crate::classify_event`]; only `data` is decoded here).
    ///
    /// ```
    /// use cloud_events_core::{CloudEvent, Kind, RawEvent, classify_event};
    /// let event = RawEvent::new(Kind::CloudEvents.sample());
    /// let classification = classify_event(&event).unwrap(); // reads the attributes once
    /// let order: CloudEvent = CloudEvent::from_event(&event).unwrap();
    /// assert_eq!(Some(order.source.as_str()), classification.source());
    /// assert_eq!(order.data.unwrap()["total"], 129.5);
    /// ```
    pub fn from_event(event: &RawEvent) -> Result<Self, crate::CloudEventError> {
        let json = event.json().as_bytes();
        let read = match event.take_cloudevent() {
            Some(read) => read,
            None => crate::cloudevent::read_structured(json)?,
        };
        let decoded = read.decode_data(json)?;
        event.read_whole();
        Ok(decoded)
    }
}

/// Kinds that deliver more than one type: the table names the usual one, these are the rest.
macro_rules! also_delivers {
    ($($feature:literal $marker:ident => $ty:ty),* $(,)?) => {
        $(#[cfg(feature = $feature)]
        impl EventOf<marker::$marker> for $ty {
            #[inline]
            fn decode(event: &RawEvent) -> Result<Self, DecodeError> {
                event.decode_json()
            }
        })*
    };
}

crate::delivered::also_table!(also_delivers);
