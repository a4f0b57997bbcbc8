//! Depends on `linked_handlers` but never names it: the linker drops its handlers, and
//! start-up fails loudly because no handler is registered.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cloud_events_lambda::run().await
}
