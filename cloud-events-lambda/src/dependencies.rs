//! Shared values: registered once at start-up or made by `#[dependency]` factories, injected
//! as `Dep<T>`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// The values registered with [`App::dep`](crate::App::dep), by type.
///
/// ```
/// use cloud_events_lambda::{Dep, Dependencies};
/// struct Bucket(&'static str);
/// let mut dependencies = Dependencies::new();
/// dependencies.insert(Bucket("acme-invoices-prod"));
/// let bucket: Dep<Bucket> = dependencies.get().unwrap();
/// assert_eq!(bucket.0, "acme-invoices-prod");
/// ```
#[derive(Default, Clone)]
pub struct Dependencies {
    values: HashMap<TypeId, (Arc<dyn Any + Send + Sync>, &'static str)>,
}

impl Dependencies {
    /// No values.
    ///
    /// ```
    /// use cloud_events_lambda::Dependencies;
    /// let dependencies = Dependencies::new();
    /// assert!(dependencies.get::<String>().is_none());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `value`; a later value of the same type replaces it.
    ///
    /// ```
    /// use cloud_events_lambda::Dependencies;
    /// let mut dependencies = Dependencies::new();
    /// dependencies.insert(String::from("orders-v1"));
    /// dependencies.insert(String::from("orders-v2"));
    /// assert_eq!(*dependencies.get::<String>().unwrap(), "orders-v2");
    /// ```
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values
            .insert(TypeId::of::<T>(), (Arc::new(value), std::any::type_name::<T>()));
    }

    /// The value of type `T`, if registered.
    ///
    /// ```
    /// use cloud_events_lambda::Dependencies;
    /// let mut dependencies = Dependencies::new();
    /// dependencies.insert(42_u32);
    /// assert_eq!(dependencies.get::<u32>().as_deref(), Some(&42));
    /// assert!(dependencies.get::<u64>().is_none()); // by exact type
    /// ```
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Dep<T>> {
        let (value, _) = self.values.get(&TypeId::of::<T>())?;
        Arc::clone(value).downcast::<T>().ok().map(Dep)
    }

    /// Whether a value of the type with this id is registered.
    ///
    /// ```
    /// use cloud_events_lambda::Dependencies;
    /// use std::any::TypeId;
    /// let mut dependencies = Dependencies::new();
    /// dependencies.insert(String::from("orders"));
    /// assert!(dependencies.contains(TypeId::of::<String>()));
    /// assert!(!dependencies.contains(TypeId::of::<&str>()));
    /// ```
    pub fn contains(&self, type_id: TypeId) -> bool {
        self.values.contains_key(&type_id)
    }
}

impl fmt::Debug for Dependencies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.values.values().map(|(_, name)| name))
            .finish()
    }
}

/// A shared value, injected into a handler parameter.
///
/// ```
/// use cloud_events_lambda::{Dep, Dependencies};
/// let mut deps = Dependencies::new();
/// deps.insert(String::from("books"));
/// let table: Dep<String> = deps.get().unwrap();
/// assert_eq!(table.len(), 5);
/// ```
pub struct Dep<T: ?Sized>(pub(crate) Arc<T>);

impl<T: ?Sized> Dep<T> {
    /// Wraps a shared value (for tests that call handlers directly).
    ///
    /// ```
    /// use cloud_events_lambda::Dep;
    /// use std::sync::Arc;
    ///
    /// fn stored(table: Dep<String>) -> usize {
    ///     table.len()
    /// }
    /// assert_eq!(stored(Dep::new(Arc::new("books".to_owned()))), 5);
    /// ```
    pub fn new(value: Arc<T>) -> Self {
        Dep(value)
    }

    /// The shared value's `Arc`.
    ///
    /// ```
    /// use cloud_events_lambda::Dep;
    /// use std::sync::Arc;
    /// let shared = Arc::new(String::from("books"));
    /// let dep = Dep::new(Arc::clone(&shared));
    /// assert!(Arc::ptr_eq(dep.arc(), &shared));
    /// let kept: Arc<String> = Arc::clone(dep.arc()); // outlives the handler call
    /// assert_eq!(Arc::strong_count(&kept), 3);
    /// ```
    pub fn arc(&self) -> &Arc<T> {
        &self.0
    }
}

impl<T: ?Sized> Deref for Dep<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized> Clone for Dep<T> {
    fn clone(&self) -> Self {
        Dep(Arc::clone(&self.0))
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Dep<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
