//! Handler parameters after the event: resolved from the invocation through [`FromInvocation`].

use crate::context::Context;
use crate::dependencies::Dep;
use crate::dispatch::Invocation;
use crate::error::{DispatchError, ErrorKind};
use cloud_events_core::{Classification, RawEvent};
use std::any::TypeId;

/// A type a handler can take as a parameter after the event.
///
/// Built in: [`Dep<T>`] (values registered at start-up), [`Context`], [`Classification`] and
/// [`RawEvent`]. Implement it for your own types to inject them.
///
/// ```
/// use cloud_events_lambda::{DispatchError, FromInvocation, __private::Invocation};
/// struct RequestId(String);
/// impl FromInvocation for RequestId {
///     fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
///         Ok(RequestId(invocation.context().request_id.clone()))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be injected into a handler",
    label = "this parameter's type does not implement `FromInvocation`",
    note = "parameters after the event must implement `cloud_events_lambda::FromInvocation`: use `Dep<T>`, `Context`, `Classification` or `RawEvent`, or implement the trait for your type"
)]
pub trait FromInvocation: Sized {
    /// Takes the value from the invocation.
    fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError>;

    /// The registered type this parameter needs, checked at start-up (`Dep<T>` needs `T`).
    fn requirement() -> Option<(TypeId, &'static str)> {
        None
    }
}

impl<T: Send + Sync + 'static> FromInvocation for Dep<T> {
    fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
        invocation.dependencies().get::<T>().ok_or_else(|| {
            DispatchError::new(
                ErrorKind::Injection,
                format!("no value of type `{}` is registered", std::any::type_name::<T>()),
            )
        })
    }

    fn requirement() -> Option<(TypeId, &'static str)> {
        Some((TypeId::of::<T>(), std::any::type_name::<T>()))
    }
}

impl FromInvocation for Context {
    fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
        Ok(invocation.context().clone())
    }
}

impl FromInvocation for Classification {
    fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
        Ok(invocation.classification().clone())
    }
}

impl FromInvocation for RawEvent {
    fn from_invocation(invocation: &Invocation) -> Result<Self, DispatchError> {
        Ok(invocation.event().clone())
    }
}
