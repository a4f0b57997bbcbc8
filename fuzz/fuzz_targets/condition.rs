//! `when` conditions: any text is parsed (an error, never a panic), and a condition that
//! parses is evaluated against any JSON. The input is the condition, a NUL byte, then the
//! JSON.
#![no_main]

use cloud_events_core::condition::Condition;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let (condition, json) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b"{}"[..]),
    };
    let Ok(condition) = std::str::from_utf8(condition) else {
        return;
    };
    let Ok(condition) = Condition::parse(condition) else {
        return;
    };
    if let Ok(event) = serde_json::from_slice::<Value>(json) {
        let holds = condition.holds(&event);
        // Evaluation is a pure function of the event.
        assert_eq!(holds, condition.holds(&event));
    }
});
