//! End to end: the same handler answers for a native CloudEvent, an S3 notification and an
//! S3 event through EventBridge.

use serde_json::{Value, json};
use std::process::Command;

#[test]
fn one_handler_for_native_and_adapted_uploads() {
    let output = Command::new(env!("CARGO_BIN_EXE_cloudevents"))
        .args([
            "invoke",
            "events/native-cloudevent.json",
            "events/s3-put.json",
            "events/eventbridge-s3.json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines,
        [
            json!({"via": "cloudevents", "object": "reports/q3.pdf", "ty": "com.example.upload.created"}),
            json!({"via": "aws.s3", "object": "reports/q4.pdf", "ty": "com.amazonaws.s3.ObjectCreated:Put"}),
            json!({"via": "aws.events", "object": "reports/q1.pdf", "ty": "Object Created"}),
        ]
    );
}
