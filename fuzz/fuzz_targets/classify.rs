//! The classifier on any bytes: never panics, and on text that is JSON, stopping at the first
//! decisive marker (`classify_json`, the Lambda path) gives the same answer as reading all of
//! it (`classify`): the same classification, or the same kind of error.
#![no_main]

use cloud_events_core::{classify, classify_json};
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

fuzz_target!(|data: &[u8]| {
    let checked = classify(data);
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(checked.is_err(), "bytes that are not UTF-8 classified");
        return;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Ok(raw) = RawValue::from_string(text.to_owned()) {
        // Errors are compared by kind: positions differ, as a `RawValue` has no surrounding
        // whitespace.
        let early = classify_json(&raw);
        assert_eq!(
            early.as_ref().map_err(std::mem::discriminant),
            checked.as_ref().map_err(std::mem::discriminant),
            "classify_json and classify disagree"
        );
    }
});
