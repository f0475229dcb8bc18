//! One ticket's facts as a [`FactTable`] keeps them: 68 bytes rather than the 144 of a
//! [`TicketFacts`], which is what the table hands out. Nothing is rounded: a value that does not
//! fit its narrow field leaves the whole ticket's facts unpacked (the table keeps those apart),
//! so packing never changes a figure.
//!
//! - Instants are seconds from 2000-01-01 UTC in four bytes (until 2136) and their millisecond
//!   in ten bits: a clock's due instant is compared with "now" to the millisecond.
//! - A suspended clock's due instant is the epoch (see [`ClockFact`]) and is not kept; nor is the
//!   mediation clock's, which no figure reads ([`TicketFacts::of`] gives it as the epoch).
//! - Channel, category, dispute type, town, business district, industry and unit are two-byte
//!   numbers in the table's [`DimNames`]: a few hundred names, where the table's names also
//!   count every hot word and merchant.
//! - The flags of the clocks and of the ticket share one 64-bit word with the milliseconds.
//!
//! [`FactTable`]: super::FactTable

use super::facts::{ClockFact, NO_DUE, NONE, PhoneKey, Sym, TicketFacts, WordSpan};
use crate::domain::status::Status;
use crate::domain::ticket::{Kind, Satisfaction, TicketId};
use crate::time::Timestamp;
use rustc_hash::FxHashMap;

/// 2000-01-01T00:00:00Z in seconds from 1970.
const EPOCH_SECS: i64 = 946_684_800;

/// An instant as seconds from [`EPOCH_SECS`] and the millisecond within the second; None
/// outside 2000-01-01 to 2136-02-07 (UTC).
pub(crate) fn split(t: Timestamp) -> Option<(u32, u16)> {
    let ms = t.millis();
    let secs = u32::try_from(ms.div_euclid(1000) - EPOCH_SECS).ok()?;
    Some((secs, ms.rem_euclid(1000) as u16))
}

/// The instant [`split`] gave.
pub(crate) fn join(secs: u32, ms: u16) -> Timestamp {
    Timestamp::from_millis((i64::from(secs) + EPOCH_SECS) * 1000 + i64::from(ms))
}

/// The names of the seven small dimensions, numbered from 1 in two bytes (0: none).
#[derive(Clone, Debug, Default)]
pub(crate) struct DimNames {
    syms: Vec<Sym>,
    codes: FxHashMap<Sym, u16>,
}

impl DimNames {
    /// The number of `sym`, given out on first sight; None once 65,535 names are numbered.
    fn code(&mut self, sym: Option<Sym>) -> Option<u16> {
        let Some(sym) = sym else { return Some(0) };
        if let Some(&code) = self.codes.get(&sym) {
            return Some(code);
        }
        let code = u16::try_from(self.syms.len() + 1).ok().filter(|c| *c < u16::MAX)?;
        self.syms.push(sym);
        self.codes.insert(sym, code);
        Some(code)
    }

    fn sym(&self, code: u16) -> Option<Sym> {
        code.checked_sub(1).and_then(|i| self.syms.get(usize::from(i))).copied()
    }

    pub(crate) fn bytes(&self) -> usize {
        self.syms.capacity() * std::mem::size_of::<Sym>()
            + self.codes.capacity() * (std::mem::size_of::<(Sym, u16)>() + 1)
    }
}

/// Where each part lies in [`Packed::bits`]: four milliseconds of ten bits, three clocks'
/// flags of five bits (the clock's four and "present"), then the ticket's flags.
mod at {
    pub const RECEIVED_MS: u32 = 0;
    pub const FIRST_CHECK_MS: u32 = 10;
    pub const FIRST_CONTACT_MS: u32 = 20;
    pub const DUE_MS: u32 = 30;
    pub const FIRST_CHECK: u32 = 40;
    pub const MEDIATION: u32 = 45;
    pub const FIRST_CONTACT: u32 = 50;
    pub const HAS_DUE: u32 = 55;
    pub const FINISHED: u32 = 56;
    pub const MET_LATE: u32 = 57;
    pub const NOT_HANDLED: u32 = 58;
    /// The facts did not fit: the table keeps them unpacked.
    pub const WIDE: u32 = 59;
}

const MS_BITS: u64 = (1 << 10) - 1;
const CLOCK_BITS: u64 = (1 << 5) - 1;
/// In a clock's five bits, beside [`ClockFact::flags`]' four.
const PRESENT: u64 = 1 << 4;

/// One ticket's facts in 68 bytes. Four-byte fields only, so no padding; the ticket's number is
/// where the table keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Packed {
    received: u32,
    first_check_due: u32,
    first_contact_due: u32,
    running_due: u32,
    amount_recovered: u32,
    words_at: u32,
    /// [`PhoneKey::get`] as low and high halves; 0 for none.
    complainant: [u32; 2],
    merchant: Option<Sym>,
    merchant_name: Option<Sym>,
    /// Milliseconds and flags (see [`at`]), as low and high halves of a `u64`.
    bits: [u32; 2],
    /// Channel, category, dispute type, town, business district, industry, unit.
    dims: [u16; 7],
    /// Working minutes to the first contact; `u16::MAX` before it.
    contact_minutes: u16,
    kind: Kind,
    status: Status,
    satisfaction: Option<Satisfaction>,
    words_len: u8,
}

impl Packed {
    /// `f` in 68 bytes, numbering new names in `dims`; None when a value does not fit (an
    /// instant outside 2000–2136, an amount beyond 42 million yuan, more than 255 words …).
    pub(crate) fn pack(f: &TicketFacts, dims: &mut DimNames) -> Option<Packed> {
        let (received, received_ms) = split(f.received_at)?;
        let mut bits = u64::from(received_ms) << at::RECEIVED_MS;
        let mut clock = |c: Option<ClockFact>, flags_at: u32, ms_at: Option<u32>| -> Option<u32> {
            let Some(c) = c else { return Some(0) };
            bits |= (PRESENT | u64::from(c.flags())) << flags_at;
            let Some(ms_at) = ms_at else { return Some(0) };
            if c.paused() {
                // Kept as the epoch by `ClockFact::new`: a suspended clock has no due instant.
                return (c.due_at.millis() == 0).then_some(0);
            }
            let (secs, ms) = split(c.due_at)?;
            bits |= u64::from(ms) << ms_at;
            Some(secs)
        };
        let first_check_due = clock(f.first_check, at::FIRST_CHECK, Some(at::FIRST_CHECK_MS))?;
        clock(f.mediation, at::MEDIATION, None)?;
        let first_contact_due = clock(f.first_contact, at::FIRST_CONTACT, Some(at::FIRST_CONTACT_MS))?;
        let running_due = match f.running_due() {
            Some(due) => {
                let (secs, ms) = split(due)?;
                bits |= u64::from(ms) << at::DUE_MS | 1 << at::HAS_DUE;
                secs
            }
            None => 0,
        };
        for (on, flag) in
            [(f.finished, at::FINISHED), (f.met_late, at::MET_LATE), (f.not_handled, at::NOT_HANDLED)]
        {
            bits |= u64::from(on) << flag;
        }
        let contact_minutes = match f.first_contact_minutes() {
            Some(m) => u16::try_from(m).ok().filter(|m| *m < u16::MAX)?,
            None => u16::MAX,
        };
        let phone = f.complainant.map_or(0, PhoneKey::get);
        Some(Packed {
            received,
            first_check_due,
            first_contact_due,
            running_due,
            amount_recovered: u32::try_from(f.amount_recovered).ok()?,
            words_at: f.words.at,
            complainant: [phone as u32, (phone >> 32) as u32],
            merchant: f.merchant,
            merchant_name: f.merchant_name,
            bits: [bits as u32, (bits >> 32) as u32],
            dims: [
                dims.code(Some(f.channel))?,
                dims.code(f.category)?,
                dims.code(f.dispute_type)?,
                dims.code(f.town)?,
                dims.code(f.business_district)?,
                dims.code(f.industry)?,
                dims.code(f.unit)?,
            ],
            contact_minutes,
            kind: f.kind,
            status: f.status,
            satisfaction: f.satisfaction,
            words_len: u8::try_from(f.words.len).ok()?,
        })
    }

    /// A slot for facts kept unpacked (they did not fit): only says so.
    pub(crate) fn wide() -> Packed {
        let bits = 1u64 << at::WIDE;
        Packed {
            received: 0,
            first_check_due: 0,
            first_contact_due: 0,
            running_due: 0,
            amount_recovered: 0,
            words_at: 0,
            complainant: [0; 2],
            merchant: None,
            merchant_name: None,
            bits: [bits as u32, (bits >> 32) as u32],
            dims: [0; 7],
            contact_minutes: u16::MAX,
            kind: Kind::Complaint,
            status: Status::Registered,
            satisfaction: None,
            words_len: 0,
        }
    }

    pub(crate) fn is_wide(&self) -> bool {
        self.bit(at::WIDE)
    }

    fn bits(&self) -> u64 {
        u64::from(self.bits[0]) | u64::from(self.bits[1]) << 32
    }

    fn bit(&self, at: u32) -> bool {
        self.bits() >> at & 1 != 0
    }

    fn ms(&self, at: u32) -> u16 {
        (self.bits() >> at & MS_BITS) as u16
    }

    fn clock(&self, flags_at: u32, due: Option<(u32, u32)>) -> Option<ClockFact> {
        let flags = self.bits() >> flags_at & CLOCK_BITS;
        if flags & PRESENT == 0 {
            return None;
        }
        let c = ClockFact::from_parts(Timestamp::from_millis(0), (flags & !PRESENT) as u8);
        match due {
            Some((secs, ms_at)) if !c.paused() => {
                Some(ClockFact::from_parts(join(secs, self.ms(ms_at)), c.flags()))
            }
            _ => Some(c),
        }
    }

    /// Where the ticket's words lie (packed facts only).
    pub(crate) fn unpack_words(&self) -> WordSpan {
        WordSpan { at: self.words_at, len: u32::from(self.words_len) }
    }

    pub(crate) fn set_words_at(&mut self, at: u32) {
        self.words_at = at;
    }

    /// The facts of ticket `number` (packed facts only: see [`Packed::is_wide`]).
    pub(crate) fn unpack(&self, number: u32, dims: &DimNames) -> TicketFacts {
        let [channel, category, dispute_type, town, business_district, industry, unit] =
            self.dims.map(|code| dims.sym(code));
        let phone = u64::from(self.complainant[0]) | u64::from(self.complainant[1]) << 32;
        TicketFacts {
            id: TicketId(u64::from(number)),
            received_at: join(self.received, self.ms(at::RECEIVED_MS)),
            kind: self.kind,
            status: self.status,
            // A packed channel was numbered from a name: it is there.
            channel: channel.unwrap_or(Sym::MIN),
            category,
            dispute_type,
            town,
            business_district,
            industry,
            unit,
            amount_recovered: i64::from(self.amount_recovered),
            first_check: self.clock(at::FIRST_CHECK, Some((self.first_check_due, at::FIRST_CHECK_MS))),
            mediation: self.clock(at::MEDIATION, None),
            first_contact: self
                .clock(at::FIRST_CONTACT, Some((self.first_contact_due, at::FIRST_CONTACT_MS))),
            contact_minutes: if self.contact_minutes == u16::MAX {
                NONE
            } else {
                u32::from(self.contact_minutes)
            },
            finished: self.bit(at::FINISHED),
            met_late: self.bit(at::MET_LATE),
            due: if self.bit(at::HAS_DUE) {
                join(self.running_due, self.ms(at::DUE_MS)).millis()
            } else {
                NO_DUE
            },
            not_handled: self.bit(at::NOT_HANDLED),
            merchant: self.merchant,
            words: WordSpan { at: self.words_at, len: u32::from(self.words_len) },
            merchant_name: self.merchant_name,
            complainant: PhoneKey::from_raw(phone),
            satisfaction: self.satisfaction,
        }
    }
}

#[cfg(test)]
#[path = "packed_tests.rs"]
mod tests;
