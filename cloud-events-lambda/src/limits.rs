//! Caps on what one invocation may carry, checked before the heavy work (classifying,
//! decoding, running handlers), so that a hostile or broken producer costs bounded time and
//! memory.

/// Caps on one invocation's event; beyond one, the invocation fails with `LimitExceeded`.
///
/// ```
/// use cloud_events_lambda::{App, Limits};
/// let app = App::new().limits(Limits {
///     max_payload_bytes: 256 * 1024,
///     max_records: 1_000,
///     max_depth: Some(32),
/// });
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest payload, in bytes. Default 6 MiB, Lambda's own limit for a synchronous
    /// invocation; checked before anything reads the payload.
    pub max_payload_bytes: usize,
    /// The most records a batch may have where the framework splits it into records (per-record
    /// handlers and envelopes such as `Json<T>`); checked before any record reaches a handler,
    /// with at most this many records decoded first.
    /// Default 10,000, the largest batch Lambda's event source mappings deliver.
    pub max_records: usize,
    /// The deepest nesting of arrays and objects. `None` (the default) leaves it to
    /// serde_json, which refuses more than 128 levels wherever it decodes; `Some(n)` (n up
    /// to 128) checks the whole payload before it is classified, at the cost of one more pass
    /// over it. Values above 128 act as 128.
    pub max_depth: Option<usize>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_payload_bytes: 6 * 1024 * 1024,
            max_records: 10_000,
            max_depth: None,
        }
    }
}

/// The deepest nesting serde_json decodes; `max_depth` cannot be set above it.
pub const SERDE_JSON_DEPTH: usize = 128;

impl Limits {
    /// Why a payload of `bytes` bytes is over the size cap, or `None`. (Record counts are
    /// checked later, when a batch is split.)
    pub(crate) fn check_size(&self, bytes: usize) -> Option<String> {
        (bytes > self.max_payload_bytes).then(|| {
            format!(
                "the payload is {bytes} bytes, more than the limit of {} (Limits::max_payload_bytes)",
                self.max_payload_bytes
            )
        })
    }

    /// Why `json` is deeper than allowed, if it is (and a depth is set).
    pub(crate) fn check_depth(&self, json: &str) -> Option<String> {
        let max = self.max_depth?.min(SERDE_JSON_DEPTH);
        let offset = deeper_than(json.as_bytes(), max)?;
        Some(format!(
            "the payload nests arrays and objects more than {max} deep (at byte {offset}; Limits::max_depth)"
        ))
    }
}

/// The byte offset where `json` first opens more than `max` arrays and objects, or `None`.
/// Brackets inside strings do not count; the text need not be valid JSON.
pub(crate) fn deeper_than(json: &[u8], max: usize) -> Option<usize> {
    let mut depth = 0_usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, &byte) in json.iter().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(offset);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings() {
        assert_eq!(deeper_than(br#"{"a":[{"b":1}]}"#, 3), None);
        assert_eq!(deeper_than(br#"{"a":[{"b":1}]}"#, 2), Some(6));
        assert_eq!(deeper_than(br#"{"a":"[[[[[\"[["}"#, 1), None);
        assert_eq!(deeper_than(&[b'['; 100_000], 128), Some(128));
    }

    #[test]
    fn payload_size_is_checked_first() {
        let limits = Limits {
            max_payload_bytes: 10,
            ..Limits::default()
        };
        let why = limits.check_size(17).unwrap();
        assert!(why.contains("17 bytes") && why.contains("limit of 10"), "{why}");
        assert_eq!(Limits::default().check_size(17), None);
        assert_eq!(Limits::default().check_depth(r#"{"a":[[[[1]]]]}"#), None);
    }
}
