//! Serving AWS Lambda through `lambda_runtime`.

use crate::context::Context;
use crate::dispatch::Dispatcher;
use crate::error::{DispatchError, ErrorKind};
use bytes::Bytes;
use lambda_runtime::layers::TracingLayer;
use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::{
    BoxFuture, Diagnostic, Error as BoxError, LambdaEvent, LambdaInvocation, Runtime, service_fn,
};
use std::cell::Cell;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::Poll;

/// Serves invocations until the runtime API goes away.
///
/// The dispatcher answers each invocation from the body bytes `lambda_runtime` read (see
/// [`DispatchLayer`]): `lambda_runtime` itself decodes no payload, so classification and
/// typed decoding happen once, inside the dispatcher's panic guard, and every failure is
/// answered with one of our `errorType`s.
pub(crate) async fn serve(dispatcher: Dispatcher) -> ExitCode {
    // `lambda_runtime` panics on a missing variable; say which one instead.
    let required = [
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
    ];
    let missing: Vec<&str> = required
        .into_iter()
        .filter(|name| std::env::var_os(name).is_none())
        .collect();
    if !missing.is_empty() {
        eprintln!(
            "error: AWS_LAMBDA_RUNTIME_API is set but {} {} not: Lambda sets them all; set them to run against a Runtime API emulator",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        );
        return ExitCode::FAILURE;
    }
    let runtime = Runtime::new(service_fn(handed_answer))
        .layer(DispatchLayer(Arc::new(dispatcher), Arc::default()))
        .layer(TracingLayer::new());
    // Sequential unless Lambda sets AWS_LAMBDA_MAX_CONCURRENCY above 1. When the Runtime API
    // fails (an error status, a broken connection), the client stops, and so does the process,
    // non-zero: Lambda then starts a new execution environment and retries the event.
    // `lambda_runtime` 1.5 panics on an error status of `/next` (it expects the request id
    // header): that panic ends the process the same way, with a message that says so.
    let serving = std::panic::AssertUnwindSafe(runtime.run_concurrent());
    match futures_util::FutureExt::catch_unwind(serving).await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            tracing::error!("the Lambda runtime stopped: {error}");
            ExitCode::FAILURE
        }
        Err(panic) => {
            let message = crate::error::panic_text(&*panic);
            tracing::error!("the Lambda runtime stopped: the runtime client panicked: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The dispatcher's answer to one invocation, or an error if no [`DispatchLayer`] set one.
type Answer = Result<serde_json::Value, DispatchError>;

tokio::task_local! {
    /// The answer [`DispatchLayer`] computed, for `lambda_runtime`'s own handler to hand back.
    static ANSWER: Cell<Option<Answer>>;
}

/// A `tower` layer over `lambda_runtime`'s invocations: it takes the payload's bytes before
/// `lambda_runtime` decodes anything, dispatches them, and leaves the answer for the handler
/// below it ([`handed_answer`]), which `lambda_runtime` then posts to `/response` or
/// `/error` as usual. The body passed down is `null`: `lambda_runtime` decodes four bytes
/// instead of the event, outside its panic guard, where no event can make it panic.
#[derive(Clone)]
struct DispatchLayer(Arc<Dispatcher>, Arc<LastPayload>);

impl<S> Layer<S> for DispatchLayer {
    type Service = DispatchService<S>;
    fn layer(&self, inner: S) -> DispatchService<S> {
        DispatchService {
            inner,
            dispatcher: Arc::clone(&self.0),
            last_payload: Arc::clone(&self.1),
        }
    }
}

#[derive(Clone)]
struct DispatchService<S> {
    inner: S,
    dispatcher: Arc<Dispatcher>,
    last_payload: Arc<LastPayload>,
}

/// The last invocation's payload, kept until the next one's has been read.
///
/// A big payload (a 6 MB SQS message) and what its handler decodes from it are freed at the
/// end of each invocation; glibc's allocator then gives the pages back to the kernel (it
/// trims the top of its heap once more than twice its mmap threshold is free there), and the
/// next invocation touches all of them afresh: about 2,900 page faults, kernel time that
/// doubles a 6 MB invocation's CPU. Keeping the last payload means that no more than the
/// decoded part is ever free at once, under that threshold: the next payload and its decoded
/// strings reuse the same pages. It costs one payload's memory between invocations, never
/// more than Lambda's 6 MiB payload limit.
#[derive(Default)]
struct LastPayload(std::sync::Mutex<Bytes>);

impl LastPayload {
    /// Keeps `payload` (a reference count, not a copy) and lets the previous one go, before
    /// anything is decoded from the new one, so that its pages are free for that.
    fn keep(&self, payload: &Bytes) {
        let previous = std::mem::replace(
            &mut *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
            payload.clone(),
        );
        drop(previous);
    }
}

impl<S> Service<LambdaInvocation> for DispatchService<S>
where
    S: Service<LambdaInvocation, Response = (), Error = BoxError> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = ();
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<(), BoxError>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut invocation: LambdaInvocation) -> Self::Future {
        // `inner` was made ready for this call: take it, and leave a clone for the next.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let dispatcher = Arc::clone(&self.dispatcher);
        let payload = std::mem::replace(&mut invocation.body, Bytes::from_static(b"null"));
        self.last_payload.keep(&payload);
        let context = Context::from(&invocation.context);
        // The whole invocation, posting its answer included, logs in its own log state.
        let logs = dispatcher.invocation_logs(&context);
        let invocation = async move {
            let answer = dispatcher.dispatch_bytes(payload, context).await;
            let posted = ANSWER
                .scope(
                    Cell::new(Some(answer)),
                    async move { inner.call(invocation).await },
                )
                .await;
            // The answer is posted; Lambda may freeze the environment once the function asks
            // for the next event: the invocation's spans leave now.
            #[cfg(feature = "opentelemetry")]
            if let Some(traces) = dispatcher.traces() {
                traces.flush().await;
            }
            posted
        };
        match logs {
            // Whether it failed, the dispatcher says inside.
            Some(logs) => Box::pin(crate::logs::scoped(logs, invocation, |_| false)),
            None => Box::pin(invocation),
        }
    }
}

/// `lambda_runtime`'s handler: hands back the answer [`DispatchLayer`] left for it.
async fn handed_answer(_: LambdaEvent<()>) -> Result<serde_json::Value, Diagnostic> {
    let answer = ANSWER.try_with(Cell::take).ok().flatten().unwrap_or_else(|| {
        Err(DispatchError::new(
            ErrorKind::Panic,
            "the dispatcher left no answer for this invocation (a defect of cloud-events)",
        ))
    });
    answer.map_err(Diagnostic::from)
}

#[cfg(test)]
mod tests {
    use super::LastPayload;
    use bytes::Bytes;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A payload's buffer that counts its own release.
    struct Counted(Vec<u8>, Arc<AtomicUsize>);

    impl AsRef<[u8]> for Counted {
        fn as_ref(&self) -> &[u8] {
            &self.0
        }
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            self.1.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_last_payload_is_kept_until_the_next_one_arrives() {
        let released = Arc::new(AtomicUsize::new(0));
        let payload = |byte: u8| Bytes::from_owner(Counted(vec![byte; 1024], Arc::clone(&released)));
        let last = LastPayload::default();

        let first = payload(1);
        last.keep(&first);
        drop(first); // the invocation is over
        assert_eq!(released.load(Ordering::SeqCst), 0, "kept between invocations");

        let second = payload(2);
        last.keep(&second);
        assert_eq!(
            released.load(Ordering::SeqCst),
            1,
            "released as the next one arrives"
        );
        drop(second);
        assert_eq!(released.load(Ordering::SeqCst), 1, "the second is kept in turn");
        assert_eq!(&last.0.lock().unwrap()[..], &[2; 1024][..]);
    }
}
