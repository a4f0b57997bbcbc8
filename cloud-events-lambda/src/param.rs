//! One injected parameter of a handler or factory, and what it needs registered: the
//! vocabulary of the start-up checks, below everything that registers or injects.

use std::any::TypeId;

/// A registered type a parameter needs (`Dep<T>` needs `T`): its id and name.
pub type Requirement = Option<(TypeId, &'static str)>;

/// One injected parameter of a handler or factory, for the start-up checks.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Context, Dep, Dependencies, Dispatcher, Options, RawEvent, on_event};
/// use std::any::TypeId;
///
/// struct Table;
///
/// #[on_event("aws.s3")]
/// fn stored(_event: RawEvent, context: Context, table: Dep<Table>) {}
///
/// # fn main() {
/// let mut dependencies = Dependencies::new();
/// dependencies.insert(Table);
/// let dispatcher = Dispatcher::new(dependencies, Options::default()).unwrap();
/// let params = dispatcher.handlers()[0].params;
/// assert_eq!((params[0].name, params[1].name), ("context", "table"));
/// assert_eq!((params[0].requirement)(), None);
/// assert_eq!((params[1].requirement)().unwrap().0, TypeId::of::<Table>());
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The parameter's name as written.
    pub name: &'static str,
    /// What it needs registered, if anything.
    pub requirement: fn() -> Requirement,
}
