//! Factories that need each other in a circle stop start-up with the cycle spelled out.

use cloud_events_lambda::{
    Dep, Dependencies, Dispatcher, Options, RawEvent, StartupError, dependency, on_event,
};

struct Chicken;
struct Egg;

#[dependency]
fn chicken(_egg: Dep<Egg>) -> Chicken {
    Chicken
}

#[dependency]
fn egg(_chicken: Dep<Chicken>) -> Egg {
    Egg
}

#[on_event("aws.s3")]
fn farm(_event: RawEvent, _chicken: Dep<Chicken>) {}

#[test]
fn a_dependency_cycle_is_reported_before_the_first_event() {
    let error = Dispatcher::new(Dependencies::new(), Options::default()).unwrap_err();
    let StartupError::DependencyCycle {
        handler,
        parameter,
        cycle,
    } = &error
    else {
        panic!("expected a cycle, got {error}");
    };
    assert_eq!(handler, "startup_dependency_cycle::farm");
    assert_eq!(*parameter, "_chicken");
    let names: Vec<&str> = cycle
        .split(" -> ")
        .map(|t| t.rsplit("::").next().unwrap())
        .collect();
    assert_eq!(names, ["Chicken", "Egg", "Chicken"], "{cycle}");
}
