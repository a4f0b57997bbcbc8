//! The `simd` feature's decoder against `serde_json` on any bytes: `RawEvent::decode_json`
//! (which, with the feature, reads text of 8 KiB or more with `sonic-rs` wherever it gives
//! `serde_json`'s answer) answers what `serde_json` answers, for a `Value` (written out, so
//! that the sign of a zero and every digit count) and for a typed event, on the input as it
//! is and padded past 8 KiB; both refuse what either refuses.
#![no_main]

use cloud_events_core::RawEvent;
use cloud_events_core::events::{S3Event, SqsEvent};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Both decoders agree on `text` decoded as `T`, compared through `show`.
fn agree<T: DeserializeOwned, S: PartialEq + std::fmt::Debug>(text: &str, show: impl Fn(&T) -> S) {
    let ours = RawEvent::new(text).decode_json::<T>();
    let reference = serde_json::from_str::<T>(text);
    match (&ours, &reference) {
        (Ok(ours), Ok(reference)) => assert_eq!(show(ours), show(reference), "{text:.300}"),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "the decoders disagree on {text:.300}: ours {:?}, serde_json {:?}",
            ours.as_ref().map(|v| show(v)),
            reference.as_ref().map(|v| show(v))
        ),
    }
}

fn written<T: serde::Serialize>(event: &T) -> String {
    serde_json::to_value(event).map_or_else(|e| e.to_string(), |value| value.to_string())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let padded = format!(r#"{{"padding":"{}","value":{text}}}"#, "p".repeat(9 * 1024));
    // An S3 or SQS event with the input as one record's unknown member, and as the records.
    let records = format!(r#"{{"Records":[{{"padding":"{}","x":{text}}}]}}"#, "p".repeat(9 * 1024));
    let as_records = format!(r#"{{"padding":"{}","Records":{text}}}"#, "p".repeat(9 * 1024));
    for text in [text, padded.as_str(), records.as_str(), as_records.as_str()] {
        agree::<Value, String>(text, Value::to_string);
        // Written out as JSON: maps compare whatever their order.
        agree::<SqsEvent, String>(text, written);
        agree::<S3Event, String>(text, written);
    }
});
