//! One ticket's facts as a few bytes, so that a store can keep them between runs and a lone
//! `report` or a server's start reads them rather than cutting a million texts into words again.
//!
//! The names in a record are the numbers of the table's [`Interner`], which the store keeps
//! beside the records in the order they were given out. A record is only valid under the
//! [`fingerprint`] of what the facts are derived with: the deadline rules, the calendar with
//! its holidays, the hot-word dictionary and stop words (with the organisation's place names),
//! and [`FORMAT`].
//!
//! [`Interner`]: super::facts::Interner

use super::facts::{ClockFact, NO_DUE, NONE, PhoneKey, Sym, TicketFacts, WordSpan, bit};
use super::hot_words::Segmenter;
use super::settings::StatsSettings;
use crate::domain::calendar::Calendar;
use crate::domain::org::Organisation;
use crate::domain::sla::SlaPolicy;
use crate::domain::status::Status;
use crate::domain::ticket::{Kind, Satisfaction, TicketId};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The record layout and the way facts are derived (`facts.rs`, `industry.rs`): raised when
/// either changes, so that records of an older binary are derived again.
pub const FORMAT: u32 = 2;

/// What a stored record was derived with; a record under another fingerprint is stale.
pub type Fingerprint = [u8; 32];

/// The fingerprint of everything facts depend on besides the ticket.
pub fn fingerprint(
    sla: &SlaPolicy,
    calendar: &Calendar,
    settings: &StatsSettings,
    org: &Organisation,
) -> Fingerprint {
    let mut h = Sha256::new();
    h.update(FORMAT.to_be_bytes());
    // Debug output of ordered maps and sets: the same configuration gives the same bytes. A
    // change of the output between compiler versions only costs one rebuild of the facts.
    h.update(format!("{:?}", sla.rules).as_bytes());
    h.update(format!("{calendar:?}").as_bytes());
    for list in [settings.words().collect::<Vec<_>>(), settings.stop_words().collect()] {
        h.update((list.len() as u64).to_be_bytes());
        for w in list {
            h.update(w.as_bytes());
            h.update([0]);
        }
    }
    h.update((settings.hot_words.min_chars as u64).to_be_bytes());
    for place in Segmenter::places(org) {
        h.update(place.as_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

/// A clock: its due instant and its flags.
type StoredClock = (i64, u8);

#[derive(Serialize, Deserialize)]
struct Record {
    received_at: i64,
    kind: Kind,
    status: Status,
    channel: u32,
    /// category, dispute type, town, business district, industry, unit, merchant, merchant's
    /// name as this ticket gives it; 0 for none.
    names: [u32; 8],
    amount_recovered: i64,
    first_check: Option<StoredClock>,
    mediation: Option<StoredClock>,
    first_contact: Option<StoredClock>,
    first_contact_minutes: Option<u32>,
    /// finished, met late, not handled.
    flags: u8,
    running_due: Option<i64>,
    complainant: Option<u64>,
    satisfaction: Option<Satisfaction>,
    words: Vec<u32>,
}

const FINISHED: u8 = 1;
const MET_LATE: u8 = 2;
const NOT_HANDLED: u8 = 4;

fn clock(c: &ClockFact) -> StoredClock {
    (c.due_at.millis(), c.flags())
}

fn unclock((due, flags): StoredClock) -> ClockFact {
    ClockFact::from_parts(Timestamp::from_millis(due), flags)
}

/// The bytes of one ticket's facts and words.
pub fn encode(f: &TicketFacts, words: impl IntoIterator<Item = Sym>) -> Vec<u8> {
    let n = |s: Option<Sym>| s.map_or(0, Sym::get);
    let record = Record {
        received_at: f.received_at.millis(),
        kind: f.kind,
        status: f.status,
        channel: f.channel.get(),
        names: [
            n(f.category),
            n(f.dispute_type),
            n(f.town),
            n(f.business_district),
            n(f.industry),
            n(f.unit),
            n(f.merchant),
            n(f.merchant_name),
        ],
        amount_recovered: f.amount_recovered,
        first_check: f.first_check.as_ref().map(clock),
        mediation: f.mediation.as_ref().map(clock),
        first_contact: f.first_contact.as_ref().map(clock),
        first_contact_minutes: f.first_contact_minutes(),
        flags: bit(f.finished, FINISHED) | bit(f.met_late, MET_LATE) | bit(f.not_handled, NOT_HANDLED),
        running_due: f.running_due().map(Timestamp::millis),
        complainant: f.complainant.map(PhoneKey::get),
        satisfaction: f.satisfaction,
        words: words.into_iter().map(Sym::get).collect(),
    };
    // A record of plain numbers and enums always serialises.
    postcard::to_stdvec(&record).unwrap_or_default()
}

/// The facts and words of ticket `id` from their bytes; None when they do not read (the
/// ticket's facts are then derived again) or name a number beyond `names` names.
pub fn decode(id: TicketId, bytes: &[u8], names: usize) -> Option<(TicketFacts, Vec<Sym>)> {
    let r: Record = postcard::from_bytes(bytes).ok()?;
    let sym = |n: u32| -> Option<Option<Sym>> {
        match n {
            0 => Some(None),
            n if n as usize <= names => Some(Sym::new(n)),
            _ => None,
        }
    };
    let [category, dispute_type, town, business_district, industry, unit, merchant, merchant_name] =
        r.names.map(sym);
    let words = r.words.into_iter().map(|w| sym(w).flatten()).collect::<Option<Vec<Sym>>>()?;
    let facts = TicketFacts {
        id,
        received_at: Timestamp::from_millis(r.received_at),
        kind: r.kind,
        status: r.status,
        channel: sym(r.channel)??,
        category: category?,
        dispute_type: dispute_type?,
        town: town?,
        business_district: business_district?,
        industry: industry?,
        unit: unit?,
        amount_recovered: r.amount_recovered,
        first_check: r.first_check.map(unclock),
        mediation: r.mediation.map(unclock),
        first_contact: r.first_contact.map(unclock),
        contact_minutes: r.first_contact_minutes.map_or(NONE, |m| m.min(NONE - 1)),
        finished: r.flags & FINISHED != 0,
        met_late: r.flags & MET_LATE != 0,
        due: r.running_due.unwrap_or(NO_DUE),
        not_handled: r.flags & NOT_HANDLED != 0,
        merchant: merchant?,
        words: WordSpan::default(),
        merchant_name: merchant_name?,
        complainant: match r.complainant {
            Some(raw) => Some(PhoneKey::from_raw(raw)?),
            None => None,
        },
        satisfaction: r.satisfaction,
    };
    Some((facts, words))
}
