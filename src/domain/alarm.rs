//! Deadline alarms (临期 / 超期): the instants at which a ticket's running clocks turn due soon
//! and overdue, and which of them have already been raised. Pure: the engine keeps each open
//! ticket's next alarm in an index and raises the alarms whose instant has come.
//!
//! An alarm is named by its clock, the state it announces and the due instant it is about, so a
//! clock whose due instant moves (an extension, a suspension, a restart) has alarms pending again,
//! while one raised alarm is never raised twice. Nothing here depends on "now" except which
//! alarms have come: an alarm that passed while no server ran is still pending afterwards.

use crate::domain::calendar::Calendar;
use crate::domain::sla::{ClockRecord, ClockState, SlaPolicy};
use crate::domain::ticket::Ticket;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Bumped when the alarm index changes meaning, so that a store's alarms are recomputed once.
pub const ALARM_LAYOUT: u64 = 1;

/// One alarm raised on a ticket (a `DeadlineAlarm` event).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiredAlarm {
    pub clock: String,
    /// `DueSoon` or `Overdue`.
    pub state: ClockState,
    pub due_at: Timestamp,
}

/// The alarms already raised on one ticket, oldest first: what the log's `DeadlineAlarm`
/// events of the ticket say, kept beside the ticket so that the next alarm can be computed
/// without reading its timeline.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmMemory {
    pub fired: Vec<FiredAlarm>,
}

impl AlarmMemory {
    pub fn is_empty(&self) -> bool {
        self.fired.is_empty()
    }

    fn has(&self, clock: &str, state: ClockState, due_at: Timestamp) -> bool {
        self.fired.iter().any(|f| f.clock == clock && f.state == state && f.due_at == due_at)
    }

    /// Adds a raised alarm (once).
    pub fn remember(&mut self, fired: FiredAlarm) {
        if !self.has(&fired.clock, fired.state, fired.due_at) {
            self.fired.push(fired);
        }
    }
}

/// An alarm not yet raised: at `at`, clock `clock` turns `state`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alarm {
    pub at: Timestamp,
    pub clock: String,
    pub state: ClockState,
    pub due_at: Timestamp,
}

impl Alarm {
    pub fn fired(&self) -> FiredAlarm {
        FiredAlarm { clock: self.clock.clone(), state: self.state, due_at: self.due_at }
    }
}

/// The alarms of a ticket still to be raised: for each running, unpaused clock of an open
/// ticket, "overdue" just after its due instant unless raised for that instant, and "due soon"
/// unless raised (or overtaken by "overdue") for that instant.
pub fn pending(t: &Ticket, memory: &AlarmMemory, sla: &SlaPolicy, cal: &Calendar) -> Vec<Alarm> {
    let mut out = Vec::new();
    if t.status.is_terminal() {
        return out;
    }
    for c in t.clocks.iter().filter(|c| is_running(c)) {
        // With no open pause, `now` does not enter the due instant: any value gives the same.
        let now = c.started_at;
        let Some(due) = sla.due(c, cal, now) else { continue };
        let due_at = due.at;
        if memory.has(&c.rule, ClockState::Overdue, due_at) {
            continue;
        }
        let alarm = |at, state| Alarm { at, clock: c.rule.clone(), state, due_at };
        if !memory.has(&c.rule, ClockState::DueSoon, due_at)
            && let Some(soon) = sla.due_soon_before(c, cal, due_at)
        {
            out.push(alarm(soon, ClockState::DueSoon));
        }
        // `evaluate` calls a clock overdue once `now > due`: one millisecond after.
        out.push(alarm(Timestamp::from_millis(due_at.millis().saturating_add(1)), ClockState::Overdue));
    }
    out.sort_by(|a, b| (a.at, &a.clock).cmp(&(b.at, &b.clock)));
    out
}

fn is_running(c: &ClockRecord) -> bool {
    c.stopped_at.is_none() && c.pauses.iter().all(|p| p.to.is_some())
}

/// Whether the ticket is open with a clock running unsuspended: the only kind that can have an
/// alarm (a cheap test that spares reading its alarm memory).
pub fn may_alarm(t: &Ticket) -> bool {
    !t.status.is_terminal() && t.clocks.iter().any(is_running)
}

/// The instant of the ticket's next alarm, the key of the alarm index.
pub fn next_alarm(t: &Ticket, memory: &AlarmMemory, sla: &SlaPolicy, cal: &Calendar) -> Option<Timestamp> {
    pending(t, memory, sla, cal).first().map(|a| a.at)
}

/// The alarms to raise at `now`: per clock the latest state whose instant has come, so a clock
/// found overdue gets "overdue" only.
pub fn due_now(
    t: &Ticket,
    memory: &AlarmMemory,
    sla: &SlaPolicy,
    cal: &Calendar,
    now: Timestamp,
) -> Vec<Alarm> {
    let mut out: Vec<Alarm> = Vec::new();
    for alarm in pending(t, memory, sla, cal).into_iter().filter(|a| a.at <= now) {
        match out.iter_mut().find(|a| a.clock == alarm.clock) {
            Some(earlier) if alarm.state == ClockState::Overdue => *earlier = alarm,
            Some(_) => {}
            None => out.push(alarm),
        }
    }
    out
}

/// A digest of everything due instants and alarm instants depend on besides the ticket: the
/// rules, the due-soon policy, the calendar and the alarm layout. A store indexed under another
/// digest is indexed anew when the engine opens it.
pub fn basis(sla: &SlaPolicy, cal: &Calendar) -> u64 {
    let text = format!("{:?}|{:?}|alarms-v{ALARM_LAYOUT}", sla.rules, sla.due_soon);
    fnv1a(text.bytes().chain(cal.fingerprint().to_be_bytes()))
}

/// FNV-1a: stable across runs and builds, unlike the std hasher.
pub(crate) fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
#[path = "alarm_tests.rs"]
mod tests;
