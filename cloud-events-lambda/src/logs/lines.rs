//! The log writer when lines may be held or sampled: a `tracing-subscriber` layer around the
//! writer's own (`fmt`) layer that decides, line by line, whether it is written now, held for
//! its invocation, or dropped. Without buffering nor sampling this layer is not installed and
//! lines go straight to the writer.
//!
//! In an invocation: an ERROR line first writes what is held, then itself; in an invocation
//! drawn for sampling, lines down to DEBUG are written; lines at or below the buffer's level
//! are held; anything else is written if the writer's level (Lambda's or `RUST_LOG`) lets it
//! through. Outside an invocation, only the writer's level decides.

use super::held::{HeldLine, HeldOutput, HeldSpan, Recorder, format_all};
use super::invocation::{InvocationLog, with_current};
use super::keys::LineKeys;
use std::collections::VecDeque;
use std::io::Write as _;
use std::sync::Arc;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::{DefaultFields, JsonFields};
use tracing_subscriber::fmt::{FormattedFields, MakeWriter};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::{LookupSpan, SpanRef};

/// The deciding layer, around the writer's layer.
pub(crate) struct Lines<S> {
    pub(crate) inner: Box<dyn Layer<S> + Send + Sync>,
    /// What is written when nothing holds it.
    pub(crate) written: Targets,
    /// What is written in an invocation drawn for sampling.
    pub(crate) sampled: Targets,
    /// The buffer's level and what it holds, if lines are held.
    pub(crate) held: Option<(Level, usize, Targets)>,
    /// Whether spans' fields are JSON (else `tracing-subscriber`'s text).
    pub(crate) json: bool,
    pub(crate) output: Arc<dyn HeldOutput>,
}

/// A span's formatted fields, shared by the lines held in it.
struct SharedFields(Arc<str>);

/// Where held lines are written: the writer's output, in its format.
pub(crate) struct Output<W> {
    pub(crate) writer: W,
    pub(crate) json: bool,
}

impl<W> HeldOutput for Output<W>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    fn write(&self, lines: VecDeque<HeldLine>, dropped: usize, cap: usize, keys: &LineKeys<'_>) {
        let text = format_all(self.json, lines, dropped, cap, keys);
        // As the writer's own layer does: a line that cannot be written is lost, not a panic.
        let _ = self.writer.make_writer().write_all(text.as_bytes());
    }
}

impl<S> Lines<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    /// Whether `event` is written now (holding it if it is held).
    fn decide(&self, invocation: &InvocationLog, event: &Event<'_>, context: &Context<'_, S>) -> bool {
        let metadata = event.metadata();
        let level = *metadata.level();
        if level == Level::ERROR {
            invocation.flush();
            return self.written.would_enable(metadata.target(), &level);
        }
        if invocation.sampled && self.sampled.would_enable(metadata.target(), &level) {
            return true;
        }
        // At or below the buffer's level, a line is held or dropped: never written as it is
        // logged, whatever the writer's level.
        if let Some((held_level, cap, held)) = &self.held
            && level >= *held_level
        {
            if held.would_enable(metadata.target(), &level) {
                self.hold(invocation, event, context, *cap);
            }
            return false;
        }
        self.written.would_enable(metadata.target(), &level)
    }

    fn hold(&self, invocation: &InvocationLog, event: &Event<'_>, context: &Context<'_, S>, cap: usize) {
        let spans = context
            .event_scope(event)
            .map(|scope| {
                scope
                    .from_root()
                    .map(|span| HeldSpan {
                        name: span.name(),
                        fields: span.extensions().get::<SharedFields>().map_or_else(
                            || Arc::from(self.span_fields(&span)),
                            |shared| Arc::clone(&shared.0),
                        ),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut recorder = Recorder::default();
        event.record(&mut recorder);
        let metadata = event.metadata();
        let line = HeldLine::new(*metadata.level(), metadata.target(), spans, recorder.0);
        if let Ok(mut held) = invocation.held.try_borrow_mut() {
            held.hold(line, cap, &self.output);
        }
    }

    /// Keeps the span's fields, as the writer formatted them, where every line held in it
    /// shares them rather than copying them.
    fn share_fields(&self, id: &Id, context: &Context<'_, S>) {
        if let Some(span) = context.span(id) {
            let shared = SharedFields(Arc::from(self.span_fields(&span)));
            span.extensions_mut().replace(shared);
        }
    }

    fn span_fields(&self, span: &SpanRef<'_, S>) -> String {
        let extensions = span.extensions();
        let fields = if self.json {
            extensions
                .get::<FormattedFields<JsonFields>>()
                .map(|formatted| formatted.fields.clone())
        } else {
            extensions
                .get::<FormattedFields<DefaultFields>>()
                .map(|formatted| formatted.fields.clone())
        };
        fields.unwrap_or_default()
    }
}

impl<S> Layer<S> for Lines<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, context: Context<'_, S>) {
        let write =
            with_current(|invocation| self.decide(invocation, event, &context)).unwrap_or_else(|| {
                let metadata = event.metadata();
                self.written.would_enable(metadata.target(), metadata.level())
            });
        if write {
            self.inner.on_event(event, context);
        }
    }

    // Everything else is the writer layer's.

    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        self.inner.on_register_dispatch(subscriber);
    }
    fn on_layer(&mut self, subscriber: &mut S) {
        self.inner.on_layer(subscriber);
    }
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        self.inner.register_callsite(metadata)
    }
    fn enabled(&self, metadata: &Metadata<'_>, context: Context<'_, S>) -> bool {
        self.inner.enabled(metadata, context)
    }
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        self.inner.on_new_span(attributes, id, context.clone());
        self.share_fields(id, &context);
    }
    fn on_record(&self, span: &Id, values: &Record<'_>, context: Context<'_, S>) {
        self.inner.on_record(span, values, context.clone());
        self.share_fields(span, &context);
    }
    fn on_follows_from(&self, span: &Id, follows: &Id, context: Context<'_, S>) {
        self.inner.on_follows_from(span, follows, context);
    }
    fn event_enabled(&self, event: &Event<'_>, context: Context<'_, S>) -> bool {
        self.inner.event_enabled(event, context)
    }
    fn on_enter(&self, id: &Id, context: Context<'_, S>) {
        self.inner.on_enter(id, context);
    }
    fn on_exit(&self, id: &Id, context: Context<'_, S>) {
        self.inner.on_exit(id, context);
    }
    fn on_close(&self, id: Id, context: Context<'_, S>) {
        self.inner.on_close(id, context);
    }
    fn on_id_change(&self, old: &Id, new: &Id, context: Context<'_, S>) {
        self.inner.on_id_change(old, new, context);
    }
}
