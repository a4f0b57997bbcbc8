//! Shared values registered once at start-up and injected as `Dep<T>`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// The values registered with [`App::dep`](crate::App::dep), by type.
#[derive(Default, Clone)]
pub struct Dependencies {
    values: HashMap<TypeId, (Arc<dyn Any + Send + Sync>, &'static str)>,
}

impl Dependencies {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `value`; a later value of the same type replaces it.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.values
            .insert(TypeId::of::<T>(), (Arc::new(value), std::any::type_name::<T>()));
    }

    /// The value of type `T`, if registered.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Dep<T>> {
        let (value, _) = self.values.get(&TypeId::of::<T>())?;
        Arc::clone(value).downcast::<T>().ok().map(Dep)
    }

    /// Whether a value of the type with this id is registered.
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

/// A shared value registered at start-up, injected into a handler parameter.
///
/// ```
/// use cloud_events_lambda::{Dep, Dependencies};
/// let mut deps = Dependencies::new();
/// deps.insert(String::from("books"));
/// let table: Dep<String> = deps.get().unwrap();
/// assert_eq!(table.len(), 5);
/// ```
pub struct Dep<T: ?Sized>(pub Arc<T>);

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
