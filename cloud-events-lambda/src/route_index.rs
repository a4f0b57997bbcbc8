//! The route index: every registered handler in priority order, with its parsed `when`
//! condition, and per route (each kind, and the default) the handlers that may take an
//! event, found by exact `source` where a handler names one. Built once at start-up; looked
//! up for each event by selection (`selection.rs`) and read by the diagnostics
//! (`diagnostics.rs`).

use crate::error::StartupError;
use crate::registry::{HandlerRegistration, Pattern, Route};
use cloud_events_core::Kind;
use cloud_events_core::condition::Condition;
use std::collections::HashMap;

/// The handlers in priority order, their conditions, and the index per route.
#[derive(Debug)]
pub(crate) struct RouteIndex {
    /// Every handler, highest priority first.
    pub(crate) handlers: Vec<&'static HandlerRegistration>,
    /// Parsed `when` conditions, by handler index.
    pub(crate) conditions: Vec<Option<Condition>>,
    /// Per kind (by `Kind as usize`); the last entry is the default handlers'.
    slots: Vec<Slot>,
}

impl RouteIndex {
    /// Sorts the handlers once: highest `rank` first, then the more specific (more tests),
    /// then by path, so that the choice never depends on link order; parses their
    /// conditions; and indexes them by route and exact `source`.
    pub(crate) fn build(
        handlers: impl IntoIterator<Item = &'static HandlerRegistration>,
    ) -> Result<Self, StartupError> {
        let mut handlers: Vec<&'static HandlerRegistration> = handlers.into_iter().collect();
        if handlers.is_empty() {
            return Err(StartupError::NoHandlers);
        }
        let mut conditions = HashMap::new();
        for handler in &handlers {
            if let Some(when) = handler.when {
                let condition = Condition::parse(when).map_err(|error| StartupError::InvalidCondition {
                    handler: handler.path(),
                    error: error.to_string(),
                })?;
                conditions.insert(handler.path(), condition);
            }
        }
        let specificity = |handler: &HandlerRegistration| {
            handler.filter.weight() + conditions.get(&handler.path()).map_or(0, Condition::weight)
        };
        // Each key computed once (not once per comparison): start-up cost stays linear-log
        // in the number of handlers.
        handlers.sort_by_cached_key(|h| {
            (
                std::cmp::Reverse(h.rank),
                std::cmp::Reverse(specificity(h)),
                h.module_path,
                h.name,
            )
        });
        let mut slots: Vec<Slot> = (0..=Kind::ALL.len()).map(|_| Slot::default()).collect();
        for (index, handler) in handlers.iter().enumerate() {
            let slot = &mut slots[slot_of(handler.route)];
            slot.routes_records |= handler.per_record && handler.when.is_some();
            match handler.filter.source {
                Some(Pattern::Exact(source)) => slot.by_source.entry(source).or_default().push(index),
                _ => slot.rest.push(index),
            }
        }
        let conditions = handlers
            .iter()
            .map(|handler| conditions.remove(&handler.path()))
            .collect();
        Ok(RouteIndex {
            handlers,
            conditions,
            slots,
        })
    }

    /// The handlers of `route` that may match an event from `source`, in priority order.
    pub(crate) fn candidates(&self, route: Route, source: Option<&str>) -> impl Iterator<Item = usize> + '_ {
        self.slots[slot_of(route)].candidates(source)
    }

    /// Whether some handler of `route` takes one record at a time and has a `when`
    /// condition, so that a batch's records may be routed one by one.
    pub(crate) fn routes_records(&self, route: Route) -> bool {
        self.slots[slot_of(route)].routes_records
    }

    /// Whether `route` has no handler at all.
    pub(crate) fn is_empty(&self, route: Route) -> bool {
        let slot = &self.slots[slot_of(route)];
        slot.rest.is_empty() && slot.by_source.is_empty()
    }
}

/// Where `route`'s handlers are in [`RouteIndex::slots`].
fn slot_of(route: Route) -> usize {
    match route {
        Route::Kind(kind) => kind as usize,
        Route::Default => Kind::ALL.len(),
    }
}

/// The handlers of one route, in priority order, indexed by exact `source`.
#[derive(Debug, Default)]
struct Slot {
    /// Handlers whose filter names an exact `source`, by that source.
    by_source: HashMap<&'static str, Vec<usize>>,
    /// The others.
    rest: Vec<usize>,
    /// Some handler takes one record at a time and has a `when` condition: records may be
    /// routed one by one.
    routes_records: bool,
}

impl Slot {
    /// The handlers that may match an event from `source`, in priority order (both lists are
    /// sorted, so this is a merge).
    fn candidates(&self, source: Option<&str>) -> impl Iterator<Item = usize> + '_ {
        let sourced = source
            .and_then(|s| self.by_source.get(s))
            .map_or(&[][..], Vec::as_slice);
        Merge {
            a: sourced,
            b: &self.rest,
        }
    }
}

struct Merge<'a> {
    a: &'a [usize],
    b: &'a [usize],
}

impl Iterator for Merge<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        let take_a = match (self.a.first(), self.b.first()) {
            (Some(a), Some(b)) => a < b,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let (head, rest) = if take_a {
            self.a.split_first()?
        } else {
            self.b.split_first()?
        };
        if take_a {
            self.a = rest
        } else {
            self.b = rest
        }
        Some(*head)
    }
}
