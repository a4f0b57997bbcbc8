//! Building CloudEvents: `id` generated, `specversion` 1.0 and `time` now by default, as the
//! Python SDK does; every attribute checked by the spec's rules.

use super::{CloudEvent, CloudEventError, SpecVersion, rules};
use serde_json::Value;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

impl<T> CloudEvent<T> {
    /// A new event from `source` and `type`, with a generated `id` (a random UUID), spec
    /// version 1.0, `time` now and `data`.
    ///
    /// ```
    /// use cloud_events_core::CloudEvent;
    /// let event = CloudEvent::new("/orders", "com.example.order.created", serde_json::json!({"id": 1}))
    ///     .unwrap()
    ///     .with_subject("orders/1")
    ///     .unwrap();
    /// assert_eq!(event.id.len(), 36);
    /// assert!(CloudEvent::new("", "t", ()).is_err());
    /// ```
    pub fn new(source: impl Into<String>, ty: impl Into<String>, data: T) -> Result<Self, CloudEventError> {
        let source = non_empty("source", source.into())?;
        rules::uri_reference("source", &source)?;
        Ok(CloudEvent {
            specversion: SpecVersion::V10,
            id: generate_id(),
            source,
            ty: non_empty("type", ty.into())?,
            datacontenttype: None,
            dataschema: None,
            subject: None,
            time: Some(now_rfc3339()),
            extensions: BTreeMap::new(),
            data: Some(data),
            data_base64: None,
        })
    }

    /// Sets the `id` (instead of the generated one).
    ///
    /// ```
    /// use cloud_events_core::CloudEvent;
    /// let event = CloudEvent::new("/orders", "com.example.order.created", ()).unwrap();
    /// assert_eq!(event.clone().with_id("ord-5521-created").unwrap().id, "ord-5521-created");
    /// assert!(event.with_id("").is_err());
    /// ```
    pub fn with_id(mut self, id: impl Into<String>) -> Result<Self, CloudEventError> {
        self.id = non_empty("id", id.into())?;
        Ok(self)
    }

    /// Sets the `subject`.
    ///
    /// ```
    /// use cloud_events_core::CloudEvent;
    /// let event = CloudEvent::new("/orders", "com.example.order.created", ())
    ///     .unwrap()
    ///     .with_subject("ord-5521")
    ///     .unwrap();
    /// assert_eq!(event.subject.as_deref(), Some("ord-5521"));
    /// ```
    pub fn with_subject(mut self, subject: impl Into<String>) -> Result<Self, CloudEventError> {
        self.subject = Some(non_empty("subject", subject.into())?);
        Ok(self)
    }

    /// Sets the `time` (RFC 3339).
    ///
    /// ```
    /// use cloud_events_core::CloudEvent;
    /// let event = CloudEvent::new("/orders", "com.example.order.created", ()).unwrap();
    /// let event = event.with_time("2026-11-03T09:15:42Z").unwrap();
    /// assert_eq!(event.time.as_deref(), Some("2026-11-03T09:15:42Z"));
    /// assert!(event.with_time("yesterday").is_err());
    /// ```
    pub fn with_time(mut self, time: impl Into<String>) -> Result<Self, CloudEventError> {
        let time = time.into();
        rules::timestamp("time", &time)?;
        self.time = Some(time);
        Ok(self)
    }

    /// Sets the `datacontenttype`.
    ///
    /// ```
    /// use cloud_events_core::CloudEvent;
    /// let event = CloudEvent::new("/orders", "com.example.order.created", ()).unwrap();
    /// let event = event.with_datacontenttype("application/json").unwrap();
    /// assert_eq!(event.datacontenttype.as_deref(), Some("application/json"));
    /// assert!(event.with_datacontenttype("json").is_err()); // not a media type
    /// ```
    pub fn with_datacontenttype(mut self, media: impl Into<String>) -> Result<Self, CloudEventError> {
        let media = media.into();
        rules::media_type("datacontenttype", &media)?;
        self.datacontenttype = Some(media);
        Ok(self)
    }

    /// Sets the `dataschema` (an absolute URI).
    ///
    /// ```
    /// use cloud_events_core::CloudEvent;
    /// let event = CloudEvent::new("/orders", "com.example.order.created", ()).unwrap();
    /// let event = event.with_dataschema("https://schemas.example.com/order.json").unwrap();
    /// assert_eq!(event.dataschema.as_deref(), Some("https://schemas.example.com/order.json"));
    /// assert!(event.with_dataschema("schemas/order.json").is_err()); // relative
    /// ```
    pub fn with_dataschema(mut self, schema: impl Into<String>) -> Result<Self, CloudEventError> {
        let schema = schema.into();
        rules::uri("dataschema", &schema)?;
        self.dataschema = Some(schema);
        Ok(self)
    }

    /// Sets an extension attribute (lower-case letters and digits, at most 20 characters).
    ///
    /// ```
    /// use cloud_events_core::CloudEvent;
    /// let event = CloudEvent::new("/orders", "com.example.order.created", ()).unwrap();
    /// let event = event.with_extension("tenant", "acme").unwrap();
    /// assert_eq!(event.extensions["tenant"], "acme");
    /// assert!(event.clone().with_extension("Tenant", "acme").is_err()); // upper case
    /// assert!(event.clone().with_extension("subject", "x").is_err()); // a context attribute
    /// assert!(event.with_extension("tenant", serde_json::json!({"a": 1})).is_err()); // no objects
    /// ```
    pub fn with_extension(
        mut self,
        name: impl Into<String>,
        value: impl Into<Value>,
    ) -> Result<Self, CloudEventError> {
        let name = name.into();
        rules::extension_name(&name)?;
        if matches!(
            name.as_str(),
            "specversion"
                | "id"
                | "source"
                | "type"
                | "datacontenttype"
                | "dataschema"
                | "subject"
                | "time"
                | "data"
                | "data_base64"
        ) {
            return Err(CloudEventError::Attribute {
                attribute: name,
                rule: "a context attribute, not an extension",
            });
        }
        let value = value.into();
        rules::extension_value(&name, &value)?;
        self.extensions.insert(name, value);
        Ok(self)
    }
}

fn non_empty(attribute: &str, value: String) -> Result<String, CloudEventError> {
    if value.is_empty() {
        return Err(CloudEventError::Attribute {
            attribute: attribute.to_owned(),
            rule: "must be a non-empty string",
        });
    }
    Ok(value)
}

/// A random (version 4 layout) UUID. Random enough to be unique per source, which is all the
/// spec asks of `id`; not for secrets.
pub(super) fn generate_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let word = |salt: u64| {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(salt);
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        hasher.finish()
    };
    let (high, low) = (word(1), word(2));
    let high = (high & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

/// The current time in RFC 3339, UTC, with milliseconds.
pub(super) fn now_rfc3339() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    format_rfc3339(now.as_secs(), now.subsec_millis())
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (proleptic Gregorian calendar).
pub(super) fn format_rfc3339(seconds: u64, millis: u32) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rest / 3_600,
        (rest / 60) % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_uuid_shaped_and_distinct() {
        let ids: HashSet<String> = (0..10_000).map(|_| generate_id()).collect();
        assert_eq!(ids.len(), 10_000);
        let id = ids.iter().next().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4", "version 4: {id}");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "variant: {id}");
    }

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(format_rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(format_rfc3339(1_793_613_600, 123), "2026-11-02T10:00:00.123Z");
        assert!(rules::timestamp("time", &now_rfc3339()).is_ok());
    }

    #[test]
    fn builders_check_each_rule() {
        let event = CloudEvent::new("/s", "t", 1).unwrap();
        assert_eq!(event.specversion, SpecVersion::V10);
        assert!(event.clone().with_time("noon").is_err());
        assert!(event.clone().with_dataschema("relative/path").is_err());
        assert!(event.clone().with_datacontenttype("json").is_err());
        assert!(event.clone().with_extension("Bad", 1).is_err());
        assert!(event.clone().with_extension("subject", "x").is_err());
        assert!(event.clone().with_id("").is_err());
        let event = event
            .with_extension("traceparent", "00-1")
            .unwrap()
            .with_id("fixed")
            .unwrap();
        assert_eq!(event.extensions["traceparent"], "00-1");
        assert_eq!(event.id, "fixed");
    }
}
