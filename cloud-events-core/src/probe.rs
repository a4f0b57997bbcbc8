//! The marker reader: one forward pass over the event's text that records only the fields the
//! kinds table's rules look at, and stops at the first decisive marker.
//!
//! It reads with the byte scanner of [`crate::scan`], not a parser: a 6 MB SQS body costs one
//! `memchr` scan for its closing quote. It does not check that the text is JSON: on Lambda the
//! typed decoder reads all of it anyway, and the dispatcher checks the text wherever nothing
//! else did (see `RawEvent::check`). Where the text is not JSON at a place the scanner reads,
//! it says where, and the caller asks the JSON checker for the canonical error.
//!
//! A marker of an unexpected JSON type (a number where a string was expected, say) is simply
//! absent, and so is a string whose escapes are no Unicode text (a lone surrogate), so that a
//! strange payload is `unclassified` rather than an error.
//!
//! Some markers are *decisive*: `specversion`, the first record of `Records` naming its source
//! (or carrying `cf`), and a complete EventBridge envelope (`source`, `detail-type` and
//! `detail`). The first decisive marker in document order decides the kind, and the reader
//! stops there.

use crate::scan::{Halt, Scanner, Step};
use std::borrow::Cow;

macro_rules! presence {
    ($($field:ident = $json:literal),* $(,)?) => {
        /// Which marker keys (whose values do not matter) the top-level object has.
        #[derive(Debug, Default, Clone, Copy)]
        pub(crate) struct Present {
            $(pub(crate) $field: bool,)*
        }

        impl Present {
            /// Marks `key` as present; false if it is no marker key.
            fn mark(&mut self, key: &str) -> bool {
                match key {
                    $($json => self.$field = true,)*
                    _ => return false,
                }
                true
            }
        }
    };
}

presence! {
    records = "records", messages = "messages", rmq_messages_by_queue = "rmqMessagesByQueue",
    events = "events", delivery_stream_arn = "deliveryStreamArn", invocation_id = "invocationId",
    alarm_data = "alarmData", detail = "detail", bot = "bot",
    output_dialog_mode = "outputDialogMode", current_intent = "currentIntent",
    session_state = "sessionState", interpretations = "interpretations",
    identity_id = "identityId", identity_pool_id = "identityPoolId",
    trigger_source = "triggerSource", user_pool_id = "userPoolId",
    config_rule_id = "configRuleId", invoking_event = "invokingEvent",
    rule_parameters = "ruleParameters", request_type = "RequestType",
    logical_resource_id = "LogicalResourceId", stack_id = "StackId", method_arn = "methodArn",
    route_arn = "routeArn", route_key = "routeKey", request_context = "requestContext",
    http_method = "httpMethod", method = "method", raw_path = "raw_path",
    authorization_token = "authorizationToken", arguments = "arguments", info = "info",
    field_name = "fieldName", payload = "payload",
    invocation_schema_version = "invocationSchemaVersion", job = "job", tasks = "tasks",
    configuration = "configuration", get_object_context = "getObjectContext",
    head_object_context = "headObjectContext", list_objects_context = "listObjectsContext",
    list_objects_v2_context = "listObjectsV2Context", user_request = "userRequest",
    secret_id = "SecretId", client_request_token = "ClientRequestToken", step = "Step",
    codepipeline_job = "CodePipeline.job", deployment_id = "DeploymentId",
    lifecycle_event_hook_execution_id = "LifecycleEventHookExecutionId", name = "Name",
    details = "Details", message_version = "messageVersion", agent = "agent",
    action_group = "actionGroup", header = "header", directive = "directive",
    session = "session", request = "request", serial_number = "serialNumber",
    click_type = "clickType", device_event = "deviceEvent", device_info = "deviceInfo",
    protocol_data = "protocolData", connection_metadata = "connectionMetadata",
    connection_id = "connection-id", endpoint_id = "endpoint-id",
    widget_context = "widgetContext",
    subscription = "subscription", message = "message", event_time = "eventTime",
    data_version = "dataVersion", subject = "subject", data = "data",
    functions_data = "Data", functions_metadata = "Metadata",
}

/// What the classifier knows of an event after one pass over its bytes.
#[derive(Debug, Default)]
pub(crate) struct Probe<'a> {
    /// The event was a top-level JSON array; the probe describes its first element.
    pub(crate) in_array: bool,
    /// This probe reads the top-level object, where decisive markers decide (and reading
    /// stops).
    decisive: bool,
    /// The kind a decisive marker decided.
    pub(crate) decided: Option<crate::kinds::Kind>,
    pub(crate) has: Present,
    pub(crate) specversion: bool,
    pub(crate) event_source: Option<Cow<'a, str>>,
    pub(crate) source: Option<Cow<'a, str>>,
    pub(crate) detail_type: Option<Cow<'a, str>>,
    pub(crate) version: Option<Cow<'a, str>>,
    pub(crate) type_: Option<Cow<'a, str>>,
    pub(crate) operation: Option<Cow<'a, str>>,
    /// `Records[0].eventSource` (or SNS's `EventSource`).
    pub(crate) record_event_source: Option<Cow<'a, str>>,
    /// `Records[0].cf` is present.
    pub(crate) record_cf: bool,
    pub(crate) context: ContextProbe,
    pub(crate) awslogs_data: bool,
    pub(crate) iot_event_name: Option<Cow<'a, str>>,
    /// Azure Event Grid's (or Cognito Sync's) `eventType`.
    pub(crate) event_type: Option<Cow<'a, str>>,
    /// A Google Cloud background function's `context`.
    pub(crate) gcp_context: GcpContextProbe<'a>,
}

impl Probe<'_> {
    pub(crate) fn record_source(&self, expected: &str) -> bool {
        self.record_event_source.as_deref() == Some(expected)
    }

    pub(crate) fn event_source_is(&self, expected: &str) -> bool {
        self.event_source.as_deref() == Some(expected)
    }

    /// Azure Event Grid schema.
    pub(crate) fn is_event_grid(&self) -> bool {
        self.event_type.is_some() && self.has.event_time && self.has.data_version && self.has.subject
    }

    /// API Gateway payload format 2.0 (HTTP APIs and function URLs).
    pub(crate) fn is_http_v2(&self) -> bool {
        self.version.as_deref() == Some("2.0") && self.has.route_key && self.has.request_context
    }
}

impl<'a> Probe<'a> {
    /// Decides the kind if the markers read so far are a decisive one, and stops reading.
    fn decide(&mut self, candidate: Probe<'_>) -> Step {
        if !self.decisive || self.decided.is_some() {
            return Ok(());
        }
        self.decided = crate::kinds::Kind::ALL
            .iter()
            .copied()
            .find(|kind| kind.detect(&candidate));
        match self.decided {
            Some(_) => Err(Halt::Decided),
            None => Ok(()),
        }
    }

    /// Decides EventBridge once its envelope is complete.
    fn decide_eventbridge(&mut self) -> Step {
        if self.source.is_none() || self.detail_type.is_none() || !self.has.detail {
            return Ok(());
        }
        let mut candidate = Probe {
            source: self.source.clone(),
            detail_type: self.detail_type.clone(),
            ..Probe::default()
        };
        candidate.has.detail = true;
        self.decide(candidate)
    }

    /// Reads (or skips) the value of the member `key` of the top-level object.
    fn field(&mut self, scanner: &mut Scanner<'a>, key: &str) -> Step {
        match key {
            "Records" => return self.records(scanner),
            "detail" => {
                self.has.detail = true;
                self.decide_eventbridge()?;
                scanner.skip()?;
            }
            "requestContext" => {
                self.has.request_context = true;
                self.context = scanner.object_of(ContextProbe::field)?;
            }
            "awslogs" => {
                self.awslogs_data = scanner.object_of(|data: &mut bool, scanner, key| {
                    *data |= key == "data";
                    scanner.skip()
                })?;
            }
            "event" => {
                self.iot_event_name =
                    scanner.object_of(|name: &mut Option<Cow<'a, str>>, scanner, key| {
                        match key {
                            "eventName" => *name = scanner.maybe_str()?,
                            _ => scanner.skip()?,
                        }
                        Ok(())
                    })?;
            }
            "eventSource" => self.event_source = scanner.maybe_str()?,
            "eventType" => self.event_type = scanner.maybe_str()?,
            "context" => self.gcp_context = scanner.object_of(GcpContextProbe::field)?,
            "source" => {
                self.source = scanner.maybe_str()?;
                self.decide_eventbridge()?;
            }
            "detail-type" => {
                self.detail_type = scanner.maybe_str()?;
                self.decide_eventbridge()?;
            }
            "version" => self.version = scanner.maybe_str()?,
            "type" => self.type_ = scanner.maybe_str()?,
            "operation" => self.operation = scanner.maybe_str()?,
            "specversion" => {
                self.specversion = true;
                self.decide(Probe {
                    specversion: true,
                    ..Probe::default()
                })?;
                scanner.skip()?;
            }
            other => {
                self.has.mark(other);
                scanner.skip()?;
            }
        }
        Ok(())
    }

    /// Reads `Records`: the first record's `eventSource` (or SNS's `EventSource`) and `cf`,
    /// deciding as soon as they do; the other records are skipped.
    fn records(&mut self, scanner: &mut Scanner<'a>) -> Step {
        if scanner.peek() != Some(b'[') {
            return scanner.skip();
        }
        self.record_event_source = None;
        self.record_cf = false;
        scanner.array(|scanner, index| {
            if index > 0 {
                return scanner.skip();
            }
            if scanner.peek() == Some(b'{') {
                scanner.object(|scanner, key| match key {
                    "eventSource" | "EventSource" => {
                        self.record_event_source = scanner.maybe_str()?;
                        let candidate = Probe {
                            record_event_source: self.record_event_source.clone(),
                            ..Probe::default()
                        };
                        self.decide(candidate)
                    }
                    "cf" => {
                        self.record_cf = true;
                        scanner.skip()
                    }
                    _ => scanner.skip(),
                })?;
            } else {
                scanner.skip()?;
            }
            // A first record with `cf` and no known source decides once it is complete.
            let candidate = Probe {
                record_event_source: self.record_event_source.clone(),
                record_cf: self.record_cf,
                ..Probe::default()
            };
            self.decide(candidate)
        })
    }
}

/// The fields of `requestContext` that tell HTTP-shaped events apart.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ContextProbe {
    pub(crate) elb: bool,
    pub(crate) connection_id: bool,
    pub(crate) event_type: bool,
    pub(crate) api_id: bool,
    pub(crate) service_arn: bool,
    /// `domainName` is a Lambda function URL host (`<id>.lambda-url.<region>.on.aws`).
    pub(crate) lambda_url_domain: bool,
}

impl ContextProbe {
    fn field(&mut self, scanner: &mut Scanner<'_>, key: &str) -> Step {
        let flag = match key {
            "elb" => &mut self.elb,
            "connectionId" => &mut self.connection_id,
            "eventType" => &mut self.event_type,
            "apiId" => &mut self.api_id,
            "serviceArn" | "serviceNetworkArn" | "targetGroupArn" => &mut self.service_arn,
            "domainName" => {
                let domain = scanner.maybe_str()?;
                self.lambda_url_domain = domain.is_some_and(|d| d.contains(".lambda-url."));
                return Ok(());
            }
            _ => return scanner.skip(),
        };
        *flag = true;
        scanner.skip()
    }
}

/// `context.eventId` and `context.eventType` of a Google Cloud background function event.
#[derive(Debug, Default)]
pub(crate) struct GcpContextProbe<'a> {
    pub(crate) event_id: bool,
    pub(crate) event_type: Option<Cow<'a, str>>,
}

impl<'a> GcpContextProbe<'a> {
    fn field(&mut self, scanner: &mut Scanner<'a>, key: &str) -> Step {
        match key {
            "eventType" => self.event_type = scanner.maybe_str()?,
            "eventId" => {
                self.event_id = true;
                scanner.skip()?;
            }
            _ => scanner.skip()?,
        }
        Ok(())
    }
}

/// Reads the marker fields of one event, stopping at the first decisive marker; `Err` gives
/// the byte offset where the text is not JSON (the scanner does not check the rest).
pub(crate) fn probe(json: &str) -> Result<Probe<'_>, usize> {
    let mut probe = Probe {
        decisive: true,
        ..Probe::default()
    };
    let mut scanner = Scanner::new(json);
    let read = match scanner.peek() {
        Some(b'{') => scanner.object(|scanner, key| probe.field(scanner, key)),
        Some(b'[') => {
            // An array is probed through its first element (no marker decides there).
            probe.in_array = true;
            scanner.array(|scanner, index| {
                if index == 0 {
                    let first: Probe<'_> =
                        scanner.object_of(|first: &mut Probe<'_>, scanner, key| first.field(scanner, key))?;
                    probe = Probe {
                        in_array: true,
                        ..first
                    };
                    Ok(())
                } else {
                    scanner.skip()
                }
            })
        }
        _ => scanner.skip(),
    };
    match read {
        Ok(()) | Err(Halt::Decided) => Ok(probe),
        Err(Halt::Malformed(at)) => Err(at),
    }
}
