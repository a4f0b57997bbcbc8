//! Diagnostics over the same route index that dispatch uses: how an event would be routed
//! (`APP explain`), and the problems `APP routes` warns about (handlers that can never run, a
//! missing default).

use crate::registry::{Pattern, Route};
use crate::route_index::RouteIndex;
use crate::selection::{LazyJson, Selection};
use crate::strategy::{Options, Strategy};
use cloud_events_core::{Kind, classify_str};

/// Problems worth a warning (see [`Dispatcher::warnings`](crate::Dispatcher::warnings)).
pub(crate) fn warnings(routes: &RouteIndex, options: &Options) -> Vec<String> {
    let mut warnings = Vec::new();
    if options.strategy != Strategy::AllMatches {
        for (index, handler) in routes.handlers.iter().enumerate() {
            let shadow = routes.handlers[..index]
                .iter()
                .enumerate()
                .find(|(earlier, other)| {
                    other.route == handler.route
                        && other.per_record == handler.per_record
                        && covers(other.filter.source, handler.filter.source)
                        && covers(other.filter.ty, handler.filter.ty)
                        && covers(other.filter.subject, handler.filter.subject)
                        && match (&routes.conditions[*earlier], &routes.conditions[index]) {
                            (None, _) => true,
                            (Some(a), Some(b)) => a == b,
                            (Some(_), None) => false,
                        }
                });
            if let Some((_, other)) = shadow {
                warnings.push(format!(
                    "handler `{}` ({}) can never run: `{}` (rank {}) comes first and matches every event it matches",
                    handler.path(),
                    handler.location(),
                    other.path(),
                    other.rank
                ));
            }
        }
    }
    if routes.is_empty(Route::Default) {
        let unhandled: Vec<&str> = Kind::ALL
            .iter()
            .filter(|kind| routes.is_empty(Route::Kind(**kind)))
            .map(|kind| kind.key())
            .collect();
        warnings.push(format!(
            "no #[on_event(default)] handler: {} of {} kinds have no handler and fail with NoHandler (and so does unclassified JSON)",
            unhandled.len(),
            Kind::ALL.len()
        ));
    }
    warnings
}

/// How an event would be routed, in lines (see [`Dispatcher::explain`](crate::Dispatcher::explain)).
pub(crate) fn explain(route_index: &RouteIndex, options: &Options, json: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let classification = match classify_str(json) {
        Ok(classification) => classification,
        Err(error) => {
            lines.push(format!("classification: error: {error}"));
            lines.push("outcome: the invocation fails with InvalidEvent".to_owned());
            return lines;
        }
    };
    lines.push(format!("route key: {}", classification.route_key()));
    for (name, value) in [
        ("source", classification.source()),
        ("type", classification.event_type()),
        ("subject", classification.subject()),
    ] {
        if let Some(value) = value {
            lines.push(format!("{name}: {value}"));
        }
    }
    lines.push(format!("path: {}", classification.path()));
    let lazy = LazyJson::new(json);
    let mut routes = Vec::new();
    if let Some(kind) = classification.kind() {
        routes.push(Route::Kind(kind));
    }
    routes.push(Route::Default);
    for route in routes {
        let candidates: Vec<usize> = (0..route_index.handlers.len())
            .filter(|&i| route_index.handlers[i].route == route)
            .collect();
        lines.push(format!("handlers of {} ({}):", route.key(), candidates.len()));
        for index in candidates {
            let handler = route_index.handlers[index];
            let verdict = if !handler.filter.matches(&classification) {
                format!(
                    "no: {} does not hold",
                    handler.filter.describe(handler.route).join(" && ")
                )
            } else {
                match (&route_index.conditions[index], route) {
                    (None, _) => "matches".to_owned(),
                    (Some(condition), Route::Kind(kind)) if handler.per_record => {
                        let records = lazy.records(kind);
                        let holding = records.iter().filter(|r| condition.holds(r)).count();
                        format!(
                            "per record: the condition holds for {holding} of {} records",
                            records.len()
                        )
                    }
                    (Some(condition), _) => {
                        if lazy.get().is_some_and(|tree| condition.holds(tree)) {
                            "matches".to_owned()
                        } else {
                            format!("no: when {condition} does not hold")
                        }
                    }
                }
            };
            lines.push(format!(
                "  rank {:>3}  {}  [{}]  {verdict}",
                handler.rank,
                handler.path(),
                handler.conditions()
            ));
        }
    }
    let outcome = match route_index.select(options, &classification, json) {
        Selection::Run(handlers) => {
            let names: Vec<String> = handlers.iter().map(|h| h.path()).collect();
            format!("runs {}", names.join(", then "))
        }
        Selection::PerRecord { handlers, assignment } => {
            let taken = assignment.iter().filter(|a| a.is_some()).count();
            let shares: Vec<String> = handlers
                .iter()
                .enumerate()
                .filter_map(|(index, h)| {
                    let records = assignment.iter().filter(|a| **a == Some(index)).count();
                    (records > 0).then(|| format!("{} ({records})", h.path()))
                })
                .collect();
            let rest = match assignment.len() - taken {
                0 => String::new(),
                untaken => format!("; {untaken} no handler takes fail"),
            };
            format!(
                "routes {taken} of {} records: {}{rest}",
                assignment.len(),
                shares.join(", ")
            )
        }
        Selection::Adapted(plan) => {
            let names: Vec<String> = plan.iter().map(|(_, _, h)| h.path()).collect();
            format!(
                "adapted into {} CloudEvents, handled by {}",
                plan.len(),
                names.join(", ")
            )
        }
        Selection::Ambiguous(tied) => format!(
            "{} handlers tie at rank {}: the {} strategy {}",
            tied.len(),
            tied[0].rank,
            options.strategy.name(),
            if options.strategy == Strategy::ErrorIfAmbiguous {
                "fails (AmbiguousHandlers)"
            } else {
                "runs none"
            }
        ),
        Selection::NoHandler => {
            "no handler matches and there is no default: the invocation fails with NoHandler".to_owned()
        }
    };
    lines.push(format!("strategy: {}", options.strategy.name()));
    lines.push(format!("outcome: {outcome}"));
    lines
}

/// Whether a handler testing `wide` matches everything one testing `narrow` matches.
fn covers(wide: Option<Pattern>, narrow: Option<Pattern>) -> bool {
    match (wide, narrow) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(Pattern::Exact(a)), Some(Pattern::Exact(b))) => a == b,
        (Some(Pattern::Prefix(a)), Some(Pattern::Exact(b) | Pattern::Prefix(b))) => b.starts_with(a),
        (Some(Pattern::Exact(_)), Some(Pattern::Prefix(_))) => false,
    }
}
