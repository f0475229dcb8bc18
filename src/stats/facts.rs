//! One compact record per ticket with what the statistics need, derived once whenever the
//! ticket changes, so that a period's figures are a pass over small structs in memory rather
//! than a scan of whole tickets in the store.

use super::hot_words::Segmenter;
use super::industry::industry_of;
use crate::domain::calendar::Calendar;
use crate::domain::credit_code::{self, CreditCodeCheck};
use crate::domain::sla::{ClockRecord, SlaPolicy};
use crate::domain::status::Status;
use crate::domain::ticket::{Kind, Satisfaction, Ticket, TicketId};
use crate::store::write::normalise_phone;
use crate::time::Timestamp;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::num::{NonZeroU8, NonZeroU32, NonZeroU64};

/// A name kept once in an [`Interner`] (channel, town, category …): facts hold the number.
/// Never zero, so that a name a ticket may lack costs four bytes too (`Option<Sym>`).
pub type Sym = NonZeroU32;

/// The clocks that carry the first legal decision on a ticket (初查): a complaint's acceptance
/// decision and a report's verification and filing decision.
pub const FIRST_CHECK_CLOCKS: &[&str] = &["complaint_acceptance", "report_verification"];
/// The clock that ends with a mediation agreement or with mediation ended without one.
pub const MEDIATION_CLOCK: &str = "complaint_mediation";
/// The platform's one-working-hour promise of first contact.
pub const FIRST_CONTACT_CLOCK: &str = "first_contact";

/// Names by number, numbers by name.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    ids: HashMap<Box<str>, Sym>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub fn intern(&mut self, name: &str) -> Sym {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len() + 1).ok().and_then(Sym::new).unwrap_or(Sym::MAX);
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }
    pub fn get(&self, name: &str) -> Option<Sym> {
        self.ids.get(name).copied()
    }
    /// How many distinct names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, id: Sym) -> &str {
        self.names.get(id.get() as usize - 1).map(|n| &**n).unwrap_or("")
    }
}

/// One deadline clock as the statistics see it: when it is due and whether it stopped in time.
/// Sixteen bytes: the figures ask whether a clock stopped, never when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockFact {
    /// When a running clock is due. A suspended clock's due instant moves with "now" and no
    /// figure reads it: it is kept as the epoch, so that facts do not depend on when they were
    /// derived (and a stored fact equals one derived again later).
    pub due_at: Timestamp,
    /// The flags below, with `SET` always on: a byte that is never zero lets `Option` of a
    /// clock take no more room than the clock.
    flags: NonZeroU8,
}

const SET: u8 = 0x80;

/// `flag` when `on`, else no bit.
pub(crate) fn bit(on: bool, flag: u8) -> u8 {
    if on { flag } else { 0 }
}

const STOPPED: u8 = 1;
const LATE: u8 = 2;
const PAUSED: u8 = 4;
/// The mediation clock only: it ended in agreement (调解成功), not with mediation ended.
const SETTLED: u8 = 8;

impl ClockFact {
    pub fn new(due_at: Timestamp, stopped_at: Option<Timestamp>, late: bool, paused: bool) -> ClockFact {
        let stopped = stopped_at.is_some();
        let paused = paused && !stopped;
        let flags = bit(stopped, STOPPED) | bit(late, LATE) | bit(paused, PAUSED);
        ClockFact::from_parts(if paused { Timestamp::from_millis(0) } else { due_at }, flags)
    }

    /// Rebuilt from [`ClockFact::due_at`] and [`ClockFact::flags`] (a stored fact).
    pub(crate) fn from_parts(due_at: Timestamp, flags: u8) -> ClockFact {
        let flags = flags & (STOPPED | LATE | PAUSED | SETTLED) | SET;
        ClockFact { due_at, flags: NonZeroU8::new(flags).unwrap_or(NonZeroU8::MAX) }
    }

    /// The clock with its due instant as the epoch, for a clock whose figures never ask when it
    /// is due (mediation: whether it ended, and how).
    fn without_due(self) -> ClockFact {
        ClockFact::from_parts(Timestamp::from_millis(0), self.flags())
    }

    fn settled_if(self, settled: bool) -> ClockFact {
        ClockFact::from_parts(self.due_at, self.flags() | bit(settled, SETTLED))
    }

    /// A mediation clock that ended in agreement (调解成功) rather than with mediation ended
    /// (终止调解).
    pub fn settled(&self) -> bool {
        self.flags() & SETTLED != 0
    }

    pub(crate) fn flags(&self) -> u8 {
        self.flags.get() & !SET
    }

    pub fn stopped(&self) -> bool {
        self.flags() & STOPPED != 0
    }

    /// Stopped after its due instant.
    pub fn late(&self) -> bool {
        self.flags() & LATE != 0
    }

    /// Suspended (中止) right now: neither met nor overdue.
    pub fn paused(&self) -> bool {
        self.flags() & PAUSED != 0
    }

    pub fn met_on_time(&self) -> bool {
        self.stopped() && !self.late()
    }
    /// Still running, not suspended, and past its due instant at `now`.
    pub fn overdue_at(&self, now: Timestamp) -> bool {
        !self.stopped() && !self.paused() && now > self.due_at
    }
    /// Decided: met (on time or late), or overdue at `now` (it can no longer be met on time).
    pub fn decided_at(&self, now: Timestamp) -> bool {
        self.stopped() || self.overdue_at(now)
    }
}

/// What the statistics know of one ticket: what a [`FactTable`] hands out (it keeps them packed,
/// see `packed.rs`).
///
/// [`FactTable`]: super::FactTable
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TicketFacts {
    pub id: TicketId,
    /// When the ticket reached the bureau (its registration when the channel gave no time).
    pub received_at: Timestamp,
    pub kind: Kind,
    pub status: Status,
    pub channel: Sym,
    pub category: Option<Sym>,
    pub dispute_type: Option<Sym>,
    pub town: Option<Sym>,
    pub business_district: Option<Sym>,
    pub industry: Option<Sym>,
    pub unit: Option<Sym>,
    /// 挽回经济损失, in fen.
    pub amount_recovered: i64,
    pub first_check: Option<ClockFact>,
    /// The mediation clock, which says whether it ended in agreement ([`ClockFact::settled`]);
    /// its due instant is given as the epoch (no figure reads it).
    pub mediation: Option<ClockFact>,
    pub first_contact: Option<ClockFact>,
    /// Working minutes from dispatch to the first contact, once contacted; `NONE` before.
    pub(crate) contact_minutes: u32,
    /// 办结: the unit's result is in, or the ticket is closed.
    pub finished: bool,
    /// A legal deadline clock (not the first-contact promise) stopped after its due instant.
    pub met_late: bool,
    /// The earliest due instant of a legal deadline clock still running and not suspended, in
    /// epoch milliseconds; `NO_DUE` when there is none (eight bytes rather than sixteen).
    pub(crate) due: i64,
    /// Merged into another ticket or handed back to its channel: the bureau did not handle it,
    /// so it counts in volumes but in no handling KPI.
    pub not_handled: bool,
    /// The merchant: its credit code when it is a valid one, else its name without blanks.
    pub merchant: Option<Sym>,
    /// Where its hot words (the candidates of its title and complaint text, each once) lie in
    /// its table's one list of words: no allocation of its own per ticket.
    pub words: WordSpan,
    /// The merchant as this ticket names it (a variant of its name).
    pub merchant_name: Option<Sym>,
    /// The complainant's phone, normalised, as a number: who complains again (never shown).
    pub complainant: Option<PhoneKey>,
    pub satisfaction: Option<Satisfaction>,
}

/// What deriving facts needs besides the ticket: the rules that give due instants.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    pub sla: &'a SlaPolicy,
    pub calendar: &'a Calendar,
    /// Cuts the text into hot words; without it the facts have none.
    pub segmenter: Option<&'a Segmenter>,
}

/// `TicketFacts::contact_minutes` before the first contact.
pub(crate) const NONE: u32 = u32::MAX;
/// `TicketFacts::due` without a running clock.
pub(crate) const NO_DUE: i64 = i64::MAX;

/// Where one ticket's words lie in a [`FactTable`]'s list of words.
///
/// [`FactTable`]: super::FactTable
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WordSpan {
    pub(crate) at: u32,
    pub(crate) len: u32,
}

impl TicketFacts {
    /// Working minutes from dispatch to the first contact, once contacted.
    pub fn first_contact_minutes(&self) -> Option<u32> {
        (self.contact_minutes != NONE).then_some(self.contact_minutes)
    }

    /// The earliest due instant of a legal deadline clock still running and not suspended.
    pub fn running_due(&self) -> Option<Timestamp> {
        (self.due != NO_DUE).then(|| Timestamp::from_millis(self.due))
    }

    /// The facts of `t` and its hot words. `now` only decides whether a clock is suspended
    /// right now, which a new event would change anyway: facts derived at different instants
    /// between two events are equal.
    pub fn of(t: &Ticket, rules: Rules, names: &mut Interner, now: Timestamp) -> (TicketFacts, Vec<Sym>) {
        let mut intern = |s: &Option<String>| {
            s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| names.intern(s))
        };
        let category = intern(&t.dispute.category);
        let dispute_type = intern(&t.dispute.dispute_type);
        let town = intern(&t.intake.town);
        let business_district = intern(&t.intake.business_district);
        let unit = intern(&t.workflow.unit);
        let industry_name = t.dispute.category.as_deref().map(|c| industry_of(c.trim()).to_string());
        let industry = intern(&industry_name);
        let merchant = intern(&merchant_key(t));
        let merchant_name = intern(&t.respondent.name);
        let complainant = t.complainant.phone.as_deref().and_then(normalise_phone).map(|p| PhoneKey::of(&p));
        let channel = names.intern(&t.intake.channel);
        let words = match rules.segmenter {
            Some(seg) => {
                let texts = [t.dispute.title.as_str(), t.dispute.facts.as_deref().unwrap_or("")];
                seg.words(&texts).iter().map(|w| names.intern(w)).collect()
            }
            None => Vec::new(),
        };
        let clock = |rule: &str| {
            t.clocks.iter().rev().find(|c| c.rule == rule).and_then(|c| clock_fact(c, rules, now))
        };
        let first_check = FIRST_CHECK_CLOCKS.iter().find_map(|r| clock(r));
        let mediation = clock(MEDIATION_CLOCK)
            .map(|c| c.without_due().settled_if(c.stopped() && t.workflow.mediation_end_reason.is_none()));
        let contact_record = t.clocks.iter().rev().find(|c| c.rule == FIRST_CONTACT_CLOCK);
        let first_contact = contact_record.and_then(|c| clock_fact(c, rules, now));
        let first_contact_minutes = contact_record
            .and_then(|c| Some(rules.calendar.working_minutes_between(c.started_at, c.stopped_at?)));
        let mut met_late = false;
        let mut running_due: Option<Timestamp> = None;
        for c in t.clocks.iter().filter(|c| c.rule != FIRST_CONTACT_CLOCK) {
            let Some(f) = clock_fact(c, rules, now) else { continue };
            met_late |= f.stopped() && f.late();
            if !f.stopped() && !f.paused() {
                running_due = Some(running_due.map_or(f.due_at, |d| d.min(f.due_at)));
            }
        }
        let facts = TicketFacts {
            id: t.id,
            received_at: t.intake.received_at.unwrap_or(t.created_at),
            kind: t.kind,
            status: t.status,
            channel,
            category,
            dispute_type,
            town,
            business_district,
            industry,
            unit,
            amount_recovered: t.workflow.amount_recovered.map_or(0, |f| f.0),
            first_check,
            mediation,
            first_contact,
            contact_minutes: first_contact_minutes.map_or(NONE, |m| m.min(NONE - 1)),
            finished: t.workflow.resolved_at.is_some() || t.workflow.closed_at.is_some(),
            met_late,
            due: running_due.map_or(NO_DUE, Timestamp::millis),
            not_handled: matches!(t.status, Status::Merged | Status::ReturnedToChannel),
            merchant,
            words: WordSpan::default(),
            merchant_name,
            complainant,
            satisfaction: t.workflow.satisfaction,
        };
        (facts, words)
    }
}

fn clock_fact(c: &ClockRecord, rules: Rules, now: Timestamp) -> Option<ClockFact> {
    let view = rules.sla.evaluate(c, rules.calendar, now)?;
    Some(ClockFact::new(
        view.due_at,
        c.stopped_at,
        view.late,
        c.stopped_at.is_none() && c.pauses.iter().any(|p| p.to.is_none()),
    ))
}

/// A normalised phone number as eight bytes rather than an interned string: a million
/// complainants' phones would otherwise fill the names. Up to 17 digits it is exact (the digit
/// count and the value, so a leading zero counts); a longer one is hashed, which only a
/// malformed number needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneKey(NonZeroU64);

impl PhoneKey {
    pub fn of(digits: &str) -> PhoneKey {
        const EXACT_DIGITS: usize = 17;
        let exact = (digits.len() <= EXACT_DIGITS)
            .then(|| digits.parse::<u64>().ok())
            .flatten()
            .map(|value| digits.len() as u64 * 10u64.pow(EXACT_DIGITS as u32) + value);
        let key = exact.unwrap_or_else(|| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            digits.hash(&mut h);
            h.finish() | 1 << 63
        });
        // Never zero: an exact key counts at least one digit, a hashed one has its top bit.
        PhoneKey(NonZeroU64::new(key).unwrap_or(NonZeroU64::MIN))
    }

    /// The number behind the key (what a stored fact keeps).
    pub fn get(self) -> u64 {
        self.0.get()
    }

    /// A key from [`PhoneKey::get`]; None for zero, which no key is.
    pub fn from_raw(raw: u64) -> Option<PhoneKey> {
        NonZeroU64::new(raw).map(PhoneKey)
    }
}

/// One merchant under its name variants: a valid 统一社会信用代码 when the ticket has one, else
/// the respondent's name with blanks removed.
pub fn merchant_key(t: &Ticket) -> Option<String> {
    if let Some(code) = t.respondent.credit_code.as_deref()
        && credit_code::check(code) == CreditCodeCheck::Valid
    {
        return Some(credit_code::normalise(code));
    }
    t.respondent
        .name
        .as_deref()
        .map(|n| n.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|n| !n.is_empty())
}
