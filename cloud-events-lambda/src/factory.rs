//! `#[dependency]` factories: how a `Dep<T>` that was not registered as a value is made, and
//! how long the made value lives.

use crate::dependencies::Dep;
use crate::dispatch::Invocation;
use crate::error::{DispatchError, ErrorKind};
use crate::registry::Param;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// A made value, type-erased.
pub type AnyValue = Arc<dyn Any + Send + Sync>;

/// The future of one factory call.
pub type FactoryFuture<'a> = Pin<Box<dyn Future<Output = Result<AnyValue, DispatchError>> + Send + 'a>>;

/// How long a factory's value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Made once per process, at first use, and shared by every invocation after: the place
    /// for SDK clients and connection pools (Lambda keeps the process between invocations).
    Process,
    /// Made once per invocation and shared by all handlers (and factories) of it. The default.
    Invocation,
    /// Made anew for every parameter that asks for it.
    Transient,
}

impl Scope {
    /// The name used in `#[dependency(scope = "...")]`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Process => "process",
            Scope::Invocation => "invocation",
            Scope::Transient => "transient",
        }
    }
}

/// The arguments given at the handler site (`#[dep("slack")] notifier: Dep<Notifier>`), for a
/// factory that takes a `DepArgs` parameter. Values made from different arguments are cached
/// apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DepArgs(pub &'static [&'static str]);

impl DepArgs {
    /// The `index`-th argument.
    pub fn get(&self, index: usize) -> Option<&'static str> {
        self.0.get(index).copied()
    }

    /// All arguments.
    pub fn all(&self) -> &'static [&'static str] {
        self.0
    }
}

/// One `#[dependency]` factory, as the macro registers it.
pub struct FactoryRegistration {
    /// The type it makes.
    pub type_id: fn() -> TypeId,
    /// That type's name as written.
    pub type_name: &'static str,
    /// How long its value lives.
    pub scope: Scope,
    /// The function's name.
    pub name: &'static str,
    /// The module the function is in.
    pub module_path: &'static str,
    /// The source file.
    pub file: &'static str,
    /// The line of the attribute.
    pub line: u32,
    /// Its injected parameters.
    pub params: &'static [Param],
    /// Calls the factory.
    pub make: for<'a> fn(&'a Invocation, DepArgs) -> FactoryFuture<'a>,
}

impl FactoryRegistration {
    /// `module::function`.
    pub fn path(&self) -> String {
        format!("{}::{}", self.module_path, self.name)
    }
}

impl fmt::Debug for FactoryRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FactoryRegistration")
            .field("type", &self.type_name)
            .field("scope", &self.scope)
            .field("path", &self.path())
            .finish()
    }
}

inventory::collect!(FactoryRegistration);

/// Every registered factory.
pub fn registered_factories() -> impl Iterator<Item = &'static FactoryRegistration> {
    inventory::iter::<FactoryRegistration>.into_iter()
}

/// A cached value's key: the type made and the arguments it was made from.
type CacheKey = (TypeId, DepArgs);

/// Values made once and shared, by type and arguments.
#[derive(Default)]
pub(crate) struct ValueCache {
    cells: Mutex<HashMap<CacheKey, Arc<OnceCell<AnyValue>>>>,
}

impl ValueCache {
    fn cell(&self, key: CacheKey) -> Arc<OnceCell<AnyValue>> {
        let mut cells = self.cells.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(cells.entry(key).or_default())
    }

    /// How many values it holds.
    pub(crate) fn len(&self) -> usize {
        let cells = self.cells.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cells.values().filter(|cell| cell.initialized()).count()
    }
}

impl fmt::Debug for ValueCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ValueCache({} values)", self.len())
    }
}

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
