//! Handler parameters after the event: resolved from the invocation through [`FromInvocation`].

use crate::context::Context;
use crate::dependencies::Dep;
use crate::error::{DispatchError, ErrorKind};
use crate::factory::resolve;
use crate::invocation::DepArgs;
use crate::invocation::Invocation;
use crate::param::Requirement;
use cloud_events_core::{Classification, CloudEvent, Kind, RawEvent};
use serde::de::DeserializeOwned;
use std::any::TypeId;
use std::future::Future;

/// A type a handler (or factory) can take as a parameter after the event.
///
/// Built in: [`Dep<T>`] (a registered value, or one made by a `#[dependency]` factory),
/// [`Context`], [`Classification`], [`RawEvent`] and [`Data<T>`]. Implement it for your own
/// types to inject them:
///
/// ```
/// use cloud_events_lambda::{DispatchError, FromInvocation, Invocation};
/// struct RequestId(String);
/// impl FromInvocation for RequestId {
///     async fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
///         Ok(RequestId(invocation.context().request_id.clone()))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected into a handler or factory",
    label = "this parameter's type does not implement `FromInvocation`",
    note = "injected parameters (after a handler's event) must implement `cloud_events_lambda::FromInvocation`: use `Dep<T>`, `Context`, `Classification`, `RawEvent` or `Data<T>`, or implement the trait for your type"
)]
pub trait FromInvocation: Sized + Send {
    /// Takes the value from the invocation.
    fn from_invocation(invocation: &Invocation) -> impl Future<Output = Result<Self, DispatchError>> + Send;

    /// The registered type this parameter needs, checked at start-up (`Dep<T>` needs `T`).
    ///
    /// ```
    /// use cloud_events_lambda::{Context, Dep, FromInvocation};
    /// use std::any::TypeId;
    /// assert_eq!(<Context as FromInvocation>::requirement(), None);
    /// let (type_id, name) = <Dep<String> as FromInvocation>::requirement().unwrap();
    /// assert_eq!(type_id, TypeId::of::<String>());
    /// assert_eq!(name, "alloc::string::String");
    /// ```
    fn requirement() -> Requirement {
        None
    }
}

impl<T: Send + Sync + 'static> FromInvocation for Dep<T> {
    async fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
        resolve::<T>(invocation, DepArgs::default()).await
    }

    fn requirement() -> Requirement {
        Some((TypeId::of::<T>(), std::any::type_name::<T>()))
    }
}

impl FromInvocation for Context {
    async fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
        Ok(invocation.context().clone())
    }
}

impl FromInvocation for Classification {
    async fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
        Ok(invocation.classification().clone())
    }
}

impl FromInvocation for RawEvent {
    async fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
        Ok(invocation.event().clone())
    }
}

/// The payload of the event, decoded into `T`: a CloudEvent's `data` or an EventBridge
/// event's `detail`.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Context, Data, Dependencies, Dispatcher, Kind, Options, RawEvent, on_event};
///
/// #[derive(serde::Deserialize)]
/// #[serde(rename_all = "camelCase")]
/// struct Order { order_id: String, total: f64 }
///
/// #[on_event("aws.events", source = "com.acme.orders")]
/// fn placed(_event: RawEvent, order: Data<Order>) -> String {
///     format!("{} {:.2}", order.order_id, order.total)
/// }
///
/// #[on_event("cloudevents", type = "com.example.order.created")]
/// fn created(_event: RawEvent, order: Data<Order>) -> String {
///     order.0.order_id
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// let detail = dispatcher.dispatch(Kind::EventBridge.sample(), Context::local(1, "demo")).await;
/// assert_eq!(detail.unwrap(), "ord-5521 129.50");
/// let data = dispatcher.dispatch(Kind::CloudEvents.sample(), Context::local(2, "demo")).await;
/// assert_eq!(data.unwrap(), "ord-5521");
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Data<T>(pub T);

impl<T> std::ops::Deref for Data<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + Send> FromInvocation for Data<T> {
    async fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
        let decode_error = |message: String| DispatchError::new(ErrorKind::EventDecode, message);
        match invocation.classification().kind() {
            Some(Kind::CloudEvents) => {
                let event = CloudEvent::<T>::from_event(invocation.event())
                    .map_err(|e| decode_error(e.to_string()))?;
                event
                    .data
                    .map(Data)
                    .ok_or_else(|| decode_error("the CloudEvent has no `data`".to_owned()))
            }
            Some(Kind::EventBridge) => {
                #[derive(serde::Deserialize)]
                struct Detail<T> {
                    detail: T,
                }
                let detail: Detail<T> = invocation
                    .event()
                    .decode_json()
                    .map_err(|e| decode_error(e.to_string()))?;
                Ok(Data(detail.detail))
            }
            _ => Err(decode_error(format!(
                "`Data<{}>` is for CloudEvents and EventBridge events, not `{}`",
                std::any::type_name::<T>(),
                invocation.classification().route_key()
            ))),
        }
    }
}

/// A `Dep<T>` parameter with handler-site arguments (`#[dep("slack")]`).
pub async fn resolve_with_args<T: Send + Sync + 'static>(
    invocation: &Invocation,
    args: &'static [&'static str],
) -> Result<Dep<T>, DispatchError> {
    resolve::<T>(invocation, DepArgs(args)).await
}

/// What a `Dep<T>` parameter needs.
pub fn dep_requirement<T: 'static>() -> Requirement {
    Some((TypeId::of::<T>(), std::any::type_name::<T>()))
}
