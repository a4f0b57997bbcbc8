//! `inventory` registrations of a library crate reach a binary only if the binary links that
//! crate: `link!` does it, and a binary that forgets fails at start-up instead of answering
//! nothing.

use std::process::Command;

#[test]
fn a_linked_library_crate_contributes_its_handlers() {
    let output = Command::new(env!("CARGO_BIN_EXE_lambda-test-app"))
        .arg("routes")
        .output()
        .unwrap();
    assert!(output.status.success());
    let routes = String::from_utf8(output.stdout).unwrap();
    assert!(routes.lines().any(|line| line.starts_with("aws.sns\t") && line.contains("linked_handlers::sns_from_a_library")), "{routes}");
}

#[test]
fn a_binary_without_any_registered_handler_refuses_to_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_unlinked-app"))
        .arg("routes")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no event handler is registered") && stderr.contains("link!"),
        "{stderr}"
    );
}
