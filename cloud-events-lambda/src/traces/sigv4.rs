//! Exports to CloudWatch's OTLP traces endpoint (`https://xray.REGION.amazonaws.com`) signed
//! with AWS Signature Version 4, the endpoint's recommended authentication, with the
//! function's own credentials (feature `opentelemetry-sigv4`): what the ADOT collector's
//! `sigv4auth` extension does, without the collector.

use bytes::Bytes;
use futures_util::future::BoxFuture;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};
use std::time::SystemTime;

/// The service name CloudWatch's OTLP traces endpoint is signed for.
const SERVICE: &str = "xray";

/// An HTTP client that signs each request before `inner` sends it.
#[derive(Debug)]
pub(super) struct Signed<C> {
    pub(super) inner: C,
    pub(super) region: String,
}

impl<C: HttpClient> HttpClient for Signed<C> {
    fn send_bytes<'a, 'b>(
        &'a self,
        mut request: Request<Bytes>,
    ) -> BoxFuture<'b, Result<Response<Bytes>, HttpError>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(async move {
            let credentials = Credentials::from_env()?;
            sign(&mut request, &self.region, &credentials, SystemTime::now())?;
            self.inner.send_bytes(request).await
        })
    }
}

/// The function's credentials, as Lambda sets them in its environment.
pub(super) struct Credentials {
    pub(super) access_key_id: String,
    pub(super) secret_access_key: String,
    pub(super) session_token: Option<String>,
}

impl Credentials {
    fn from_env() -> Result<Credentials, HttpError> {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            (Some(access_key_id), Some(secret_access_key)) => Ok(Credentials {
                access_key_id,
                secret_access_key,
                session_token: var("AWS_SESSION_TOKEN"),
            }),
            _ => Err("no AWS credentials to sign the export with: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the function's role)".into()),
        }
    }
}

/// Signs `request` (its method, URI, headers and body) for `region` at `time`: adds
/// `authorization`, `x-amz-date` and, with a session token, `x-amz-security-token`.
pub(super) fn sign(
    request: &mut Request<Bytes>,
    region: &str,
    credentials: &Credentials,
    time: SystemTime,
) -> Result<(), HttpError> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings};
    let identity = aws_credential_types::Credentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        credentials.session_token.clone(),
        None,
        "lambda-environment",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(SigningSettings::default())
        .build()?
        .into();
    let headers: Vec<(&str, &str)> = request
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let uri = request.uri().to_string();
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        headers.into_iter(),
        SignableBody::Bytes(request.body()),
    )?;
    let (instructions, _) = aws_sigv4::http_request::sign(signable, &params)?.into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    /// Answers 200 to anything, keeping what it was sent.
    #[derive(Debug, Default)]
    struct Capture(std::sync::Mutex<Vec<Request<Bytes>>>);

    impl HttpClient for Capture {
        fn send_bytes<'a, 'b>(
            &'a self,
            request: Request<Bytes>,
        ) -> BoxFuture<'b, Result<Response<Bytes>, HttpError>>
        where
            'a: 'b,
            Self: 'b,
        {
            self.0.lock().unwrap().push(request);
            Box::pin(async { Ok(Response::new(Bytes::new())) })
        }
    }

    #[test]
    fn without_credentials_in_the_environment_nothing_is_sent_and_the_error_says_why() {
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
            eprintln!("skipped: this environment has credentials");
            return;
        }
        let signed = Signed {
            inner: Capture::default(),
            region: "eu-west-1".into(),
        };
        let request = Request::post("https://xray.eu-west-1.amazonaws.com/v1/traces")
            .body(Bytes::new())
            .unwrap();
        let error = futures_util::FutureExt::now_or_never(signed.send_bytes(request))
            .expect("ready")
            .unwrap_err();
        assert!(error.to_string().contains("AWS_ACCESS_KEY_ID"), "{error}");
        assert!(signed.inner.0.lock().unwrap().is_empty());
    }

    /// The signature botocore (the AWS SDK for Python, another implementation) computes for
    /// the same request, when a Python with it is at hand (`$OTLP_PYTHON`, which CI makes
    /// with moto and botocore in it); skipped otherwise.
    #[test]
    fn the_signature_is_the_one_botocore_computes() {
        let Some(python) = std::env::var_os("OTLP_PYTHON") else {
            eprintln!("skipped: OTLP_PYTHON is not set");
            return;
        };
        let body = Bytes::from_static(b"\x0a\x02spans");
        let mut request = Request::builder()
            .method("POST")
            .uri("https://xray.eu-west-1.amazonaws.com/v1/traces")
            .header("content-type", "application/x-protobuf")
            .body(body.clone())
            .unwrap();
        let credentials = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: Some("session-token-of-the-role".into()),
        };
        let time = UNIX_EPOCH + Duration::from_secs(1_796_292_000);
        sign(&mut request, "eu-west-1", &credentials, time).unwrap();
        let ours = request.headers()["authorization"].to_str().unwrap().to_owned();
        assert!(ours.contains("/eu-west-1/xray/aws4_request"), "{ours}");
        assert_eq!(
            request.headers()["x-amz-security-token"],
            "session-token-of-the-role"
        );
        let script = r#"
import datetime, sys
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
# Signed at the time the Rust side signed at.
botocore.auth.get_current_datetime = lambda: datetime.datetime.strptime(sys.argv[1], "%Y%m%dT%H%M%SZ")
request = AWSRequest(method="POST", url="https://xray.eu-west-1.amazonaws.com/v1/traces",
                     data=b"\x0a\x02spans", headers={"content-type": "application/x-protobuf"})
SigV4Auth(Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-of-the-role"),
          "xray", "eu-west-1").add_auth(request)
print(request.headers["Authorization"])
"#;
        let stamp = request.headers()["x-amz-date"].to_str().unwrap().to_owned();
        let output = std::process::Command::new(python)
            .args(["-c", script, &stamp])
            .output()
            .unwrap();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains("No module named 'botocore'"), "{stderr}");
            eprintln!("skipped: no botocore beside opentelemetry-proto");
            return;
        }
        let theirs = String::from_utf8(output.stdout).unwrap();
        assert_eq!(ours, theirs.trim());
    }
}
