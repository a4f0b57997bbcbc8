//! `#[dependency]` factories: how a `Dep<T>` that was not registered as a value is made, and
//! how long the made value lives.

use crate::dependencies::Dep;
use crate::error::{DispatchError, ErrorKind};
use crate::invocation::{AnyValue, DepArgs, Invocation, Scope};
use std::any::TypeId;
use std::fmt::Display;
use std::sync::Arc;

/// Resolves `Dep<T>` for an invocation: a registered value, else the value of `T`'s factory
/// (from its scope's cache, or made now).
pub async fn resolve<T: Send + Sync + 'static>(
    invocation: &Invocation,
    args: DepArgs,
) -> Result<Dep<T>, DispatchError> {
    let container = invocation.container();
    if args.0.is_empty()
        && let Some(value) = container.values.get::<T>()
    {
        return Ok(value);
    }
    let Some(factory) = container.factories.get(&TypeId::of::<T>()) else {
        return Err(DispatchError::new(
            ErrorKind::Injection,
            format!(
                "no value or #[dependency] factory for `{}`",
                std::any::type_name::<T>()
            ),
        ));
    };
    let key = (TypeId::of::<T>(), args);
    let value = match factory.scope {
        Scope::Transient => (factory.make)(invocation, args).await?,
        Scope::Process => {
            let cell = container.process_cache.cell(key);
            cell.get_or_try_init(|| (factory.make)(invocation, args))
                .await?
                .clone()
        }
        Scope::Invocation => {
            let cell = invocation.cache().cell(key);
            cell.get_or_try_init(|| (factory.make)(invocation, args))
                .await?
                .clone()
        }
    };
    value.downcast::<T>().map(Dep).map_err(|_| {
        DispatchError::new(
            ErrorKind::Injection,
            format!(
                "factory `{}` made a value of another type than `{}`",
                factory.path(),
                factory.type_name
            ),
        )
    })
}

/// What a factory that returns a plain value made.
pub fn factory_value<T: Send + Sync + 'static>(value: T) -> Result<AnyValue, DispatchError> {
    Ok(Arc::new(value))
}

/// What a factory that returns a `Result` made, or its error naming the factory.
pub fn factory_result<T: Send + Sync + 'static, E: Display>(
    result: Result<T, E>,
    factory: &'static str,
) -> Result<AnyValue, DispatchError> {
    match result {
        Ok(value) => Ok(Arc::new(value)),
        Err(error) => Err(DispatchError::new(
            ErrorKind::DependencyFailed,
            format!("dependency factory `{factory}` failed: {error:#}"),
        )),
    }
}
