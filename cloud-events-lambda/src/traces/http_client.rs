//! The HTTP client exports go out on: hyper's, HTTP/1.1 only. `opentelemetry-http`'s own hyper
//! client turns on HTTP/2 in `hyper-util`, which compiles `h2` into the binary and into
//! `lambda_runtime`'s Runtime API client as well (about 0.9 MB); an OTLP/HTTP endpoint needs
//! none of it.

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::Connect;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use std::time::Duration;

/// The most of an answer read: an OTLP answer is a few bytes (a partial success, at most a
/// message).
const MAX_ANSWER: usize = 64 * 1024;

/// A pooled HTTP/1.1 client on the runtime's tasks, each request within `timeout`.
#[derive(Debug, Clone)]
pub(super) struct Http1Client<C> {
    client: Client<C, Full<Bytes>>,
    timeout: Duration,
}

impl<C: Connect + Clone + Send + Sync + 'static> Http1Client<C> {
    pub(super) fn new(connector: C, timeout: Duration) -> Self {
        // An idle connection is dropped after a while: Lambda freezes the environment between
        // invocations, and a connection the endpoint closed meanwhile would cost an export.
        let client = Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .build(connector);
        Http1Client { client, timeout }
    }
}

impl<C: Connect + Clone + Send + Sync + std::fmt::Debug + 'static> HttpClient for Http1Client<C> {
    fn send_bytes<'a, 'b>(
        &'a self,
        request: Request<Bytes>,
    ) -> BoxFuture<'b, Result<Response<Bytes>, HttpError>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(async move {
            let exchange = async {
                let (parts, body) = request.into_parts();
                let response = self
                    .client
                    .request(Request::from_parts(parts, Full::new(body)))
                    .await?;
                let (parts, body) = response.into_parts();
                let body = Limited::new(body, MAX_ANSWER).collect().await?.to_bytes();
                Ok::<_, HttpError>(Response::from_parts(parts, body))
            };
            match tokio::time::timeout(self.timeout, exchange).await {
                Ok(answered) => answered,
                Err(_) => Err(format!("no answer within {} ms", self.timeout.as_millis()).into()),
            }
        })
    }
}
