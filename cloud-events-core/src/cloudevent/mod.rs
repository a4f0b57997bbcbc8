//! The CloudEvents JSON event format (structured mode), spec versions 1.0 and 0.3.
//!
//! ```
//! use cloud_events_core::CloudEvent;
//! let json = r#"{"specversion": "1.0", "id": "1", "source": "/orders", "type": "com.example.order.created", "data": {"total": 3}}"#;
//! let event: CloudEvent = CloudEvent::from_json(json.as_bytes()).unwrap();
//! assert_eq!((event.source.as_str(), event.data.unwrap()["total"].as_i64()), ("/orders", Some(3)));
//! // A rule broken is an error that names it:
//! let broken = json.replace(r#""source": "/orders""#, r#""source": """#);
//! assert!(CloudEvent::<serde_json::Value>::from_json(broken.as_bytes()).is_err());
//! ```

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

mod binding;
mod build;
pub(crate) mod rules;
#[cfg(feature = "sdk")]
mod sdk;

pub use binding::{Binding, Message};

/// A random (UUID-shaped) event id.
pub(crate) fn generated_id() -> String {
    build::generate_id()
}

/// A timestamp as RFC 3339: as is when it is, with the colon AWS leaves out of `+0000`
/// offsets added, else `None`.
pub(crate) fn normalize_time(time: &str) -> Option<String> {
    if rules::timestamp("time", time).is_ok() {
        return Some(time.to_owned());
    }
    // The last five bytes may cut a character of a malformed time: then it is no offset.
    let (head, offset) = time.split_at_checked(time.len().checked_sub(5)?)?;
    let fixed = match offset.as_bytes() {
        [b'+' | b'-', a, b, c, d] if [a, b, c, d].iter().all(|x| x.is_ascii_digit()) => {
            format!("{head}{}:{}", &offset[..3], &offset[3..])
        }
        _ => return None,
    };
    rules::timestamp("time", &fixed).is_ok().then_some(fixed)
}

/// Seconds and milliseconds since the epoch as RFC 3339 (UTC).
pub(crate) fn rfc3339(seconds: u64, millis: u32) -> String {
    build::format_rfc3339(seconds, millis)
}

/// A CloudEvents spec version this crate reads and writes.
///
/// ```
/// use cloud_events_core::{CloudEvent, Kind, SpecVersion};
/// let event: CloudEvent = CloudEvent::from_json(Kind::CloudEvents.sample().as_bytes()).unwrap();
/// assert_eq!(event.specversion, SpecVersion::V10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecVersion {
    /// CloudEvents 0.3.
    V03,
    /// CloudEvents 1.0.
    V10,
}

impl SpecVersion {
    /// The version as written in `specversion`.
    ///
    /// ```
    /// use cloud_events_core::SpecVersion;
    /// assert_eq!(SpecVersion::V10.as_str(), "1.0");
    /// assert_eq!(SpecVersion::V03.as_str(), "0.3");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V03 => "0.3",
            SpecVersion::V10 => "1.0",
        }
    }
}

/// Why an object that claims to be a CloudEvent (it has `specversion`) is not a valid one.
///
/// ```
/// use cloud_events_core::{CloudEvent, CloudEventError};
/// let no_type = CloudEvent::<serde_json::Value>::from_json(br#"{"specversion":"1.0","id":"1","source":"/s"}"#);
/// assert_eq!(no_type, Err(CloudEventError::Missing("type")));
/// let future = CloudEvent::<serde_json::Value>::from_json(br#"{"specversion":"2.0","id":"1","source":"/s","type":"t"}"#);
/// assert_eq!(future, Err(CloudEventError::UnsupportedVersion("2.0".into())));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudEventError {
    /// A required attribute is absent.
    #[error("invalid CloudEvent: missing {0}")]
    Missing(&'static str),
    /// An attribute breaks one of the spec's rules.
    #[error("invalid CloudEvent: attribute `{attribute}`: {rule}")]
    Attribute {
        /// The attribute's name.
        attribute: String,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// `specversion` names a version this crate does not know.
    #[error("invalid CloudEvent: unsupported specversion {0:?} (expected `1.0` or `0.3`)")]
    UnsupportedVersion(String),
    /// Both `data` and `data_base64` are present.
    #[error("invalid CloudEvent: both `data` and `data_base64` are present")]
    BothData,
    /// `data` does not fit the type the handler asked for.
    #[error("invalid CloudEvent: `data` does not fit {target}: {message}")]
    Data {
        /// The Rust type `data` was decoded into.
        target: &'static str,
        /// serde's message.
        message: String,
    },
    /// The document is not a JSON object.
    #[error("invalid CloudEvent: {0}")]
    Json(String),
    /// An event of a batch (`CloudEvent::from_batch`) is invalid.
    #[error("event {index} of the batch: {error}")]
    InBatch {
        /// Its position in the batch, from 0.
        index: usize,
        /// What is wrong with it.
        error: Box<CloudEventError>,
    },
}

/// A CloudEvent, with its `data` decoded into `T`.
///
/// ```
/// use cloud_events_core::CloudEvent;
/// let event: CloudEvent = CloudEvent::from_json(
///     br#"{"specversion":"1.0","id":"1","source":"/orders","type":"order.created","data":{"n":1}}"#,
/// ).unwrap();
/// assert_eq!(event.ty, "order.created");
/// assert_eq!(event.data.unwrap()["n"], 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CloudEvent<T = Value> {
    /// `specversion`.
    pub specversion: SpecVersion,
    /// `id`: unique for its `source`.
    pub id: String,
    /// `source`: a URI-reference naming the producer's context.
    pub source: String,
    /// `type`: what happened, e.g. `com.example.order.created`.
    pub ty: String,
    /// `datacontenttype`.
    pub datacontenttype: Option<String>,
    /// `dataschema` (`schemaurl` in 0.3).
    pub dataschema: Option<String>,
    /// `subject`.
    pub subject: Option<String>,
    /// `time`, as written (RFC 3339).
    pub time: Option<String>,
    /// Extension attributes, by name.
    pub extensions: BTreeMap<String, Value>,
    /// `data`, decoded.
    pub data: Option<T>,
    /// `data_base64`, decoded into bytes.
    pub data_base64: Option<Vec<u8>>,
}

/// The attributes of a CloudEvent as read from JSON, with `data` left undecoded (`D`: a
/// `RawValue`, owned or borrowed from the text).
#[derive(Debug)]
struct Attributes<D = Box<RawValue>> {
    specversion: Option<Value>,
    id: Option<Value>,
    source: Option<Value>,
    ty: Option<Value>,
    datacontenttype: Option<Value>,
    dataschema: Option<Value>,
    subject: Option<Value>,
    time: Option<Value>,
    extensions: BTreeMap<String, Value>,
    data: Option<D>,
    data_base64: Option<Value>,
}

impl<D> Default for Attributes<D> {
    fn default() -> Self {
        Attributes {
            specversion: None,
            id: None,
            source: None,
            ty: None,
            datacontenttype: None,
            dataschema: None,
            subject: None,
            time: None,
            extensions: BTreeMap::new(),
            data: None,
            data_base64: None,
        }
    }
}

/// The context attributes every handler and router needs, without `data`.
///
/// ```
/// use cloud_events_core::{CloudEventHeader, Kind};
/// let header = CloudEventHeader::from_json(Kind::CloudEvents.sample().as_bytes()).unwrap();
/// assert_eq!(header.ty, "com.example.order.created");
/// assert_eq!(header.subject.as_deref(), Some("ord-5521"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudEventHeader {
    /// `specversion`.
    pub specversion: SpecVersion,
    /// `id`.
    pub id: String,
    /// `source`.
    pub source: String,
    /// `type`.
    pub ty: String,
    /// `subject`.
    pub subject: Option<String>,
}

impl CloudEventHeader {
    /// Reads and validates the attributes of a structured-mode CloudEvent, skipping `data`.
    ///
    /// ```
    /// use cloud_events_core::{CloudEventError, CloudEventHeader};
    /// let header = CloudEventHeader::from_json(br#"{"specversion":"1.0","id":"1","source":"/orders","type":"order.created","data":{"n":1}}"#).unwrap();
    /// assert_eq!((header.id.as_str(), header.source.as_str()), ("1", "/orders"));
    /// let error = CloudEventHeader::from_json(br#"{"specversion":"1.0","source":"/orders","type":"t"}"#);
    /// assert_eq!(error, Err(CloudEventError::Missing("id")));
    /// ```
    pub fn from_json(json: &[u8]) -> Result<Self, CloudEventError> {
        Self::parse(json)
    }
}

impl<T: DeserializeOwned> CloudEvent<T> {
    /// Reads and validates a structured-mode CloudEvent, decoding `data` into `T`.
    ///
    /// ```
    /// use cloud_events_core::{CloudEvent, Kind};
    /// #[derive(serde::Deserialize)]
    /// struct Order { total: f64 }
    ///
    /// let event = CloudEvent::<Order>::from_json(Kind::CloudEvents.sample().as_bytes()).unwrap();
    /// assert_eq!(event.data.unwrap().total, 129.5);
    /// let wrong = br#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{"total":"n/a"}}"#;
    /// assert!(CloudEvent::<Order>::from_json(wrong).is_err());
    /// ```
    pub fn from_json(json: &[u8]) -> Result<Self, CloudEventError> {
        read_structured(json)?.decode_data(json)
    }
}

/// A CloudEvent as read and checked, with where its `data` is in the text (undecoded).
pub(crate) type ReadCloudEvent = CloudEvent<Range<usize>>;

/// Reads and checks a structured-mode CloudEvent once: its attributes, and where its `data`
/// is in `json` (left undecoded).
pub(crate) fn read_structured(json: &[u8]) -> Result<ReadCloudEvent, CloudEventError> {
    let attributes: Attributes<&RawValue> =
        serde_json::from_slice(json).map_err(|e| CloudEventError::Json(e.to_string()))?;
    let base = json.as_ptr() as usize;
    attributes.validate_with(|raw| {
        let start = raw.get().as_ptr() as usize - base;
        Ok(start..start + raw.get().len())
    })
}

impl CloudEvent<Range<usize>> {
    /// The event with `data` (its place in `json`) decoded into `T`.
    pub(crate) fn decode_data<T: DeserializeOwned>(
        self,
        json: &[u8],
    ) -> Result<CloudEvent<T>, CloudEventError> {
        let data = match &self.data {
            None => None,
            Some(range) => Some(decode_data::<T>(&json[range.clone()])?),
        };
        Ok(CloudEvent {
            specversion: self.specversion,
            id: self.id,
            source: self.source,
            ty: self.ty,
            datacontenttype: self.datacontenttype,
            dataschema: self.dataschema,
            subject: self.subject,
            time: self.time,
            extensions: self.extensions,
            data,
            data_base64: self.data_base64,
        })
    }
}

/// `data` decoded into `T`, or why not.
fn decode_data<T: DeserializeOwned>(json: &[u8]) -> Result<T, CloudEventError> {
    crate::decode::from_slice::<T>(json).map_err(|e| CloudEventError::Data {
        target: std::any::type_name::<T>(),
        message: e.to_string(),
    })
}

impl<D: std::ops::Deref<Target = RawValue>> Attributes<D> {
    fn validate<T: DeserializeOwned>(self) -> Result<CloudEvent<T>, CloudEventError> {
        self.validate_with(|raw| decode_data(raw.get().as_bytes()))
    }

    /// Checks every attribute against the spec; `data` (if any) becomes what `data_of` makes
    /// of its JSON.
    fn validate_with<T>(
        self,
        data_of: impl FnOnce(&RawValue) -> Result<T, CloudEventError>,
    ) -> Result<CloudEvent<T>, CloudEventError> {
        let specversion = spec_version(self.specversion)?;
        let id = required_string("id", self.id)?;
        let source = required_string("source", self.source)?;
        let ty = required_string("type", self.ty)?;
        let datacontenttype = optional_string("datacontenttype", self.datacontenttype)?;
        let dataschema = optional_string(
            if specversion == SpecVersion::V03 {
                "schemaurl"
            } else {
                "dataschema"
            },
            self.dataschema,
        )?;
        let subject = optional_string("subject", self.subject)?;
        let time = optional_string("time", self.time)?;
        rules::uri_reference("source", &source)?;
        if let Some(media) = &datacontenttype {
            rules::media_type("datacontenttype", media)?;
        }
        if let Some(schema) = &dataschema {
            rules::uri(
                if specversion == SpecVersion::V03 {
                    "schemaurl"
                } else {
                    "dataschema"
                },
                schema,
            )?;
        }
        if let Some(time) = &time {
            rules::timestamp("time", time)?;
        }
        for (name, value) in &self.extensions {
            rules::extension_name(name)?;
            rules::extension_value(name, value)?;
        }
        if self.data.is_some() && self.data_base64.is_some() {
            return Err(CloudEventError::BothData);
        }
        let mut extensions = self.extensions;
        let mut data_raw: Option<D> = self.data;
        let mut data_base64_value = self.data_base64;
        // 0.3: `datacontentencoding: base64` says `data` is a base64 string of binary data.
        if specversion == SpecVersion::V03
            && let Some(encoding) = extensions.remove("datacontentencoding")
        {
            if encoding != Value::String("base64".into()) {
                return Err(CloudEventError::Attribute {
                    attribute: "datacontentencoding".into(),
                    rule: "the only encoding CloudEvents 0.3 defines is \"base64\"",
                });
            }
            // Without `data` there is nothing encoded: no data (not empty data), so that the
            // event reads the same from every content mode.
            if let Some(raw) = data_raw.take() {
                let text: String =
                    serde_json::from_str(raw.get()).map_err(|_| CloudEventError::Attribute {
                        attribute: "data".into(),
                        rule: "must be a base64 string when datacontentencoding is base64",
                    })?;
                data_base64_value = Some(Value::String(text));
            }
        }
        let data_base64 = match data_base64_value {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => {
                use base64::Engine;
                Some(
                    base64::engine::general_purpose::STANDARD
                        .decode(text.as_bytes())
                        .map_err(|_| CloudEventError::Attribute {
                            attribute: "data_base64".into(),
                            rule: "not valid base64",
                        })?,
                )
            }
            Some(_) => {
                return Err(CloudEventError::Attribute {
                    attribute: "data_base64".into(),
                    rule: "must be a string",
                });
            }
        };
        let data = match data_raw {
            None => None,
            Some(raw) => Some(data_of(&raw)?),
        };
        Ok(CloudEvent {
            specversion,
            id,
            source,
            ty,
            datacontenttype,
            dataschema,
            subject,
            time,
            extensions,
            data,
            data_base64,
        })
    }
}

fn spec_version(value: Option<Value>) -> Result<SpecVersion, CloudEventError> {
    match value {
        None | Some(Value::Null) => Err(CloudEventError::Missing("specversion")),
        Some(Value::String(version)) => match version.as_str() {
            "1.0" => Ok(SpecVersion::V10),
            "0.3" => Ok(SpecVersion::V03),
            _ => Err(CloudEventError::UnsupportedVersion(version)),
        },
        Some(other) => Err(CloudEventError::UnsupportedVersion(other.to_string())),
    }
}

fn required_string(name: &'static str, value: Option<Value>) -> Result<String, CloudEventError> {
    optional_string(name, value)?.ok_or(CloudEventError::Missing(name))
}

fn optional_string(name: &'static str, value: Option<Value>) -> Result<Option<String>, CloudEventError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Err(CloudEventError::Attribute {
            attribute: name.into(),
            rule: "must be a non-empty string",
        }),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(CloudEventError::Attribute {
            attribute: name.into(),
            rule: "must be a string",
        }),
    }
}

/// Reads a CloudEvent object attribute by attribute.
struct AttributesVisitor<D>(std::marker::PhantomData<D>);

impl<'de, D: Deserialize<'de>> Visitor<'de> for AttributesVisitor<D> {
    type Value = Attributes<D>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CloudEvent JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attributes<D>, A::Error> {
        let mut out = Attributes::default();
        while let Some(key) = map.next_key::<String>()? {
            let slot = match key.as_str() {
                "specversion" => &mut out.specversion,
                "id" => &mut out.id,
                "source" => &mut out.source,
                "type" => &mut out.ty,
                "datacontenttype" => &mut out.datacontenttype,
                "dataschema" | "schemaurl" => &mut out.dataschema,
                "subject" => &mut out.subject,
                "time" => &mut out.time,
                "data_base64" => &mut out.data_base64,
                "data" => {
                    out.data = Some(map.next_value()?);
                    continue;
                }
                // Extensions (and 0.3's `datacontentencoding`): their values have type rules.
                _ => {
                    let value = map.next_value()?;
                    out.extensions.insert(key, value);
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(out)
    }
}

impl<'de, D: Deserialize<'de>> Deserialize<'de> for Attributes<D> {
    fn deserialize<De: Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
        deserializer.deserialize_map(AttributesVisitor(std::marker::PhantomData))
    }
}

impl CloudEventHeader {
    fn parse(json: &[u8]) -> Result<CloudEventHeader, CloudEventError> {
        Ok(CloudEventHeader::of(read_structured(json)?))
    }

    /// The header of an event read with [`read_structured`].
    pub(crate) fn of<T>(event: CloudEvent<T>) -> CloudEventHeader {
        CloudEventHeader {
            specversion: event.specversion,
            id: event.id,
            source: event.source,
            ty: event.ty,
            subject: event.subject,
        }
    }
}

impl<T: Serialize> Serialize for CloudEvent<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("specversion", self.specversion.as_str())?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("source", &self.source)?;
        map.serialize_entry("type", &self.ty)?;
        if let Some(v) = &self.datacontenttype {
            map.serialize_entry("datacontenttype", v)?;
        }
        if let Some(v) = &self.dataschema {
            let name = if self.specversion == SpecVersion::V03 {
                "schemaurl"
            } else {
                "dataschema"
            };
            map.serialize_entry(name, v)?;
        }
        if let Some(v) = &self.subject {
            map.serialize_entry("subject", v)?;
        }
        if let Some(v) = &self.time {
            map.serialize_entry("time", v)?;
        }
        for (name, value) in &self.extensions {
            map.serialize_entry(name, value)?;
        }
        if let Some(data) = &self.data {
            map.serialize_entry("data", data)?;
        }
        if let Some(bytes) = &self.data_base64 {
            use base64::Engine;
            let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
            if self.specversion == SpecVersion::V03 {
                // 0.3 has no `data_base64`: the data is a base64 string, flagged as such.
                map.serialize_entry("datacontentencoding", "base64")?;
                map.serialize_entry("data", &encoded)?;
            } else {
                map.serialize_entry("data_base64", &encoded)?;
            }
        }
        map.end()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for CloudEvent<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Attributes::<Box<RawValue>>::deserialize(deserializer)?
            .validate()
            .map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `dispatch` fuzz target (adapting an event whose time has a multi-byte
    /// character near its end panicked on a byte index).
    #[test]
    fn a_time_with_a_multi_byte_character_near_the_end_is_no_time() {
        assert_eq!(normalize_time("2026-11-02T10:00:00.1\u{feff}23Z"), None);
        assert_eq!(
            normalize_time("2026-11-02T10:00:00+0100").as_deref(),
            Some("2026-11-02T10:00:00+01:00")
        );
    }

    /// Found by the `cloudevent` fuzz target: a 0.3 event with `datacontentencoding` and no
    /// data read as empty binary data here, but as no data once written in binary mode and
    /// read back.
    #[test]
    fn version_0_3_base64_encoding_without_data_is_no_data() {
        let event: CloudEvent = CloudEvent::from_json(
            br#"{"specversion":"0.3","id":"1","source":"/s","type":"t","datacontentencoding":"base64"}"#,
        )
        .unwrap();
        assert_eq!((event.data, event.data_base64), (None, None));
    }

    /// Found by the `cloudevent` fuzz target: an object as an extension's value was accepted
    /// in structured mode but became a string in binary mode.
    #[test]
    fn extension_values_are_of_cloudevents_types() {
        let with = |value: &str| {
            header(&format!(
                r#"{{"specversion":"1.0","id":"1","source":"/s","type":"t","tenant":{value}}}"#
            ))
        };
        assert!(with(r#""acme""#).is_ok() && with("true").is_ok() && with("-2147483648").is_ok());
        for bad in [r#"{"id":"o-1"}"#, "[1]", "2147483648", "1.5"] {
            let error = with(bad).unwrap_err().to_string();
            assert!(error.contains("attribute `tenant`"), "{bad}: {error}");
        }
    }

    fn header(json: &str) -> Result<CloudEventHeader, CloudEventError> {
        CloudEventHeader::from_json(json.as_bytes())
    }

    #[test]
    fn reads_a_valid_1_0_event() {
        let event: CloudEvent = CloudEvent::from_json(
            br#"{"specversion":"1.0","id":"a","source":"/s","type":"t","subject":"x","traceparent":"00-1","data":{"k":[1,2]}}"#,
        )
        .unwrap();
        assert_eq!(event.specversion, SpecVersion::V10);
        assert_eq!(event.subject.as_deref(), Some("x"));
        assert_eq!(event.extensions["traceparent"], "00-1");
        assert_eq!(event.data.unwrap()["k"][1], 2);
    }

    #[test]
    fn reads_0_3_schemaurl_as_dataschema() {
        let event: CloudEvent = CloudEvent::from_json(
            br#"{"specversion":"0.3","id":"a","source":"/s","type":"t","schemaurl":"https://x/s.json"}"#,
        )
        .unwrap();
        assert_eq!(event.specversion, SpecVersion::V03);
        assert_eq!(event.dataschema.as_deref(), Some("https://x/s.json"));
        let out = serde_json::to_value(&event).unwrap();
        assert_eq!(out["schemaurl"], "https://x/s.json");
    }

    #[test]
    fn each_missing_required_attribute_is_named() {
        for (json, missing) in [
            (r#"{"specversion":"1.0","source":"/s","type":"t"}"#, "id"),
            (r#"{"specversion":"1.0","id":"1","type":"t"}"#, "source"),
            (r#"{"specversion":"1.0","id":"1","source":"/s"}"#, "type"),
        ] {
            assert_eq!(header(json).unwrap_err(), CloudEventError::Missing(missing));
            assert_eq!(
                header(json).unwrap_err().to_string(),
                format!("invalid CloudEvent: missing {missing}")
            );
        }
    }

    #[test]
    fn rejects_spec_violations() {
        assert!(matches!(
            header(r#"{"specversion":"2.0","id":"1","source":"/s","type":"t"}"#),
            Err(CloudEventError::UnsupportedVersion(v)) if v == "2.0"
        ));
        assert!(matches!(
            header(r#"{"specversion":"1.0","id":"","source":"/s","type":"t"}"#),
            Err(CloudEventError::Attribute { attribute, .. }) if attribute == "id"
        ));
        assert!(matches!(
            header(r#"{"specversion":"1.0","id":1,"source":"/s","type":"t"}"#),
            Err(CloudEventError::Attribute { attribute, .. }) if attribute == "id"
        ));
        assert_eq!(
            header(
                r#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data":1,"data_base64":"AA=="}"#
            ),
            Err(CloudEventError::BothData)
        );
        assert!(matches!(
            header(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t","Bad-Name":1}"#),
            Err(CloudEventError::Attribute { attribute, .. }) if attribute == "Bad-Name"
        ));
        assert!(matches!(
            header(r#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data_base64":"%%%"}"#),
            Err(CloudEventError::Attribute { attribute, .. }) if attribute == "data_base64"
        ));
    }

    #[test]
    fn version_0_3_base64_data_is_binary_data() {
        let event: CloudEvent = CloudEvent::from_json(
            br#"{"specversion":"0.3","id":"1","source":"/s","type":"t","datacontentencoding":"base64","data":"AAEC"}"#,
        )
        .unwrap();
        assert_eq!(event.data_base64.as_deref(), Some(&[0u8, 1, 2][..]));
        assert!(event.data.is_none() && event.extensions.is_empty());
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["datacontentencoding"], "base64");
        assert_eq!(json["data"], "AAEC");
        assert_eq!(
            CloudEvent::<Value>::from_json(json.to_string().as_bytes()).unwrap(),
            event
        );
        let bad = br#"{"specversion":"0.3","id":"1","source":"/s","type":"t","datacontentencoding":"gzip","data":"x"}"#;
        assert!(
            matches!(CloudEvent::<Value>::from_json(bad), Err(CloudEventError::Attribute { attribute, .. }) if attribute == "datacontentencoding")
        );
    }

    #[test]
    fn binary_data_round_trips() {
        let event: CloudEvent = CloudEvent::from_json(
            br#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data_base64":"AAEC/w=="}"#,
        )
        .unwrap();
        assert_eq!(event.data_base64.as_deref(), Some(&[0u8, 1, 2, 255][..]));
        let json = serde_json::to_string(&event).unwrap();
        let again: CloudEvent = serde_json::from_str(&json).unwrap();
        assert_eq!(again, event);
    }

    #[test]
    fn typed_data_that_does_not_fit_is_an_error_naming_data() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Order {
            amount: i64,
        }
        let err = CloudEvent::<Order>::from_json(
            br#"{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{"amount":"x"}}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid CloudEvent: `data` does not fit"),
            "{err}"
        );
    }
}
