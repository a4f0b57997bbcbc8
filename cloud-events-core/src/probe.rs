//! The marker reader: one forward pass over the event's text that records only the fields the
//! kinds table's rules look at, and stops at the first decisive marker.
//!
//! It reads with the byte scanner of [`crate::scan`], not a parser: a 6 MB SQS body costs one
//! `memchr` scan for its closing quote. It does not check that the text is JSON: on Lambda the
//! typed decoder reads all of it anyway, and the dispatcher checks the text wherever nothing
//! else did (see `RawEvent::check`). Where the text is not JSON at a place the scanner reads,
//! it says where, and the caller asks the JSON checker for the canonical error.
//!
//! A marker of an unexpected JSON type (a number where a string was expected, say) is simply
//! absent, and so is a string whose escapes are no Unicode text (a lone surrogate), so that a
//! strange payload is `unclassified` rather than an error.
//!
//! Some markers are *decisive*: `specversion`, the first record of `Records` naming its source
//! (or carrying `cf`), and a complete EventBridge envelope (`source`, `detail-type` and
//! `detail`). The first decisive marker in document order decides the kind, and the reader
//! stops there.

use crate::markers::{ContextProbe, GcpContextProbe, Probe};
use crate::scan::{Halt, Scanner, Step};
use std::borrow::Cow;

impl<'a> Probe<'a> {
    /// Decides the kind if the markers read so far are a decisive one, and stops reading.
    fn decide(&mut self, candidate: Probe<'_>) -> Step {
        if !self.decisive || self.decided.is_some() {
            return Ok(());
        }
        self.decided = crate::kinds::Kind::ALL
            .iter()
            .copied()
            .find(|kind| kind.detect(&candidate));
        match self.decided {
            Some(_) => Err(Halt::Decided),
            None => Ok(()),
        }
    }

    /// Decides EventBridge once its envelope is complete.
    fn decide_eventbridge(&mut self) -> Step {
        if self.source.is_none() || self.detail_type.is_none() || !self.has.detail {
            return Ok(());
        }
        let mut candidate = Probe {
            source: self.source.clone(),
            detail_type: self.detail_type.clone(),
            ..Probe::default()
        };
        candidate.has.detail = true;
        self.decide(candidate)
    }

    /// Reads (or skips) the value of the member `key` of the top-level object.
    fn field(&mut self, scanner: &mut Scanner<'a>, key: &str) -> Step {
        match key {
            "Records" => return self.records(scanner),
            "detail" => {
                self.has.detail = true;
                self.decide_eventbridge()?;
                scanner.skip()?;
            }
            "requestContext" => {
                self.has.request_context = true;
                self.context = scanner.object_of(ContextProbe::field)?;
            }
            "awslogs" => {
                self.awslogs_data = scanner.object_of(|data: &mut bool, scanner, key| {
                    *data |= key == "data";
                    scanner.skip()
                })?;
            }
            "event" => {
                self.iot_event_name =
                    scanner.object_of(|name: &mut Option<Cow<'a, str>>, scanner, key| {
                        match key {
                            "eventName" => *name = scanner.maybe_str()?,
                            _ => scanner.skip()?,
                        }
                        Ok(())
                    })?;
            }
            "eventSource" => self.event_source = scanner.maybe_str()?,
            "eventType" => self.event_type = scanner.maybe_str()?,
            "context" => self.gcp_context = scanner.object_of(GcpContextProbe::field)?,
            "source" => {
                self.source = scanner.maybe_str()?;
                self.decide_eventbridge()?;
            }
            "detail-type" => {
                self.detail_type = scanner.maybe_str()?;
                self.decide_eventbridge()?;
            }
            "version" => self.version = scanner.maybe_str()?,
            "type" => self.type_ = scanner.maybe_str()?,
            "operation" => self.operation = scanner.maybe_str()?,
            "specversion" => {
                self.specversion = true;
                self.decide(Probe {
                    specversion: true,
                    ..Probe::default()
                })?;
                scanner.skip()?;
            }
            other => {
                self.has.mark(other);
                scanner.skip()?;
            }
        }
        Ok(())
    }

    /// Reads `Records`: the first record's `eventSource` (or SNS's `EventSource`) and `cf`,
    /// deciding as soon as they do; the other records are skipped.
    fn records(&mut self, scanner: &mut Scanner<'a>) -> Step {
        if scanner.peek() != Some(b'[') {
            return scanner.skip();
        }
        self.record_event_source = None;
        self.record_cf = false;
        scanner.array(|scanner, index| {
            if index > 0 {
                return scanner.skip();
            }
            if scanner.peek() == Some(b'{') {
                scanner.object(|scanner, key| match key {
                    "eventSource" | "EventSource" => {
                        self.record_event_source = scanner.maybe_str()?;
                        let candidate = Probe {
                            record_event_source: self.record_event_source.clone(),
                            ..Probe::default()
                        };
                        self.decide(candidate)
                    }
                    "cf" => {
                        self.record_cf = true;
                        scanner.skip()
                    }
                    _ => scanner.skip(),
                })?;
            } else {
                scanner.skip()?;
            }
            // A first record with `cf` and no known source decides once it is complete.
            let candidate = Probe {
                record_event_source: self.record_event_source.clone(),
                record_cf: self.record_cf,
                ..Probe::default()
            };
            self.decide(candidate)
        })
    }
}

impl ContextProbe {
    fn field(&mut self, scanner: &mut Scanner<'_>, key: &str) -> Step {
        let flag = match key {
            "elb" => &mut self.elb,
            "connectionId" => &mut self.connection_id,
            "eventType" => &mut self.event_type,
            "apiId" => &mut self.api_id,
            "serviceArn" | "serviceNetworkArn" | "targetGroupArn" => &mut self.service_arn,
            "domainName" => {
                let domain = scanner.maybe_str()?;
                self.lambda_url_domain = domain.is_some_and(|d| d.contains(".lambda-url."));
                return Ok(());
            }
            _ => return scanner.skip(),
        };
        *flag = true;
        scanner.skip()
    }
}

impl<'a> GcpContextProbe<'a> {
    fn field(&mut self, scanner: &mut Scanner<'a>, key: &str) -> Step {
        match key {
            "eventType" => self.event_type = scanner.maybe_str()?,
            "eventId" => {
                self.event_id = true;
                scanner.skip()?;
            }
            _ => scanner.skip()?,
        }
        Ok(())
    }
}

/// Reads the marker fields of one event, stopping at the first decisive marker; `Err` gives
/// the byte offset where the text is not JSON (the scanner does not check the rest).
pub(crate) fn probe(json: &str) -> Result<Probe<'_>, usize> {
    let mut probe = Probe {
        decisive: true,
        ..Probe::default()
    };
    let mut scanner = Scanner::new(json);
    let read = match scanner.peek() {
        Some(b'{') => scanner.object(|scanner, key| probe.field(scanner, key)),
        Some(b'[') => {
            // An array is probed through its first element (no marker decides there).
            probe.in_array = true;
            scanner.array(|scanner, index| {
                if index == 0 {
                    let first: Probe<'_> =
                        scanner.object_of(|first: &mut Probe<'_>, scanner, key| first.field(scanner, key))?;
                    probe = Probe {
                        in_array: true,
                        ..first
                    };
                    Ok(())
                } else {
                    scanner.skip()
                }
            })
        }
        _ => scanner.skip(),
    };
    match read {
        Ok(()) | Err(Halt::Decided) => Ok(probe),
        Err(Halt::Malformed(at)) => Err(at),
    }
}
