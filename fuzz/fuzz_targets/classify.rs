//! The classifier on any bytes: never panics, and on text that is JSON, the marker reader
//! (`classify_markers`, the Lambda path, which stops at the first decisive marker and checks
//! nothing after it) gives exactly the answer of checking all of it first (`classify`). On
//! text that is not JSON, the marker reader either stops at a decision before the break or
//! gives the checker's own error.
#![no_main]

use cloud_events_core::{ClassifyError, classify, classify_markers};
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

fuzz_target!(|data: &[u8]| {
    let checked = classify(data);
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(
            matches!(checked, Err(ClassifyError::InvalidUtf8 { .. })),
            "bytes that are not UTF-8 classified"
        );
        return;
    };
    let markers = classify_markers(text);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if serde_json::from_str::<&RawValue>(text).is_ok() {
        assert_eq!(markers, checked, "on JSON, classify_markers and classify disagree");
    } else {
        assert!(
            matches!(checked, Err(ClassifyError::InvalidJson { .. })),
            "text that is not JSON classified: {checked:?}"
        );
        if let Err(error) = markers {
            assert_eq!(Err(error), checked, "the marker reader's error is not the checker's");
        }
    }
});
