//! The kinds table: every kind of event the framework recognises, in one place.
//!
//! Each row gives a kind its route key, the marker fields that identify it, the typed event
//! it delivers and the rule that detects it. The classifier walks the rows in order and the
//! first rule that holds wins; the macros check route keys against [`Kind::ALL`]; `APP routes`
//! and the guide's kinds table are produced from it. There is no second list anywhere.
//!
//! This file is longer than the others because it is the table: about 450 of its lines are
//! rows, one per kind, and splitting them would make a second list.
//!
//! ```
//! use cloud_events_core::kinds::Kind;
//! assert_eq!(Kind::ALL[0].key(), "cloudevents"); // the first row: tried first
//! assert_eq!(Kind::from_key("aws.sqs"), Some(Kind::Sqs));
//! assert!(Kind::ALL.iter().all(|kind| Kind::from_key(kind.key()) == Some(*kind)));
//! ```

/// A type-level name for one kind, used to check at compile time that a handler's event
/// parameter is a type that kind delivers.
///
/// ```
/// use cloud_events_core::{Kind, KindMarker, kinds::marker};
/// assert_eq!(<marker::S3 as KindMarker>::KIND, Kind::S3);
/// assert_eq!(Kind::S3.marker_type(), "S3");
/// ```
pub trait KindMarker: 'static {
    /// The kind this marker stands for.
    ///
    /// ```
    /// use cloud_events_core::{KindMarker, kinds::marker};
    /// fn route_key<K: KindMarker>() -> &'static str {
    ///     K::KIND.key()
    /// }
    /// assert_eq!(route_key::<marker::Sqs>(), "aws.sqs");
    /// ```
    const KIND: Kind;
}

/// The marker for handlers registered with `#[on_event(default)]`: they receive whatever no
/// other handler matched, including JSON that is no known kind.
///
/// ```
/// use cloud_events_core::{KindMarker, kinds::{Unmatched, marker}};
/// // A kind's marker names its kind; the default handlers' names none.
/// assert_eq!(<marker::S3 as KindMarker>::KIND.key(), "aws.s3");
/// let _default: Unmatched = marker::Unmatched;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Unmatched;

macro_rules! kinds {
    ($d:tt $(
        $(#[doc = $doc:literal])+
        $variant:ident = $key:literal {
            title: $title:literal,
            marker: $marker:literal,
            event: $gen:tt $ty:ty,
            $(feature: $feature:literal,)?
            $(decode: $manual:ident,)?
            $(arrays: $arrays:literal,)?
            detect: |$p:ident| $detect:expr $(,)?
        }
    )*) => {
        /// A kind of event, one per row of the kinds table.
        ///
        /// ```
        /// use cloud_events_core::{classify, Kind};
        /// let kind = classify(Kind::Sqs.sample().as_bytes()).unwrap().kind().unwrap();
        /// assert_eq!(kind, Kind::Sqs);
        /// assert_eq!(kind.to_string(), "aws.sqs"); // `Display` is the route key
        /// assert_eq!(Kind::from_key("aws.sqs"), Some(kind));
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Kind {
            $( $(#[doc = $doc])+ $variant, )*
        }

        impl Kind {
            /// Every kind, in the order the classifier tries them.
            ///
            /// ```
            /// use cloud_events_core::Kind;
            /// assert_eq!(Kind::ALL[0], Kind::CloudEvents); // `specversion` is tried first
            /// assert!(Kind::ALL.contains(&Kind::S3));
            /// ```
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// The route key, as written in `#[on_event("...")]`.
            ///
            /// ```
            /// use cloud_events_core::Kind;
            /// assert_eq!(Kind::S3.key(), "aws.s3");
            /// assert_eq!(Kind::SelfManagedKafka.key(), "aws.kafka.selfmanaged");
            /// ```
            pub const fn key(self) -> &'static str {
                match self { $(Kind::$variant => $key,)* }
            }

            /// A short human name for the kind.
            ///
            /// ```
            /// use cloud_events_core::Kind;
            /// assert_eq!(Kind::S3.title(), "Amazon S3 notification");
            /// assert_eq!(Kind::EventBridge.title(), "EventBridge event (any source)");
            /// ```
            pub const fn title(self) -> &'static str {
                match self { $(Kind::$variant => $title,)* }
            }

            /// The marker fields that identify this kind, in words.
            ///
            /// ```
            /// use cloud_events_core::Kind;
            /// assert_eq!(Kind::S3.marker(), "`Records[0].eventSource` is `aws:s3`");
            /// assert_eq!(Kind::CloudWatchLogs.marker(), "`awslogs.data`");
            /// ```
            pub const fn marker(self) -> &'static str {
                match self { $(Kind::$variant => $marker,)* }
            }

            /// The Rust type a handler of this kind receives (as written in the docs).
            ///
            /// ```
            /// use cloud_events_core::Kind;
            /// assert_eq!(Kind::S3.event_type(), "S3Event");
            /// assert_eq!(Kind::EventBridge.event_type(), "EventBridgeEvent<T>");
            /// ```
            pub const fn event_type(self) -> &'static str {
                match self { $(Kind::$variant => stringify!($ty),)* }
            }

            /// The name of the kind's marker type in [`marker`].
            ///
            /// ```
            /// use cloud_events_core::{Kind, KindMarker, kinds::marker};
            /// assert_eq!(Kind::EventBridge.marker_type(), "EventBridge");
            /// assert_eq!(<marker::EventBridge as KindMarker>::KIND, Kind::EventBridge);
            /// ```
            pub const fn marker_type(self) -> &'static str {
                match self { $(Kind::$variant => stringify!($variant),)* }
            }

            /// A realistic sample event of this kind (written for this project), as
            /// `APP sample KEY` prints it.
            ///
            /// ```
            /// use cloud_events_core::{classify, Kind};
            /// let sample = Kind::S3.sample();
            /// assert!(sample.contains("acme-invoices-prod"));
            /// assert_eq!(classify(sample.as_bytes()).unwrap().kind(), Some(Kind::S3));
            /// ```
            pub const fn sample(self) -> &'static str {
                match self { $(Kind::$variant => include_str!(concat!("../samples/", $key, ".json")),)* }
            }

            /// Whether a top-level JSON array of such events is itself this kind.
            ///
            /// ```
            /// use cloud_events_core::{classify, Kind};
            /// assert!(Kind::AzureEventGrid.accepts_arrays());
            /// assert!(Kind::AzureEventGrid.sample().trim_start().starts_with('['));
            /// assert_eq!(classify(Kind::AzureEventGrid.sample().as_bytes()).unwrap().kind(), Some(Kind::AzureEventGrid));
            /// assert!(!Kind::S3.accepts_arrays());
            /// ```
            pub const fn accepts_arrays(self) -> bool {
                match self { $(Kind::$variant => false $(|| $arrays)?,)* }
            }

            /// The Cargo feature of `cloud-events-lambda` (and of `cloud-events-core`) that
            /// compiles this kind's typed events, for the kinds whose types come from
            /// `aws_lambda_events` (the feature is named as that crate names it). All are on by
            /// default; without it the kind still classifies and routes, and its handlers take
            /// [`RawEvent`](crate::RawEvent), `serde_json::Value` or a payload envelope.
            ///
            /// ```
            /// use cloud_events_core::Kind;
            /// assert_eq!(Kind::S3.feature(), Some("s3"));
            /// assert_eq!(Kind::S3Batch.feature(), Some("s3"));
            /// assert_eq!(Kind::ApiGatewayV2.feature(), Some("apigw"));
            /// assert_eq!(Kind::EventBridge.feature(), None); // our own type: always there
            /// ```
            pub const fn feature(self) -> Option<&'static str> {
                // The row's feature if it names one, else `None`.
                match self { $(Kind::$variant => [$(Some($feature),)? None][0],)* }
            }
        }

        /// Marker types, one per kind (see [`KindMarker`]): the kinds as types, which the
        /// macros' compile-time checks name (a handler's event type must be one its kind
        /// delivers).
        ///
        /// ```
        /// use cloud_events_core::{Kind, KindMarker, kinds::marker};
        /// fn key<K: KindMarker>() -> &'static str { K::KIND.key() }
        /// assert_eq!(key::<marker::Sqs>(), "aws.sqs");
        /// assert_eq!(<marker::CloudEvents as KindMarker>::KIND, Kind::CloudEvents);
        /// ```
        pub mod marker {
            pub use super::Unmatched;
            $(
                #[doc = concat!("Marker for the `", $key, "` kind.")]
                #[doc = ""]
                #[doc = "```"]
                #[doc = "use cloud_events_core::{Kind, KindMarker, kinds::marker};"]
                #[doc = concat!("assert_eq!(<marker::", stringify!($variant), " as KindMarker>::KIND.key(), \"", $key, "\");")]
                #[doc = "```"]
                #[derive(Debug, Clone, Copy)]
                pub struct $variant;
                impl super::KindMarker for $variant {
                    const KIND: super::Kind = super::Kind::$variant;
                }
            )*
        }

        /// The table itself, handed row by row to `$callback!`: the kinds' detection rules
        /// in `markers.rs`, the typed events they deliver in `events/of_kind.rs`. Each reads
        /// the part of a row it needs. (`$d` is a `$`, passed in so that this macro, written
        /// by `kinds!`, can name its own arguments.)
        #[cfg_attr(not(feature = "events"), allow(unused_macros))]
        macro_rules! kinds_table {
            ($d callback:ident) => {
                $d callback! {
                    $(
                        $(#[doc = $doc])+
                        $variant = $key {
                            title: $title,
                            marker: $marker,
                            event: $gen $ty,
                            $(feature: $feature,)?
                            $(decode: $manual,)?
                            $(arrays: $arrays,)?
                            detect: |$p| $detect,
                        }
                    )*
                }
            };
        }
        // Read by `markers.rs` and `events/of_kind.rs`, which the `events` feature brings.
        #[cfg_attr(not(feature = "events"), allow(unused_imports))]
        pub(crate) use kinds_table;
    };
}

kinds! {
    $
    /// A structured-mode CloudEvent (spec 1.0 or 0.3).
    CloudEvents = "cloudevents" {
        title: "CloudEvent (structured JSON)",
        marker: "`specversion` (with `id`, `source`, `type`)",
        event: [T] CloudEvent<T>,
        decode: by_hand,
        detect: |p| p.specversion,
    }
    /// Amazon S3 event notification.
    S3 = "aws.s3" {
        title: "Amazon S3 notification",
        marker: "`Records[0].eventSource` is `aws:s3`",
        event: [] S3Event,
        feature: "s3",
        detect: |p| p.record_source("aws:s3"),
    }
    /// Amazon SQS messages.
    Sqs = "aws.sqs" {
        title: "Amazon SQS messages",
        marker: "`Records[0].eventSource` is `aws:sqs`",
        event: [] SqsEvent,
        feature: "sqs",
        detect: |p| p.record_source("aws:sqs"),
    }
    /// Amazon SNS notification.
    Sns = "aws.sns" {
        title: "Amazon SNS notification",
        marker: "`Records[0].EventSource` is `aws:sns`",
        event: [] SnsEvent,
        feature: "sns",
        detect: |p| p.record_source("aws:sns"),
    }
    /// DynamoDB Streams records.
    DynamoDb = "aws.dynamodb" {
        title: "DynamoDB Streams records",
        marker: "`Records[0].eventSource` is `aws:dynamodb`",
        event: [] DynamoDbEvent,
        feature: "dynamodb",
        detect: |p| p.record_source("aws:dynamodb"),
    }
    /// Kinesis Data Streams records.
    Kinesis = "aws.kinesis" {
        title: "Kinesis Data Streams records",
        marker: "`Records[0].eventSource` is `aws:kinesis`",
        event: [] KinesisEvent,
        feature: "kinesis",
        detect: |p| p.record_source("aws:kinesis"),
    }
    /// Amazon SES receipt.
    Ses = "aws.ses" {
        title: "Amazon SES email receipt",
        marker: "`Records[0].eventSource` is `aws:ses`",
        event: [] SimpleEmailEvent,
        feature: "ses",
        detect: |p| p.record_source("aws:ses"),
    }
    /// AWS CodeCommit trigger.
    CodeCommit = "aws.codecommit" {
        title: "AWS CodeCommit trigger",
        marker: "`Records[0].eventSource` is `aws:codecommit`",
        event: [] CodeCommitEvent,
        feature: "code_commit",
        detect: |p| p.record_source("aws:codecommit"),
    }
    /// CloudFront Lambda@Edge request or response.
    CloudFront = "aws.cloudfront" {
        title: "CloudFront Lambda@Edge",
        marker: "`Records[0].cf`",
        event: [] CloudFrontEvent,
        detect: |p| p.record_cf,
    }
    /// Amazon MSK (Kafka) records.
    Kafka = "aws.kafka" {
        title: "Amazon MSK (Kafka) records",
        marker: "`eventSource` is `aws:kafka`, with `records`",
        event: [] KafkaEvent,
        feature: "kafka",
        detect: |p| p.has.records && p.event_source_is("aws:kafka"),
    }
    /// Self-managed Apache Kafka records.
    SelfManagedKafka = "aws.kafka.selfmanaged" {
        title: "Self-managed Kafka records",
        marker: "`eventSource` is `SelfManagedKafka` or `aws:SelfManagedKafka`, with `records`",
        event: [] KafkaEvent,
        feature: "kafka",
        detect: |p| p.has.records
            && (p.event_source_is("SelfManagedKafka") || p.event_source_is("aws:SelfManagedKafka")),
    }
    /// Amazon MQ for ActiveMQ messages.
    ActiveMq = "aws.mq" {
        title: "Amazon MQ (ActiveMQ) messages",
        marker: "`eventSource` is `aws:mq` (or `aws:amq`), with `messages`",
        event: [] ActiveMqEvent,
        feature: "activemq",
        detect: |p| p.has.messages && (p.event_source_is("aws:mq") || p.event_source_is("aws:amq")),
    }
    /// Amazon MQ for RabbitMQ messages.
    RabbitMq = "aws.rmq" {
        title: "Amazon MQ (RabbitMQ) messages",
        marker: "`eventSource` is `aws:rmq`, with `rmqMessagesByQueue`",
        event: [] RabbitMqEvent,
        feature: "rabbitmq",
        detect: |p| p.has.rmq_messages_by_queue && p.event_source_is("aws:rmq"),
    }
    /// Amazon DocumentDB change stream events.
    DocumentDb = "aws.docdb" {
        title: "Amazon DocumentDB change stream",
        marker: "`eventSource` is `aws:docdb`, with `events`",
        event: [] DocumentDbEvent,
        feature: "documentdb",
        detect: |p| p.has.events && p.event_source_is("aws:docdb"),
    }
    /// Kinesis Data Firehose transformation records.
    KinesisFirehose = "aws.kinesis.firehose" {
        title: "Data Firehose transformation",
        marker: "`records` with `deliveryStreamArn` or `invocationId`",
        event: [] KinesisFirehoseEvent,
        feature: "firehose",
        detect: |p| p.has.records && (p.has.delivery_stream_arn || p.has.invocation_id),
    }
    /// CloudWatch alarm action invoking Lambda directly.
    CloudWatchAlarm = "aws.cloudwatch.alarm" {
        title: "CloudWatch alarm action",
        marker: "`source` is `aws.cloudwatch`, with `alarmData`",
        event: [] CloudWatchAlarm,
        feature: "cloudwatch_alarms",
        detect: |p| p.has.alarm_data && p.source.as_deref() == Some("aws.cloudwatch"),
    }
    /// EventBridge (CloudWatch Events) event of any source.
    EventBridge = "aws.events" {
        title: "EventBridge event (any source)",
        marker: "`source` + `detail-type` + `detail`",
        event: [T] EventBridgeEvent<T>,
        detect: |p| p.source.is_some() && p.detail_type.is_some() && p.has.detail,
    }
    /// CloudWatch Logs subscription.
    CloudWatchLogs = "aws.logs" {
        title: "CloudWatch Logs subscription",
        marker: "`awslogs.data`",
        event: [] LogsEvent,
        feature: "cloudwatch_logs",
        detect: |p| p.awslogs_data,
    }
    /// Amazon Lex (V1) bot event.
    Lex = "aws.lex" {
        title: "Amazon Lex V1",
        marker: "`bot` + `outputDialogMode` + `currentIntent`",
        event: [] LexEvent,
        feature: "lex",
        detect: |p| p.has.bot && p.has.output_dialog_mode && p.has.current_intent,
    }
    /// Amazon Lex V2 bot event.
    LexV2 = "aws.lex.v2" {
        title: "Amazon Lex V2",
        marker: "`sessionState` + `interpretations`",
        event: [] LexV2Event,
        detect: |p| p.has.session_state && p.has.interpretations,
    }
    /// Cognito Sync trigger.
    Cognito = "aws.cognito" {
        title: "Cognito Sync trigger",
        marker: "`identityId` + `identityPoolId`",
        event: [] CognitoEvent,
        feature: "cognito",
        detect: |p| p.has.identity_id && p.has.identity_pool_id,
    }
    /// Cognito user pool trigger (any trigger source).
    CognitoUserPool = "aws.cognito.userpool" {
        title: "Cognito user pool trigger",
        marker: "`triggerSource` + `userPoolId`",
        event: [] CognitoUserPoolEvent,
        feature: "cognito",
        detect: |p| p.has.trigger_source && p.has.user_pool_id,
    }
    /// AWS Config custom rule evaluation.
    Config = "aws.config" {
        title: "AWS Config rule",
        marker: "`configRuleId`, or `invokingEvent` + `ruleParameters`",
        event: [] ConfigEvent,
        feature: "config",
        detect: |p| p.has.config_rule_id || (p.has.invoking_event && p.has.rule_parameters),
    }
    /// CloudFormation custom resource request.
    CloudFormation = "aws.cloudformation" {
        title: "CloudFormation custom resource",
        marker: "`RequestType` + `LogicalResourceId` + `StackId`",
        event: [] CloudFormationCustomResourceRequest,
        feature: "cloudformation",
        detect: |p| p.has.request_type && p.has.logical_resource_id && p.has.stack_id,
    }
    /// AWS IoT Events Lambda action.
    IotEvents = "aws.iotevents" {
        title: "AWS IoT Events action",
        marker: "`event.eventName`",
        event: [] IotEventsEvent,
        detect: |p| p.iot_event_name.is_some(),
    }
    /// API Gateway REST (v1) authorizer, TOKEN or REQUEST.
    ApiGatewayAuthorizer = "aws.apigateway.authorizer" {
        title: "API Gateway authorizer (REST)",
        marker: "`type` + `methodArn`",
        event: [] ApiGatewayCustomAuthorizerRequestTypeRequest,
        feature: "apigw",
        detect: |p| p.type_.is_some() && p.has.method_arn,
    }
    /// API Gateway HTTP API (v2) authorizer.
    ApiGatewayV2Authorizer = "aws.apigateway.v2.authorizer" {
        title: "API Gateway authorizer (HTTP API)",
        marker: "`type` + `routeArn`",
        event: [] ApiGatewayV2CustomAuthorizerV2Request,
        feature: "apigw",
        detect: |p| p.type_.is_some() && p.has.route_arn,
    }
    /// Application Load Balancer target request.
    Alb = "aws.alb" {
        title: "Application Load Balancer",
        marker: "`requestContext.elb`",
        event: [] AlbTargetGroupRequest,
        feature: "alb",
        detect: |p| p.context.elb,
    }
    /// API Gateway WebSocket request.
    ApiGatewayWebsocket = "aws.apigateway.websocket" {
        title: "API Gateway WebSocket",
        marker: "`requestContext.connectionId` + `requestContext.eventType`",
        event: [] ApiGatewayWebsocketProxyRequest,
        feature: "apigw",
        detect: |p| p.context.connection_id && p.context.event_type,
    }
    /// Lambda function URL request.
    LambdaUrl = "aws.lambda.url" {
        title: "Lambda function URL",
        marker: "`version` 2.0 + `requestContext.domainName` on `lambda-url` (with or without `routeKey`)",
        event: [] LambdaFunctionUrlRequest,
        feature: "lambda_function_urls",
        // Function URLs send `routeKey: "$default"`, but published samples omit it: the
        // domain decides, and no other kind has a `lambda-url` domain.
        detect: |p| p.version.as_deref() == Some("2.0") && p.has.request_context && p.context.lambda_url_domain,
    }
    /// API Gateway HTTP API (payload 2.0) request.
    ApiGatewayV2 = "aws.apigateway.v2" {
        title: "API Gateway HTTP API (2.0)",
        marker: "`version` 2.0 + `routeKey` + `requestContext`",
        event: [] ApiGatewayV2httpRequest,
        feature: "apigw",
        detect: |p| p.is_http_v2(),
    }
    /// API Gateway REST API proxy request.
    ApiGateway = "aws.apigateway" {
        title: "API Gateway REST API proxy",
        marker: "`httpMethod` + `requestContext`",
        event: [] ApiGatewayProxyRequest,
        feature: "apigw",
        detect: |p| p.has.http_method && p.has.request_context,
    }
    /// VPC Lattice request (v1 or v2).
    VpcLattice = "aws.vpclattice" {
        title: "VPC Lattice",
        marker: "`method` + `raw_path`, or `method` + `requestContext.serviceArn`",
        event: [] VpcLatticeRequestV2,
        feature: "vpc_lattice",
        detect: |p| p.has.method && (p.has.raw_path || p.context.service_arn),
    }
    /// AppSync Lambda authorizer.
    AppSyncAuthorizer = "aws.appsync.authorizer" {
        title: "AppSync authorizer",
        marker: "`authorizationToken` + `requestContext.apiId`",
        event: [] AppSyncLambdaAuthorizerRequest,
        feature: "appsync",
        detect: |p| p.has.authorization_token && p.context.api_id,
    }
    /// AppSync resolver (direct or batch).
    AppSync = "aws.appsync" {
        title: "AppSync resolver",
        marker: "`arguments` + `info` or `fieldName`, or `operation` `Invoke`/`BatchInvoke` (also a batch array)",
        event: [] AppSyncDirectResolverEvent,
        feature: "appsync",
        arrays: true,
        detect: |p| (p.has.arguments && (p.has.info || p.has.field_name))
            || (p.has.payload && matches!(p.operation.as_deref(), Some("Invoke" | "BatchInvoke"))),
    }
    /// S3 Batch Operations job task.
    S3Batch = "aws.s3.batch" {
        title: "S3 Batch Operations",
        marker: "`invocationSchemaVersion` + `job` + `tasks`",
        event: [] S3BatchJobEvent,
        feature: "s3",
        detect: |p| p.has.invocation_schema_version && p.has.job && p.has.tasks,
    }
    /// S3 Object Lambda access point request.
    S3ObjectLambda = "aws.s3.objectlambda" {
        title: "S3 Object Lambda",
        marker: "`configuration` + `getObjectContext` (or head/list contexts, or `userRequest`)",
        event: [] S3ObjectLambdaEvent,
        feature: "s3",
        detect: |p| p.has.configuration
            && (p.has.get_object_context || p.has.head_object_context || p.has.list_objects_context
                || p.has.list_objects_v2_context || p.has.user_request),
    }
    /// Secrets Manager rotation step.
    SecretsManager = "aws.secretsmanager" {
        title: "Secrets Manager rotation",
        marker: "`SecretId` + `ClientRequestToken` + `Step`",
        event: [] SecretsManagerSecretRotationEvent,
        feature: "secretsmanager",
        detect: |p| p.has.secret_id && p.has.client_request_token && p.has.step,
    }
    /// CodePipeline job.
    CodePipeline = "aws.codepipeline" {
        title: "CodePipeline job",
        marker: "`CodePipeline.job`",
        event: [] CodePipelineJobEvent,
        feature: "codepipeline_job",
        detect: |p| p.has.codepipeline_job,
    }
    /// CodeDeploy lifecycle hook.
    CodeDeployHook = "aws.codedeploy.hook" {
        title: "CodeDeploy lifecycle hook",
        marker: "`DeploymentId` + `LifecycleEventHookExecutionId`",
        event: [] CodeDeployLifecycleEvent,
        feature: "codedeploy",
        detect: |p| p.has.deployment_id && p.has.lifecycle_event_hook_execution_id,
    }
    /// Amazon Connect contact flow.
    Connect = "aws.connect" {
        title: "Amazon Connect contact flow",
        marker: "`Name` + `Details`",
        event: [] ConnectEvent,
        feature: "connect",
        detect: |p| p.has.name && p.has.details,
    }
    /// Bedrock agent action group.
    BedrockAgent = "aws.bedrock.agent" {
        title: "Bedrock agent action group",
        marker: "`messageVersion` + `agent` + `actionGroup`",
        event: [] AgentEvent,
        feature: "bedrock_agent_runtime",
        detect: |p| p.has.message_version && p.has.agent && p.has.action_group,
    }
    /// Azure Event Grid subscription validation handshake.
    AzureEventGridValidation = "azure.eventgrid.validation" {
        title: "Azure Event Grid subscription validation",
        marker: "Event Grid schema with `eventType` `Microsoft.EventGrid.SubscriptionValidationEvent` (also in an array)",
        event: [T] EventGridEvent<T>,
        decode: by_hand,
        arrays: true,
        detect: |p| p.is_event_grid()
            && p.event_type.as_deref() == Some("Microsoft.EventGrid.SubscriptionValidationEvent"),
    }
    /// Azure Event Grid event (Event Grid schema), single or in an array.
    AzureEventGrid = "azure.eventgrid" {
        title: "Azure Event Grid event",
        marker: "`eventType` + `eventTime` + `dataVersion` + `subject` (also an array of them)",
        event: [T] EventGridEvent<T>,
        decode: by_hand,
        arrays: true,
        detect: |p| p.is_event_grid(),
    }
    /// Google Cloud Pub/Sub push subscription message.
    GcpPubSub = "gcp.pubsub" {
        title: "Google Cloud Pub/Sub push",
        marker: "`message` + `subscription`",
        event: [] PubSubPushMessage,
        detect: |p| p.has.message && p.has.subscription,
    }
    /// Google Cloud Functions (1st gen) / Firebase background event.
    GcpBackground = "gcp.background" {
        title: "Google Cloud background function event",
        marker: "`context.eventId` + `context.eventType` + `data`",
        event: [] GcpBackgroundEvent,
        detect: |p| p.gcp_context.event_id && p.gcp_context.event_type.is_some() && p.has.data,
    }
    /// Azure Functions custom handler invocation (any trigger: Event Hubs, Service Bus, queues...).
    AzureFunctions = "azure.functions" {
        title: "Azure Functions custom handler",
        marker: "`Data` + `Metadata`",
        event: [] AzureFunctionsRequest,
        detect: |p| p.has.functions_data && p.has.functions_metadata,
    }
    /// Alexa skill or smart home request.
    Alexa = "aws.alexa" {
        title: "Alexa Skills Kit / Smart Home",
        marker: "`header` + `payload`, or `directive`, or `session` + `request` + `version`",
        event: [] AlexaEvent,
        detect: |p| (p.has.header && p.has.payload) || p.has.directive
            || (p.has.session && p.has.request && p.version.is_some()),
    }
    /// AWS IoT button click.
    IotButton = "aws.iot.button" {
        title: "AWS IoT button",
        marker: "`serialNumber` + `clickType`",
        event: [] IoTButtonEvent,
        feature: "iot_button",
        detect: |p| p.has.serial_number && p.has.click_type,
    }
    /// AWS IoT 1-Click device event.
    Iot1Click = "aws.iot.1click" {
        title: "AWS IoT 1-Click",
        marker: "`deviceEvent` + `deviceInfo`",
        event: [] IoTOneClickEvent,
        feature: "iot_1_click",
        detect: |p| p.has.device_event && p.has.device_info,
    }
    /// AWS IoT Core custom authorizer.
    IotCustomAuth = "aws.iot.customauth" {
        title: "AWS IoT custom authorizer",
        marker: "`protocolData` + `connectionMetadata`",
        event: [] IoTCoreCustomAuthorizerRequest,
        feature: "iot",
        detect: |p| p.has.protocol_data && p.has.connection_metadata,
    }
    /// AWS Client VPN connection handler.
    ClientVpn = "aws.clientvpn" {
        title: "Client VPN connection handler",
        marker: "`connection-id` + `endpoint-id`",
        event: [] ClientVpnConnectionHandlerRequest,
        feature: "clientvpn",
        detect: |p| p.has.connection_id && p.has.endpoint_id,
    }
    /// CloudWatch dashboard custom widget.
    CloudWatchWidget = "aws.cloudwatch.widget" {
        title: "CloudWatch custom widget",
        marker: "`widgetContext`",
        event: [] CloudWatchWidgetEvent,
        detect: |p| p.has.widget_context,
    }
    /// Amazon WorkMail message flow rule (synchronous or asynchronous).
    WorkMail = "aws.workmail" {
        title: "Amazon WorkMail message flow rule",
        marker: "`summaryVersion` + `envelope`",
        event: [] WorkMailEvent,
        detect: |p| p.has.summary_version && p.has.envelope,
    }
    /// SageMaker Ground Truth pre-annotation function.
    GroundTruthPre = "aws.sagemaker.groundtruth.pre" {
        title: "SageMaker Ground Truth pre-annotation",
        marker: "`labelingJobArn` + `dataObject`",
        event: [] GroundTruthPreAnnotationEvent,
        detect: |p| p.has.labeling_job_arn && p.has.data_object,
    }
    /// SageMaker Ground Truth post-annotation (consolidation) function.
    GroundTruthPost = "aws.sagemaker.groundtruth.post" {
        title: "SageMaker Ground Truth annotation consolidation",
        marker: "`labelingJobArn` + `payload` + `labelAttributeName`",
        event: [] GroundTruthConsolidationEvent,
        detect: |p| p.has.labeling_job_arn && p.has.payload && p.has.label_attribute_name,
    }
    /// AWS IoT fleet provisioning pre-provisioning hook.
    IotPreProvision = "aws.iot.preprovision" {
        title: "AWS IoT pre-provisioning hook",
        marker: "`claimCertificateId` + `templateArn`",
        event: [] IotPreProvisioningHookEvent,
        detect: |p| p.has.claim_certificate_id && p.has.template_arn,
    }
}

impl Kind {
    /// The kind whose route key is `key`, if any.
    ///
    /// ```
    /// use cloud_events_core::Kind;
    /// assert_eq!(Kind::from_key("aws.sqs"), Some(Kind::Sqs));
    /// assert_eq!(Kind::from_key("sqs"), None);
    /// ```
    pub fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|kind| kind.key() == key)
    }

    /// The route keys closest to `key` (by edit distance), best first, for "did you mean"
    /// messages.
    ///
    /// ```
    /// use cloud_events_core::Kind;
    /// assert_eq!(Kind::closest_keys("aws.s4", 3), ["aws.s3"]);
    /// assert!(Kind::closest_keys("something else entirely", 3).is_empty());
    /// ```
    pub fn closest_keys(key: &str, at_most: usize) -> Vec<&'static str> {
        let mut scored: Vec<(usize, &'static str)> = Kind::ALL
            .iter()
            .map(|kind| (edit_distance(key, kind.key()), kind.key()))
            .collect();
        scored.sort();
        // Only the best matches, and only if they are close enough to be a typo.
        let best = scored.first().map_or(0, |(distance, _)| *distance);
        let limit = key.len().max(4) / 2 + 2;
        scored
            .into_iter()
            .filter(|(distance, _)| *distance == best && *distance <= limit)
            .take(at_most)
            .map(|(_, key)| key)
            .collect()
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn route_keys_are_unique_and_round_trip() {
        let mut seen = HashSet::new();
        for kind in Kind::ALL {
            assert!(seen.insert(kind.key()), "duplicate key {}", kind.key());
            assert_eq!(Kind::from_key(kind.key()), Some(*kind));
        }
        assert_eq!(Kind::from_key("aws.nope"), None);
    }

    #[test]
    fn closest_keys_suggest_the_typo_fix() {
        assert_eq!(Kind::closest_keys("aws.s4", 1), vec!["aws.s3"]);
        assert_eq!(Kind::closest_keys("aws.sqs.fifo", 3)[0], "aws.sqs");
        assert!(Kind::closest_keys("something entirely different here", 3).is_empty());
    }

    #[test]
    fn marker_types_know_their_kind() {
        assert_eq!(<marker::S3 as KindMarker>::KIND, Kind::S3);
        assert_eq!(Kind::S3.marker_type(), "S3");
        assert_eq!(Kind::EventBridge.event_type(), "EventBridgeEvent<T>");
    }
}
