//! Bad payloads on the Lambda Runtime API: not JSON, not UTF-8, an empty body, a truncated
//! body, text that is not JSON after the decisive marker, nesting past the limit, over the
//! size and record caps. Each gets its documented answer (`errorType` and message), the same
//! from `lambda-test-app invoke FILE` (the command line), from the project's own stand-in and
//! from `cargo-lambda`'s emulator (a real client written by others); and the process serves
//! the next invocation.

use cloud_events_tests::cargo_lambda::{self, Emulator, Invoked};
use cloud_events_tests::events::{bad_payloads, s3};
use cloud_events_tests::stand_in::{Answer, Invocation, Run, serve};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const APP: &str = env!("CARGO_BIN_EXE_lambda-test-app");
/// The app's environment in these tests: a nesting cap, so that one payload passes it.
const ENV: [(&str, &str); 1] = [("TEST_MAX_DEPTH", "32")];

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// What the command line answers for each bad payload: `{"errorType":..,"errorMessage":..}`.
fn command_line_answers() -> Vec<Value> {
    let dir = scratch("bad-input-files");
    bad_payloads()
        .iter()
        .enumerate()
        .map(|(index, (what, payload, _))| {
            let file = dir.join(format!("{index}.json"));
            std::fs::write(&file, payload).expect("a payload file");
            let output = Command::new(APP)
                .arg("invoke")
                .arg(&file)
                .envs(ENV)
                .env("RUST_LOG", "off")
                .output()
                .expect("the app runs");
            assert!(!output.status.success(), "{what}: invoke succeeded");
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{what}: {e}"))
        })
        .collect()
}

fn good_answer(key: &str, request_id: &str) -> Value {
    json!({"keys": [key], "request_id": request_id})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stand_in_gets_the_documented_answer_and_the_process_serves_on() {
    let bad = bad_payloads();
    let mut invocations = Vec::new();
    for (index, (_, payload, _)) in bad.iter().enumerate() {
        invocations.push(Invocation::raw(format!("bad-{index}"), payload.clone()));
        invocations.push(Invocation::new(
            format!("good-{index}"),
            &s3(&format!("{index}.pdf")),
        ));
    }
    let count = invocations.len();
    let run = Run {
        env: ENV.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Run::new(APP)
    };
    let outcome = serve(invocations, run).await;
    assert!(outcome.exit.is_none(), "the process stopped: {}", outcome.stderr);
    assert_eq!(outcome.answers.len(), count, "{:#?}", outcome.answers);
    let command_line = command_line_answers();
    for (index, (what, _, error_type)) in bad.iter().enumerate() {
        let Some(Answer::Error { body, .. }) = outcome.answer(&format!("bad-{index}")) else {
            panic!(
                "{what}: not answered on /error: {:?}",
                outcome.answer(&format!("bad-{index}"))
            );
        };
        assert_eq!(body["errorType"], *error_type, "{what}: {body}");
        assert_eq!(
            *body, command_line[index],
            "{what}: Lambda and the command line differ"
        );
        let good = format!("good-{index}");
        assert_eq!(
            outcome.answer(&good),
            Some(&Answer::Response(good_answer(&format!("{index}.pdf"), &good))),
            "after {what}"
        );
    }
    // The messages say what is wrong and where.
    let message = |index: usize| command_line[index]["errorMessage"].as_str().unwrap().to_owned();
    assert_eq!(
        message(0),
        "invalid JSON at line 1, column 2: key must be a string"
    );
    let invalid = bad[1].1.iter().position(|&b| b == 0xff).unwrap();
    assert_eq!(message(1), format!("invalid UTF-8 at byte {invalid}"));
    assert_eq!(
        message(2),
        "invalid JSON at line 1, column 0: EOF while parsing a value"
    );
    assert!(
        message(3).starts_with("invalid JSON at line 1, column "),
        "{}",
        message(3)
    );
    assert_eq!(
        message(4),
        format!(
            "invalid JSON at line 1, column {}: EOF while parsing an object",
            bad[4].1.len()
        )
    );
    assert!(message(5).contains("more than 32 deep"), "{}", message(5));
    assert!(message(6).contains("Limits::max_payload_bytes"), "{}", message(6));
    assert!(
        message(7).contains("10001 records, more than the limit of 10000"),
        "{}",
        message(7)
    );
}

#[test]
fn cargo_lambdas_emulator_gets_the_same_answers_and_the_process_serves_on() {
    let dir = scratch("cargo-lambda");
    let Some(binary) = cargo_lambda::find_or_skip(&dir) else {
        return;
    };
    let mut emulator = Emulator::start(&binary, &dir).expect("cargo lambda watch starts");
    emulator.serve(Path::new(APP), &ENV).expect("the app starts");
    let command_line = command_line_answers();
    let good = serde_json::to_vec(&s3("again.pdf")).expect("JSON");
    let files = scratch("cargo-lambda-files");
    for (index, (what, payload, error_type)) in bad_payloads().into_iter().enumerate() {
        // Through the emulator's Invoke API, byte for byte.
        let (status, body) = emulator.post(&payload).unwrap_or_else(|e| panic!("{what}: {e}"));
        let body: Value = serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(status, 500, "{what}: {body}");
        assert_eq!(body["errorType"], error_type, "{what}: {body}");
        assert_eq!(
            body, command_line[index],
            "{what}: cargo-lambda and the command line differ"
        );
        // As a user runs it (`cargo lambda invoke` refuses to read a file that is not UTF-8).
        if std::str::from_utf8(&payload).is_ok() {
            let file = files.join(format!("{index}.json"));
            std::fs::write(&file, &payload).expect("a payload file");
            assert_eq!(
                emulator.invoke_file(&file),
                Ok(Invoked::Error(error_type.to_owned())),
                "{what}"
            );
        }
        // And the next invocation is served.
        let (status, body) = emulator.post(&good).expect("a good invocation");
        assert_eq!(status, 200, "after {what}: {}", String::from_utf8_lossy(&body));
        let body: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(body["keys"], json!(["again.pdf"]), "after {what}");
        assert!(emulator.app_running(), "the process stopped after {what}");
    }
}
