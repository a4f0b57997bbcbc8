//! The guide: how to write, run, test and deploy handlers, one chapter a page.
//!
//! Read it in order the first time; each chapter stands on its own afterwards. Every example
//! is a doc test that compiles and checks what it claims, and each chapter's main example is
//! also built as a crate of its own by the test suite (`tests/tests/guide_examples.rs`), with
//! only the features it names.
//!
//! | chapter | what it tells |
//! | --- | --- |
//! | 1. [Handlers](handlers) | `#[on_event]`, `#[on_cloudevent]`, the default handler, what a handler takes and returns, the compile errors you may meet, handlers in library crates |
//! | 2. [Conditions](conditions) | shorthands and `when`, which handler runs when several match, strategies |
//! | 3. [Dependency injection](dependencies) | `Dep<T>`, `#[dependency]` factories and their scopes, your own parameters |
//! | 4. [Batches](batches) | one record at a time, partial batch responses, records split among handlers |
//! | 5. [Envelopes](envelopes) | the event inside the event: SNS in SQS, S3 in SQS, EventBridge in SQS |
//! | 6. [CloudEvents](cloudevents) | `CloudEvent<T>`, bindings, any event as a CloudEvent |
//! | 7. [On Lambda](on_lambda) | the runtime, deadlines, every `errorType`, limits |
//! | 8. [Logs](logs) | Lambda's log controls, held lines, sampling, the keys of JSON lines |
//! | 9. [Metrics](metrics) | the `metrics` facade written as CloudWatch EMF, built-in metrics |
//! | 10. [Idempotency](idempotency) | `idempotent` handlers, keys, stores, what a duplicate gets |
//! | 11. [Traces](traces) | OpenTelemetry traces of each invocation, the ADOT layer, CloudWatch |
//! | 12. [Testing](testing) | `TestApp` in unit tests; `invoke`, `classify`, `routes`, `explain`, `sample` |
//! | 13. [Deployment](deployment) | cargo lambda, plain cargo, SAM, what the build compiles |
//! | 14. [Performance](performance) | against hand-written code; big payloads, allocators, `simd` |
//! | 15. [Kinds](kinds) | every kind: route key, marker, type, feature; compiling only some |
//! | 16. [Troubleshooting](troubleshooting) | what you see, why, and what to do |
//!
//! The modules below hold no code: they are pages.

// Each chapter is a Markdown file of this folder, so that it also reads on the repository's
// web view; its Rust blocks are this crate's doc tests.
#![allow(rustdoc::redundant_explicit_links)]

#[doc = include_str!("handlers.md")]
pub mod handlers {}
#[doc = include_str!("conditions.md")]
pub mod conditions {}
#[doc = include_str!("dependencies.md")]
pub mod dependencies {}
#[doc = include_str!("batches.md")]
pub mod batches {}
#[doc = include_str!("envelopes.md")]
pub mod envelopes {}
#[doc = include_str!("cloudevents.md")]
pub mod cloudevents {}
#[doc = include_str!("on_lambda.md")]
pub mod on_lambda {}
#[doc = include_str!("logs.md")]
pub mod logs {}
#[doc = include_str!("metrics.md")]
pub mod metrics {}
#[doc = include_str!("idempotency.md")]
pub mod idempotency {}
#[doc = include_str!("traces.md")]
pub mod traces {}
#[doc = include_str!("testing.md")]
pub mod testing {}
#[doc = include_str!("deployment.md")]
pub mod deployment {}
#[doc = include_str!("performance.md")]
pub mod performance {}
#[doc = include_str!("kinds.md")]
pub mod kinds {}
#[doc = include_str!("troubleshooting.md")]
pub mod troubleshooting {}
