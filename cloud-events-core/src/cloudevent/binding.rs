//! Protocol bindings: a CloudEvent from and to a message's headers and body, in binary or
//! structured content mode. Transport-agnostic: no HTTP or Kafka library, just name/value
//! pairs and bytes, so any client or server can use it.

use super::{Attributes, CloudEvent, CloudEventError, SpecVersion};
use base64::Engine;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// Which protocol binding's header rules apply.
///
/// ```
/// use cloud_events_core::cloudevent::{Binding, CloudEvent};
/// let event = CloudEvent::new("/orders", "com.example.order.created", ())
///     .unwrap()
///     .with_subject("ord 5521")
///     .unwrap();
/// let http = event.to_binary(Binding::Http).unwrap();
/// assert_eq!(http.header("ce-subject"), Some("ord%205521"));
/// let kafka = event.to_binary(Binding::Kafka).unwrap();
/// assert_eq!(kafka.header("ce_subject"), Some("ord 5521"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// HTTP: `ce-` headers (any case), values percent-encoded, `Content-Type`.
    Http,
    /// Kafka: `ce_` headers, values as UTF-8, `content-type`.
    Kafka,
}

impl Binding {
    fn prefix(self) -> &'static str {
        match self {
            Binding::Http => "ce-",
            Binding::Kafka => "ce_",
        }
    }

    fn content_type_header(self) -> &'static str {
        match self {
            Binding::Http => "Content-Type",
            Binding::Kafka => "content-type",
        }
    }
}

/// A message of a protocol: headers (in order, names as received) and a body.
///
/// ```
/// use cloud_events_core::Kind;
/// use cloud_events_core::cloudevent::{Binding, CloudEvent, Message};
/// let message = Message {
///     headers: vec![("content-type".into(), "application/cloudevents+json".into())],
///     body: Kind::CloudEvents.sample().as_bytes().to_vec(),
/// };
/// let event = CloudEvent::from_message(Binding::Kafka, &message).unwrap();
/// assert_eq!(event.source, "/orders");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// The headers.
    pub headers: Vec<(String, String)>,
    /// The body (HTTP) or value (Kafka).
    pub body: Vec<u8>,
}

impl Message {
    /// A message from any header pairs and a body.
    ///
    /// ```
    /// use cloud_events_core::cloudevent::Message;
    /// let message = Message::new([("ce-id", "1"), ("ce-source", "/orders")], "{}");
    /// assert_eq!(message.headers[1], ("ce-source".to_owned(), "/orders".to_owned()));
    /// assert_eq!(message.body, b"{}");
    /// ```
    pub fn new<K: Into<String>, V: Into<String>>(
        headers: impl IntoIterator<Item = (K, V)>,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        Message {
            headers: headers.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            body: body.into(),
        }
    }

    /// The first header of this name, compared without case.
    ///
    /// ```
    /// use cloud_events_core::cloudevent::Message;
    /// let message = Message::new([("Content-Type", "application/json"), ("ce-id", "1")], "{}");
    /// assert_eq!(message.header("content-type"), Some("application/json"));
    /// assert_eq!(message.header("ce-type"), None);
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// The media type without parameters, lower-cased.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(content_type: Option<&str>) -> bool {
    match content_type.map(essence) {
        None => true,
        Some(media) => media == "application/json" || media == "text/json" || media.ends_with("+json"),
    }
}

fn is_text(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|media| essence(media).starts_with("text/"))
}

impl CloudEvent<Value> {
    /// Reads a CloudEvent from a message in either content mode: structured when the content
    /// type is `application/cloudevents+json`, binary (attributes in `ce-`/`ce_` headers, data
    /// in the body) otherwise.
    ///
    /// ```
    /// use cloud_events_core::cloudevent::{Binding, CloudEvent, Message};
    /// let message = Message::new(
    ///     [("ce-specversion", "1.0"), ("ce-id", "1"), ("ce-source", "/s"), ("ce-type", "t"),
    ///      ("Content-Type", "application/json")],
    ///     br#"{"n":1}"#.to_vec(),
    /// );
    /// let event = CloudEvent::from_message(Binding::Http, &message).unwrap();
    /// assert_eq!(event.data.unwrap()["n"], 1);
    /// ```
    pub fn from_message(binding: Binding, message: &Message) -> Result<Self, CloudEventError> {
        let content_type = message.header("content-type");
        match content_type.map(essence).as_deref() {
            Some("application/cloudevents+json") => CloudEvent::from_json(&message.body),
            Some("application/cloudevents-batch+json") => Err(CloudEventError::Json(
                "the message holds a batch of CloudEvents: read it with CloudEvent::from_batch".to_owned(),
            )),
            _ => Self::from_binary(binding, message, content_type),
        }
    }

    fn from_binary(
        binding: Binding,
        message: &Message,
        content_type: Option<&str>,
    ) -> Result<Self, CloudEventError> {
        let prefix = binding.prefix();
        let mut attributes = Attributes::default();
        for (name, value) in &message.headers {
            let Some(attribute) = name
                .get(..prefix.len())
                .filter(|p| p.eq_ignore_ascii_case(prefix))
                .map(|_| &name[prefix.len()..])
            else {
                continue;
            };
            let attribute = attribute.to_ascii_lowercase();
            let value = match binding {
                Binding::Http => percent_decode(value).ok_or_else(|| CloudEventError::Attribute {
                    attribute: attribute.clone(),
                    rule: "header value is not valid percent-encoded UTF-8",
                })?,
                Binding::Kafka => value.clone(),
            };
            let value = Value::String(value);
            let slot = match attribute.as_str() {
                "specversion" => &mut attributes.specversion,
                "id" => &mut attributes.id,
                "source" => &mut attributes.source,
                "type" => &mut attributes.ty,
                "dataschema" | "schemaurl" => &mut attributes.dataschema,
                "subject" => &mut attributes.subject,
                "time" => &mut attributes.time,
                "datacontenttype" | "data" | "data_base64" => {
                    return Err(CloudEventError::Attribute {
                        attribute,
                        rule: "not a header in binary mode: the content type and the body carry it",
                    });
                }
                _ => {
                    attributes.extensions.insert(attribute, value);
                    continue;
                }
            };
            *slot = Some(value);
        }
        if attributes.specversion.is_none() {
            return Err(CloudEventError::Missing("specversion"));
        }
        attributes.datacontenttype = content_type.map(|media| Value::String(media.to_owned()));
        if !message.body.is_empty() {
            if is_json(content_type) {
                let text = std::str::from_utf8(&message.body)
                    .map_err(|_| CloudEventError::Json("the body is not UTF-8 JSON".to_owned()))?;
                let raw = RawValue::from_string(text.trim().to_owned())
                    .map_err(|e| CloudEventError::Json(format!("the body is not JSON: {e}")))?;
                attributes.data = Some(raw);
            } else if is_text(content_type)
                && let Ok(text) = std::str::from_utf8(&message.body)
            {
                attributes.data = Some(
                    serde_json::value::to_raw_value(text)
                        .map_err(|e| CloudEventError::Json(e.to_string()))?,
                );
            } else {
                let encoded = base64::engine::general_purpose::STANDARD.encode(&message.body);
                attributes.data_base64 = Some(Value::String(encoded));
            }
        }
        attributes.validate()
    }

    /// Reads the JSON batch format (`application/cloudevents-batch+json`): an array of
    /// structured events. The first invalid event's error names its index.
    ///
    /// ```
    /// use cloud_events_core::{CloudEvent, Kind};
    /// let batch = format!("[{}]", Kind::CloudEvents.sample());
    /// let events = CloudEvent::from_batch(batch.as_bytes()).unwrap();
    /// assert_eq!(events[0].subject.as_deref(), Some("ord-5521"));
    /// let error = CloudEvent::from_batch(br#"[{"specversion":"1.0","source":"/s","type":"t"}]"#).unwrap_err();
    /// assert!(error.to_string().contains("event 0"), "{error}");
    /// ```
    pub fn from_batch(json: &[u8]) -> Result<Vec<Self>, CloudEventError> {
        let items: Vec<Box<RawValue>> = serde_json::from_slice(json)
            .map_err(|e| CloudEventError::Json(format!("not a batch (a JSON array): {e}")))?;
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                CloudEvent::from_json(item.get().as_bytes()).map_err(|error| CloudEventError::InBatch {
                    index,
                    error: Box::new(error),
                })
            })
            .collect()
    }
}

impl<T: Serialize> CloudEvent<T> {
    /// The event in structured content mode: the JSON event format as the body.
    ///
    /// ```
    /// use cloud_events_core::cloudevent::{Binding, CloudEvent};
    /// let event = CloudEvent::new("/orders", "com.example.order.created", serde_json::json!({"id": 1})).unwrap();
    /// let message = event.to_structured(Binding::Http).unwrap();
    /// assert_eq!(message.header("content-type"), Some("application/cloudevents+json; charset=utf-8"));
    /// assert_eq!(CloudEvent::from_message(Binding::Http, &message).unwrap(), event);
    /// ```
    pub fn to_structured(&self, binding: Binding) -> Result<Message, CloudEventError> {
        let body = serde_json::to_vec(self).map_err(|e| CloudEventError::Json(e.to_string()))?;
        Ok(Message::new(
            [(
                binding.content_type_header(),
                "application/cloudevents+json; charset=utf-8",
            )],
            body,
        ))
    }

    /// The event in binary content mode: attributes as headers, data as the body.
    ///
    /// ```
    /// use cloud_events_core::cloudevent::{Binding, CloudEvent};
    /// let event = CloudEvent::new("/orders", "com.example.order.created", serde_json::json!({"id": 1}))
    ///     .unwrap()
    ///     .with_datacontenttype("application/json")
    ///     .unwrap();
    /// let message = event.to_binary(Binding::Kafka).unwrap();
    /// assert_eq!(message.header("ce_type"), Some("com.example.order.created"));
    /// assert_eq!(message.body, br#"{"id":1}"#);
    /// assert_eq!(CloudEvent::from_message(Binding::Kafka, &message).unwrap(), event);
    /// ```
    pub fn to_binary(&self, binding: Binding) -> Result<Message, CloudEventError> {
        let prefix = binding.prefix();
        let encode = |value: &str| match binding {
            Binding::Http => percent_encode(value),
            Binding::Kafka => value.to_owned(),
        };
        let mut headers = vec![
            (
                format!("{prefix}specversion"),
                self.specversion.as_str().to_owned(),
            ),
            (format!("{prefix}id"), encode(&self.id)),
            (format!("{prefix}source"), encode(&self.source)),
            (format!("{prefix}type"), encode(&self.ty)),
        ];
        // Spec 0.3 names the schema `schemaurl`.
        let schema = match self.specversion {
            SpecVersion::V03 => "schemaurl",
            SpecVersion::V10 => "dataschema",
        };
        let optional = [
            ("subject", &self.subject),
            ("time", &self.time),
            (schema, &self.dataschema),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                headers.push((format!("{prefix}{name}"), encode(value)));
            }
        }
        for (name, value) in &self.extensions {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            headers.push((format!("{prefix}{name}"), encode(&text)));
        }
        if let Some(media) = &self.datacontenttype {
            headers.push((binding.content_type_header().to_owned(), media.clone()));
        }
        let body = match (&self.data, &self.data_base64) {
            (_, Some(bytes)) => bytes.clone(),
            (Some(data), None) => {
                let value = serde_json::to_value(data).map_err(|e| CloudEventError::Json(e.to_string()))?;
                match value {
                    Value::String(text) if !is_json(self.datacontenttype.as_deref()) => text.into_bytes(),
                    other => serde_json::to_vec(&other).map_err(|e| CloudEventError::Json(e.to_string()))?,
                }
            }
            (None, None) => Vec::new(),
        };
        Ok(Message { headers, body })
    }
}

/// HTTP header values: space, `"`, `%` and every byte outside printable ASCII as `%XX`.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if (0x21..=0x7e).contains(&byte) && byte != b'"' && byte != b'%' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The CloudEvents conformance scenarios (HTTP and Kafka bindings), as cases of our own.
    #[test]
    fn conformance_binary_and_structured_modes() {
        let expected_data = json!({"message": "Hello World!"});
        let structured_body = br#"{
            "specversion": "1.0", "type": "com.example.someevent", "time": "2018-04-05T03:56:24Z",
            "id": "1234-1234-1234", "source": "/mycontext/subcontext", "datacontenttype": "application/json",
            "data": {"message": "Hello World!"}
        }"#;
        let binary = |binding: Binding, content_type: &str| {
            let p = binding.prefix();
            Message::new(
                [
                    (format!("{p}specversion"), "1.0".to_owned()),
                    (format!("{p}type"), "com.example.someevent".to_owned()),
                    (format!("{p}time"), "2018-04-05T03:56:24Z".to_owned()),
                    (format!("{p}id"), "1234-1234-1234".to_owned()),
                    (format!("{p}source"), "/mycontext/subcontext".to_owned()),
                    (binding.content_type_header().to_owned(), content_type.to_owned()),
                ],
                b"{\n    \"message\": \"Hello World!\"\n}\n".to_vec(),
            )
        };
        let mut cases = Vec::new();
        for content_type in ["application/json", "application/json; charset=utf-8"] {
            cases.push((Binding::Http, binary(Binding::Http, content_type), content_type));
        }
        cases.push((
            Binding::Kafka,
            binary(Binding::Kafka, "application/json"),
            "application/json",
        ));
        for binding in [Binding::Http, Binding::Kafka] {
            for content_type in [
                "application/cloudevents+json",
                "application/cloudevents+json; charset=utf-8",
            ] {
                let message = Message::new(
                    [(binding.content_type_header(), content_type)],
                    structured_body.to_vec(),
                );
                cases.push((binding, message, "application/json"));
            }
        }
        assert_eq!(cases.len(), 7);
        for (binding, message, datacontenttype) in cases {
            let event =
                CloudEvent::from_message(binding, &message).unwrap_or_else(|e| panic!("{binding:?}: {e}"));
            assert_eq!(event.id, "1234-1234-1234");
            assert_eq!(event.specversion.as_str(), "1.0");
            assert_eq!(event.ty, "com.example.someevent");
            assert_eq!(event.source, "/mycontext/subcontext");
            assert_eq!(event.time.as_deref(), Some("2018-04-05T03:56:24Z"));
            assert_eq!(event.datacontenttype.as_deref(), Some(datacontenttype));
            assert_eq!(event.data.as_ref(), Some(&expected_data));
        }
    }

    fn event() -> CloudEvent {
        CloudEvent::from_json(
            br#"{"specversion":"1.0","id":"a b%\"","source":"/s","type":"t","subject":"caf\u00e9","traceparent":"00-1","count":3,"datacontenttype":"application/json","data":{"k":[1,2]}}"#,
        )
        .unwrap()
    }

    #[test]
    fn binary_mode_round_trips_on_both_bindings() {
        for binding in [Binding::Http, Binding::Kafka] {
            let message = event().to_binary(binding).unwrap();
            let again = CloudEvent::from_message(binding, &message).unwrap();
            assert_eq!(again.id, "a b%\"");
            assert_eq!(again.subject.as_deref(), Some("café"));
            assert_eq!(again.data, event().data);
            // Binary mode carries every attribute as a string.
            assert_eq!(again.extensions["count"], "3");
        }
        let http = event().to_binary(Binding::Http).unwrap();
        assert_eq!(http.header("ce-id"), Some("a%20b%25%22"));
        assert_eq!(http.header("ce-subject"), Some("caf%C3%A9"));
    }

    #[test]
    fn structured_mode_round_trips() {
        let message = event().to_structured(Binding::Kafka).unwrap();
        assert_eq!(
            message.header("content-type"),
            Some("application/cloudevents+json; charset=utf-8")
        );
        assert_eq!(
            CloudEvent::from_message(Binding::Kafka, &message).unwrap(),
            event()
        );
    }

    #[test]
    fn non_json_data_stays_text_or_bytes() {
        let text = Message::new(
            [
                ("ce-specversion", "1.0"),
                ("ce-id", "1"),
                ("ce-source", "/s"),
                ("ce-type", "t"),
                ("Content-Type", "text/plain"),
            ],
            b"hello".to_vec(),
        );
        assert_eq!(
            CloudEvent::from_message(Binding::Http, &text).unwrap().data,
            Some(json!("hello"))
        );
        let bytes = Message::new(
            [
                ("ce-specversion", "1.0"),
                ("ce-id", "1"),
                ("ce-source", "/s"),
                ("ce-type", "t"),
                ("Content-Type", "application/octet-stream"),
            ],
            vec![0u8, 159, 146, 150],
        );
        let event = CloudEvent::from_message(Binding::Http, &bytes).unwrap();
        assert_eq!(event.data_base64.as_deref(), Some(&[0u8, 159, 146, 150][..]));
        let again = event.to_binary(Binding::Http).unwrap();
        assert_eq!(again.body, vec![0u8, 159, 146, 150]);
    }

    #[test]
    fn binding_errors_name_the_problem() {
        let missing = Message::new(
            [("ce-id", "1"), ("ce-source", "/s"), ("ce-type", "t")],
            Vec::new(),
        );
        assert_eq!(
            CloudEvent::from_message(Binding::Http, &missing).unwrap_err(),
            CloudEventError::Missing("specversion")
        );
        let bad_escape = Message::new(
            [
                ("ce-specversion", "1.0"),
                ("ce-id", "%zz"),
                ("ce-source", "/s"),
                ("ce-type", "t"),
            ],
            Vec::new(),
        );
        assert!(
            matches!(CloudEvent::from_message(Binding::Http, &bad_escape), Err(CloudEventError::Attribute { attribute, .. }) if attribute == "id")
        );
        let bad_time = Message::new(
            [
                ("ce-specversion", "1.0"),
                ("ce-id", "1"),
                ("ce-source", "/s"),
                ("ce-type", "t"),
                ("ce-time", "noon"),
            ],
            Vec::new(),
        );
        assert_eq!(
            CloudEvent::from_message(Binding::Http, &bad_time)
                .unwrap_err()
                .to_string(),
            "invalid CloudEvent: attribute `time`: not RFC 3339"
        );
    }

    #[test]
    fn numbers_in_data_survive_a_round_trip_exactly() {
        // Found by the `cloudevent` fuzz target: without serde_json's `float_roundtrip`, a
        // 64-digit number was read approximately and came back as another float.
        let json = format!(
            r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{}}}"#,
            "9".repeat(64)
        );
        let event: CloudEvent = CloudEvent::from_json(json.as_bytes()).unwrap();
        for binding in [Binding::Http, Binding::Kafka] {
            let binary = event.to_binary(binding).unwrap();
            assert_eq!(
                CloudEvent::<Value>::from_message(binding, &binary).unwrap(),
                event
            );
        }
    }

    #[test]
    fn version_0_3_binary_mode_names_the_schema_schemaurl() {
        let event: CloudEvent = CloudEvent::from_json(
            br#"{"specversion":"0.3","id":"1","source":"/s","type":"t","schemaurl":"https://example.com/s.json"}"#,
        )
        .unwrap();
        let message = event.to_binary(Binding::Http).unwrap();
        assert_eq!(message.header("ce-schemaurl"), Some("https://example.com/s.json"));
        assert_eq!(message.header("ce-dataschema"), None);
        assert_eq!(
            CloudEvent::<Value>::from_message(Binding::Http, &message).unwrap(),
            event
        );
    }

    #[test]
    fn batches_read_each_event_and_name_the_bad_one() {
        let batch = br#"[{"specversion":"1.0","id":"1","source":"/s","type":"t"},{"specversion":"1.0","id":"2","source":"/s","type":"t","data":"x"}]"#;
        let events = CloudEvent::from_batch(batch).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].data, Some(json!("x")));
        let bad = br#"[{"specversion":"1.0","id":"1","source":"/s","type":"t"},{"specversion":"1.0","source":"/s","type":"t"}]"#;
        assert_eq!(
            CloudEvent::from_batch(bad).unwrap_err().to_string(),
            "event 1 of the batch: invalid CloudEvent: missing id"
        );
        assert!(matches!(
            CloudEvent::<Value>::from_batch(bad),
            Err(CloudEventError::InBatch { index: 1, error }) if *error == CloudEventError::Missing("id")
        ));
        let batch_message = Message::new(
            [("content-type", "application/cloudevents-batch+json")],
            batch.to_vec(),
        );
        assert!(CloudEvent::from_message(Binding::Kafka, &batch_message).is_err());
    }
}
