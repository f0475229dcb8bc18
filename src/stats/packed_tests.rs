//! Packing is exact: every value comes back as it went in, and what does not fit is said so
//! (the table then keeps those facts whole).

use super::*;
use crate::stats::FactTable;
use crate::stats::tests::{NOW, at, complaint, config, table_of};

fn sym(n: u32) -> Sym {
    Sym::new(n).unwrap()
}

/// A complaint's facts with every field set, due instants to the millisecond.
fn full() -> TicketFacts {
    TicketFacts {
        id: TicketId(7),
        received_at: Timestamp::from_millis(at("2026-05-06T09:15:42+08:00").millis() + 123),
        kind: Kind::Complaint,
        status: Status::Mediating,
        channel: sym(3),
        category: Some(sym(40)),
        dispute_type: Some(sym(41)),
        town: Some(sym(42)),
        business_district: Some(sym(43)),
        industry: Some(sym(44)),
        unit: Some(sym(70_000)),
        amount_recovered: 251_700,
        first_check: Some(ClockFact::new(
            Timestamp::from_millis(at("2026-05-13T17:30:00+08:00").millis() + 999),
            Some(at("2026-05-12T10:00:00+08:00")),
            false,
            false,
        )),
        mediation: Some(ClockFact::new(Timestamp::from_millis(0), None, false, true)),
        first_contact: Some(ClockFact::new(
            Timestamp::from_millis(at("2026-05-06T10:15:42+08:00").millis() + 123),
            None,
            false,
            false,
        )),
        contact_minutes: 42,
        finished: false,
        met_late: true,
        due: at("2026-06-20T17:30:00+08:00").millis() + 1,
        not_handled: false,
        merchant: Some(sym(1_000_000)),
        words: WordSpan { at: 4_000_000, len: 17 },
        merchant_name: Some(sym(1_000_001)),
        complainant: Some(PhoneKey::of("13800138000")),
        satisfaction: Some(Satisfaction::Unsatisfied),
    }
}

fn round_trip(f: &TicketFacts) -> Option<TicketFacts> {
    let mut dims = DimNames::default();
    Packed::pack(f, &mut dims).map(|p| p.unpack(f.id.0 as u32, &dims))
}

#[test]
fn one_tickets_facts_are_kept_in_at_most_68_bytes() {
    assert!(std::mem::size_of::<Option<Packed>>() <= 68, "{}", std::mem::size_of::<Option<Packed>>());
}

#[test]
fn every_value_comes_back_as_it_went_in_to_the_millisecond() {
    let f = full();
    assert_eq!(round_trip(&f), Some(f));
}

#[test]
fn a_ticket_without_clocks_names_phone_or_first_contact_comes_back_without_them() {
    let f = TicketFacts {
        category: None,
        dispute_type: None,
        town: None,
        business_district: None,
        industry: None,
        unit: None,
        first_check: None,
        mediation: None,
        first_contact: None,
        contact_minutes: NONE,
        due: NO_DUE,
        merchant: None,
        merchant_name: None,
        complainant: None,
        satisfaction: None,
        words: WordSpan::default(),
        ..full()
    };
    let back = round_trip(&f).unwrap();
    assert_eq!(back, f);
    assert_eq!((back.first_contact_minutes(), back.running_due()), (None, None));
}

#[test]
fn instants_from_2000_to_2136_pack_and_those_outside_do_not() {
    for t in ["2000-01-01T00:00:00Z", "2136-02-07T06:28:15.999Z"] {
        let t = Timestamp::parse(t).unwrap();
        assert_eq!(join(split(t).unwrap().0, split(t).unwrap().1), t);
        let f = TicketFacts { received_at: t, ..full() };
        assert_eq!(round_trip(&f), Some(f), "{t:?}");
    }
    for t in ["1999-12-31T23:59:59.999Z", "2136-02-07T06:28:16Z"] {
        let t = Timestamp::parse(t).unwrap();
        assert_eq!(split(t), None, "{t:?}");
        let received = TicketFacts { received_at: t, ..full() };
        let due = TicketFacts { due: t.millis(), ..full() };
        let clock = TicketFacts { first_contact: Some(ClockFact::new(t, None, false, false)), ..full() };
        for f in [received, due, clock] {
            assert_eq!(round_trip(&f), None, "does not pack: kept whole");
        }
    }
}

#[test]
fn a_suspended_clock_keeps_no_due_instant_and_the_mediation_clock_none_either() {
    let f = full();
    let back = round_trip(&f).unwrap();
    assert!(back.mediation.unwrap().paused());
    assert_eq!(back.mediation.unwrap().due_at, Timestamp::from_millis(0));
    let settled =
        ClockFact::new(at("2026-06-01T17:30:00+08:00"), Some(at("2026-05-20T10:00:00+08:00")), false, false);
    let g = TicketFacts { mediation: Some(settled), ..f };
    let back = round_trip(&g).unwrap().mediation.unwrap();
    assert!(back.stopped() && back.met_on_time());
    assert_eq!(back.due_at, Timestamp::from_millis(0), "when mediation is due, no figure asks");
}

#[test]
fn amounts_beyond_four_bytes_of_fen_and_long_waits_and_many_words_do_not_pack() {
    for f in [
        TicketFacts { amount_recovered: -1, ..full() },
        TicketFacts { amount_recovered: i64::from(u32::MAX) + 1, ..full() },
        TicketFacts { contact_minutes: u32::from(u16::MAX), ..full() },
        TicketFacts { words: WordSpan { at: 0, len: 256 }, ..full() },
    ] {
        assert_eq!(round_trip(&f), None);
    }
    let big = TicketFacts { amount_recovered: i64::from(u32::MAX), contact_minutes: 65_534, ..full() };
    assert_eq!(round_trip(&big), Some(big));
}

#[test]
fn the_65536th_name_of_a_small_dimension_does_not_pack() {
    let mut dims = DimNames::default();
    for n in 1..u16::MAX as u32 {
        assert!(dims.code(Some(sym(n))).is_some());
    }
    let f = TicketFacts { town: Some(sym(u32::MAX)), ..full() };
    assert!(Packed::pack(&f, &mut dims).is_none());
    let known = TicketFacts { channel: sym(1), category: None, dispute_type: None, town: Some(sym(2)), ..f };
    let known = TicketFacts { business_district: None, industry: None, unit: Some(sym(9)), ..known };
    let p = Packed::pack(&known, &mut dims).expect("names numbered already");
    assert_eq!(p.unpack(7, &dims), known);
}

#[test]
fn facts_that_do_not_pack_are_kept_whole_and_replaced_like_any_other() {
    let mut t = complaint(1, "12315", "2026-05-06T09:00:00+08:00");
    t.intake.received_at = Some(at("1998-03-15T10:00:00+08:00"));
    let mut table: FactTable = table_of(&[t.clone()]);
    assert_eq!(table.unpacked(), 1);
    let f = table.get(t.id).unwrap();
    assert_eq!(f.received_at, at("1998-03-15T10:00:00+08:00"));
    assert_eq!(
        table.received_between("1998-03-15".parse().unwrap(), "1998-03-15".parse().unwrap()).count(),
        1
    );
    t.intake.received_at = Some(at("2026-05-06T09:00:00+08:00"));
    let c = config();
    table.put(&t, crate::stats::Rules { sla: &c.sla, calendar: &c.calendar, segmenter: None }, at(NOW));
    assert_eq!(table.unpacked(), 0);
    assert_eq!(table.get(t.id).unwrap().received_at, at("2026-05-06T09:00:00+08:00"));
    assert_eq!(table.len(), 1);
}
