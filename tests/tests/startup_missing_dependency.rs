//! A handler whose `Dep<T>` has no value and no factory stops start-up, naming the handler,
//! the parameter and the type, before any event is dispatched.

use cloud_events_lambda::{
    Dep, Dependencies, Dispatcher, Options, RawEvent, StartupError, dependency, on_event,
};

struct Database;
struct Repository;

/// The repository needs a database, which nothing provides.
#[dependency]
fn repository(_database: Dep<Database>) -> Repository {
    Repository
}

#[on_event("aws.s3")]
fn store(_event: RawEvent, _repository: Dep<Repository>) {}

#[test]
fn a_missing_dependency_is_reported_with_the_handler_and_the_chain() {
    let error = Dispatcher::new(Dependencies::new(), Options::default()).unwrap_err();
    let StartupError::MissingDependency {
        handler,
        parameter,
        type_name,
        through,
        ..
    } = &error
    else {
        panic!("expected a missing dependency, got {error}");
    };
    assert_eq!(handler, "startup_missing_dependency::store");
    assert_eq!(*parameter, "_repository");
    assert!(type_name.ends_with("Database"), "{type_name}");
    assert!(through.ends_with("Repository"), "{through}");
    let message = error.to_string();
    assert!(
        message.contains("App::dep") && message.contains("#[dependency]"),
        "{message}"
    );
    // Registering the value fixes it.
    let mut values = Dependencies::new();
    values.insert(Database);
    assert!(Dispatcher::new(values, Options::default()).is_ok());
}
