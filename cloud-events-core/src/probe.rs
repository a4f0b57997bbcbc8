//! The marker reader: one forward pass over the event's text that records only the fields the
//! kinds table's rules look at, and stops at the first decisive marker.
//!
//! It is a byte scanner, not a parser. Strings are skipped with `memchr` (a 6 MB SQS body costs
//! one scan for its closing quote) and borrowed from the input unless they hold escapes; numbers
//! and literals are skipped without being read; nested values are skipped without recursion,
//! whatever their depth. It does not check that the text is JSON: on Lambda the typed decoder
//! reads all of it anyway, and the dispatcher checks the text wherever nothing else did (see
//! `RawEvent::check`). Where the text is not JSON at a place the scanner reads, it says where,
//! and the caller asks the JSON checker for the canonical error.
//!
//! A marker of an unexpected JSON type (a number where a string was expected, say) is simply
//! absent, and so is a string whose escapes are no Unicode text (a lone surrogate), so that a
//! strange payload is `unclassified` rather than an error.
//!
//! Some markers are *decisive*: `specversion`, the first record of `Records` naming its source
//! (or carrying `cf`), and a complete EventBridge envelope (`source`, `detail-type` and
//! `detail`). The first decisive marker in document order decides the kind, and the reader
//! stops there.

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

/// Why the scanner stopped before the end of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Halt {
    /// A decisive marker decided the kind: nothing after it is read.
    Decided,
    /// The text is not JSON at this byte offset.
    Malformed(usize),
}

type Step = Result<(), Halt>;

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

/// A cursor over JSON text that reads only what it is asked to, and skips the rest fast.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn malformed(&self) -> Halt {
        Halt::Malformed(self.pos)
    }

    /// The next byte after whitespace, which is skipped.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(self.pos) {
            self.pos += 1;
        }
        bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Step {
        if self.peek() != Some(byte) {
            return Err(self.malformed());
        }
        self.pos += 1;
        Ok(())
    }

    /// The offset of the quote that closes the string whose text starts at `from`.
    fn string_end(&self, from: usize) -> Result<usize, Halt> {
        let bytes = self.text.as_bytes();
        let mut at = from;
        loop {
            let found = memchr::memchr2(b'"', b'\\', bytes.get(at..).unwrap_or_default())
                .ok_or(Halt::Malformed(bytes.len()))?;
            at += found;
            if bytes[at] == b'"' {
                return Ok(at);
            }
            // An escape: the byte after the backslash is never the closing quote.
            at += 2;
        }
    }

    /// The string at the cursor, borrowed unless it holds escapes; `None` if its escapes are
    /// no Unicode text (a lone surrogate), which names no marker.
    fn string(&mut self) -> Result<Option<Cow<'a, str>>, Halt> {
        self.expect(b'"')?;
        let start = self.pos;
        let end = self.string_end(start)?;
        self.pos = end + 1;
        let raw = &self.text[start..end];
        if !raw.contains('\\') {
            return Ok(Some(Cow::Borrowed(raw)));
        }
        // Rare: let serde_json unescape (with its quotes).
        Ok(serde_json::from_str::<String>(&self.text[start - 1..=end])
            .ok()
            .map(Cow::Owned))
    }

    /// A string value, or `None` for any other value (skipped).
    fn maybe_str(&mut self) -> Result<Option<Cow<'a, str>>, Halt> {
        if self.peek() == Some(b'"') {
            self.string()
        } else {
            self.skip().map(|()| None)
        }
    }

    /// Skips one value of any kind and depth.
    fn skip(&mut self) -> Step {
        match self.peek() {
            Some(b'"') => {
                self.pos = self.string_end(self.pos + 1)? + 1;
                Ok(())
            }
            Some(b'{' | b'[') => self.skip_nested(),
            Some(_) => self.skip_scalar(),
            None => Err(self.malformed()),
        }
    }

    /// Skips an object or array by counting brackets outside strings: no recursion, so no
    /// depth is too deep.
    fn skip_nested(&mut self) -> Step {
        let bytes = self.text.as_bytes();
        let mut depth = 0_usize;
        while let Some(&byte) = bytes.get(self.pos) {
            match byte {
                b'"' => {
                    self.pos = self.string_end(self.pos + 1)? + 1;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        Err(self.malformed())
    }

    /// Skips a number or a literal (`true`, `false`, `null`) without reading it.
    fn skip_scalar(&mut self) -> Step {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        while let Some(byte) = bytes.get(self.pos) {
            if matches!(
                byte,
                b',' | b'}' | b']' | b':' | b'"' | b' ' | b'\t' | b'\n' | b'\r'
            ) {
                break;
            }
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.malformed());
        }
        Ok(())
    }

    /// Reads the object at the cursor, one member at a time: `member` gets the key (`""` for
    /// a key that is no Unicode text) and reads or skips its value.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &str) -> Step) -> Step {
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let key = self.string()?.unwrap_or_default();
            self.expect(b':')?;
            member(self, &key)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.malformed()),
            }
        }
    }

    /// Reads the array at the cursor, one element at a time, with its index.
    fn array(&mut self, mut element: impl FnMut(&mut Self, usize) -> Step) -> Step {
        self.expect(b'[')?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut index = 0;
        loop {
            element(self, index)?;
            index += 1;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.malformed()),
            }
        }
    }

    /// `T` read member by member from an object; any other value is skipped and gives the
    /// default.
    fn object_of<T: Default>(
        &mut self,
        mut member: impl FnMut(&mut T, &mut Self, &str) -> Step,
    ) -> Result<T, Halt> {
        let mut out = T::default();
        if self.peek() == Some(b'{') {
            self.object(|scanner, key| member(&mut out, scanner, key))?;
        } else {
            self.skip()?;
        }
        Ok(out)
    }
}

/// Reads the marker fields of one event, stopping at the first decisive marker; `Err` gives
/// the byte offset where the text is not JSON (the scanner does not check the rest).
pub(crate) fn probe(json: &str) -> Result<Probe<'_>, usize> {
    let mut probe = Probe {
        decisive: true,
        ..Probe::default()
    };
    let mut scanner = Scanner { text: json, pos: 0 };
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
