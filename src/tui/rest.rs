//! A preview is asked once the cursor rests: while a clerk steps through the list (a key held
//! down, or a key every few milliseconds) the server would otherwise build the preview of every
//! row passed over, and its work and the reading of its answer would compete for the cores with
//! the frames of the steps that follow (on a 2-core jump host, three processes for two cores).
//! The answer of the last step is all that is shown anyway.

use super::link::Ask;
use std::time::{Duration, Instant};

/// How long the cursor rests before its ticket's preview is asked: shorter than a key
/// repeat's interval (about 33 ms), too short for a clerk to see.
pub const PREVIEW_REST: Duration = Duration::from_millis(25);

/// The preview ask waiting for the cursor to rest.
#[derive(Debug, Default)]
pub struct Resting {
    preview: Option<(Instant, Ask)>,
}

impl Resting {
    /// The asks to send now; a preview among them waits until `now + PREVIEW_REST`, in place
    /// of one waiting already.
    pub fn send_now(&mut self, asks: Vec<Ask>, now: Instant) -> Vec<Ask> {
        let mut send = Vec::with_capacity(asks.len());
        for ask in asks {
            match ask {
                Ask::Preview(_) => self.preview = Some((now + PREVIEW_REST, ask)),
                other => send.push(other),
            }
        }
        send
    }

    /// When the waiting preview is due, if one waits.
    pub fn due(&self) -> Option<Instant> {
        self.preview.as_ref().map(|(at, _)| *at)
    }

    /// The waiting preview, once it is due at `now`.
    pub fn take_due(&mut self, now: Instant) -> Option<Ask> {
        match &self.preview {
            Some((at, _)) if *at <= now => self.preview.take().map(|(_, ask)| ask),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::TicketId;

    #[test]
    fn a_preview_is_asked_once_the_cursor_rests_and_only_for_the_last_ticket_stepped_on() {
        let mut resting = Resting::default();
        let start = Instant::now();
        let step = Duration::from_millis(5);
        // Three steps down, 5 ms apart: each asks the preview of its ticket and the next rows.
        for (i, id) in [101, 102, 103].into_iter().enumerate() {
            let now = start + step * i as u32;
            let sent = resting.send_now(vec![Ask::Preview(TicketId(id)), Ask::Health], now);
            assert!(matches!(sent.as_slice(), [Ask::Health]), "other asks go at once: {sent:?}");
            assert!(resting.take_due(now + step / 2).is_none(), "not while the cursor moves");
        }
        let last = start + step * 2;
        assert_eq!(resting.due(), Some(last + PREVIEW_REST));
        assert!(resting.take_due(last + PREVIEW_REST - Duration::from_millis(1)).is_none());
        assert!(matches!(resting.take_due(last + PREVIEW_REST), Some(Ask::Preview(TicketId(103)))));
        assert_eq!(resting.due(), None, "asked once");
    }
}
