//! Every ticket's facts, by ticket number: what a server keeps in memory and brings up to date
//! from the event log, so that statistics never scan the store.
//!
//! The ticket numbers are also kept by day of receipt (China time), so that a period's figures
//! walk only the tickets of its days, not every ticket ever registered.

use super::facts::{Interner, Rules, Sym, TicketFacts, WordSpan};
use super::packed::{DimNames, Packed};
use super::words::{WordList, Words};
use crate::domain::ticket::{Ticket, TicketId};
use crate::time::Timestamp;
use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use std::borrow::Borrow;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct FactTable {
    pub names: Interner,
    /// Indexed by ticket number (numbers are dense, from 1), packed: half the bytes of the
    /// facts they give back.
    facts: Vec<Option<Packed>>,
    /// The numbers of the small dimensions' names in `facts`.
    dims: DimNames,
    /// The facts that did not pack (an instant outside 2000–2136 …), by number.
    wide: FxHashMap<u32, TicketFacts>,
    len: usize,
    /// The ticket numbers received on each day, in number order.
    days: BTreeMap<NaiveDate, Vec<u32>>,
    /// Every ticket's hot words, one after another ([`TicketFacts::words`] says where): one
    /// allocation for a million tickets rather than one each.
    words: WordList,
    /// Words of facts since replaced, still in `words` until the list is packed again.
    stale_words: usize,
}

impl FactTable {
    pub fn new() -> FactTable {
        FactTable::default()
    }

    /// A table with room for the tickets numbered up to `last` and a few more.
    pub fn with_room_for(last: u64) -> FactTable {
        let mut table = FactTable::new();
        let last = usize::try_from(last).unwrap_or(0).min(u32::MAX as usize);
        table.facts.reserve_exact(last + 1 + last / 64);
        table
    }

    /// Puts (or replaces) the facts of one ticket.
    pub fn put(&mut self, t: &Ticket, rules: Rules, now: Timestamp) {
        let (facts, words) = TicketFacts::of(t, rules, &mut self.names, now);
        self.insert(facts, &words);
    }

    /// Puts the facts of a ticket the table holds already, keeping its hot words: a ticket's
    /// title and facts are written when it is created and no later event changes them
    /// (`domain::event::apply`), so its text is not cut into words again, and a server need
    /// not load the segmenter's dictionary (40 MB) for the alarms, dispatches and answers of
    /// tickets it knows. False when the table does not hold the ticket: the caller puts it
    /// with a segmenter.
    pub fn put_again(&mut self, t: &Ticket, rules: Rules, now: Timestamp) -> bool {
        let Some(old) = u32::try_from(t.id.0).ok().and_then(|number| self.read(number)) else {
            return false;
        };
        let (mut facts, _) = TicketFacts::of(t, Rules { segmenter: None, ..rules }, &mut self.names, now);
        facts.words = old.words;
        self.place(facts);
        true
    }

    /// Puts (or replaces) facts derived elsewhere (with this table's names), with their words.
    pub fn insert(&mut self, mut facts: TicketFacts, words: &[Sym]) {
        // A number beyond u32 would need a table of billions of slots: not a ticket of ours.
        if u32::try_from(facts.id.0).is_err() {
            return;
        }
        let Ok(len) = u32::try_from(words.len()) else { return };
        let Some(at) = self.words.push(words) else { return };
        facts.words = WordSpan { at, len };
        self.place(facts);
    }

    /// Puts (or replaces) facts whose words are in the list already.
    fn place(&mut self, facts: TicketFacts) {
        let Ok(number) = u32::try_from(facts.id.0) else { return };
        let at = number as usize;
        if at >= self.facts.len() {
            // Grown by an eighth rather than doubled: at a million tickets a doubling would
            // hold 70 MB of empty records.
            if at >= self.facts.capacity() {
                self.facts.reserve_exact(at + 1 + at / 8 - self.facts.len());
            }
            self.facts.resize(at + 1, None);
        }
        let day = facts.received_at.china_date();
        let old = self.read(number);
        match old.map(|old| old.received_at.china_date()) {
            None => {
                self.len += 1;
                self.index(day, number);
            }
            Some(old) if old != day => {
                self.unindex(old, number);
                self.index(day, number);
            }
            Some(_) => {}
        }
        let packed = Packed::pack(&facts, &mut self.dims);
        if packed.is_some() {
            self.wide.remove(&number);
        } else {
            self.wide.insert(number, facts);
        }
        self.facts[at] = Some(packed.unwrap_or_else(Packed::wide));
        if let Some(old) = old.filter(|old| old.words != facts.words) {
            self.stale_words += old.words.len as usize;
            self.pack_words_if_mostly_stale();
        }
    }

    /// The facts of ticket `number` as they were put in.
    fn read(&self, number: u32) -> Option<TicketFacts> {
        self.facts.get(number as usize).and_then(Option::as_ref).and_then(|p| self.unpack(number, p))
    }

    fn unpack(&self, number: u32, p: &Packed) -> Option<TicketFacts> {
        if p.is_wide() { self.wide.get(&number).copied() } else { Some(p.unpack(number, &self.dims)) }
    }

    /// A server replaces the facts of every ticket that changes: once more than half of the
    /// list is words of replaced facts, the list is written again without them.
    fn pack_words_if_mostly_stale(&mut self) {
        if self.stale_words < 1 << 16 || self.stale_words * 2 < self.words.len() {
            return;
        }
        let mut packed = self.words.empty_like();
        let mut words = Vec::new();
        for (number, slot) in self.facts.iter_mut().enumerate() {
            let Some(p) = slot else { continue };
            let wide = p.is_wide().then(|| self.wide.get_mut(&(number as u32))).flatten();
            let span = match &wide {
                Some(f) => f.words,
                None => p.unpack_words(),
            };
            words.clear();
            words.extend(self.words.get(span.at, span.len as usize).iter());
            // Fewer words than the list held, each ticket's as many as before: they fit.
            let at = packed.push(&words).unwrap_or_default();
            match wide {
                Some(f) => f.words.at = at,
                None => p.set_words_at(at),
            }
        }
        (self.words, self.stale_words) = (packed, 0);
    }

    /// The hot words of one ticket's facts (facts of this table).
    pub fn words_of(&self, f: impl Borrow<TicketFacts>) -> Words<'_> {
        let span = f.borrow().words;
        self.words.get(span.at, span.len as usize)
    }

    fn index(&mut self, day: NaiveDate, number: u32) {
        let numbers = self.days.entry(day).or_default();
        match numbers.last() {
            // Tickets mostly arrive in number order: appended.
            Some(&last) if last < number => numbers.push(number),
            None => numbers.push(number),
            Some(_) => {
                if let Err(at) = numbers.binary_search(&number) {
                    numbers.insert(at, number);
                }
            }
        }
    }

    fn unindex(&mut self, day: NaiveDate, number: u32) {
        if let Some(numbers) = self.days.get_mut(&day) {
            if let Ok(at) = numbers.binary_search(&number) {
                numbers.remove(at);
            }
            if numbers.is_empty() {
                self.days.remove(&day);
            }
        }
    }

    pub fn get(&self, id: TicketId) -> Option<TicketFacts> {
        u32::try_from(id.0).ok().and_then(|n| self.read(n))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every ticket's facts, by number.
    pub fn iter(&self) -> impl Iterator<Item = TicketFacts> + '_ {
        self.facts
            .iter()
            .enumerate()
            .filter_map(|(n, slot)| slot.as_ref().and_then(|p| self.unpack(n as u32, p)))
    }

    /// The facts of the tickets received from `from` to `to` (China days, both included), day
    /// by day, each day's by number.
    pub fn received_between(&self, from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = TicketFacts> + '_ {
        let days = if from <= to { Some(self.days.range(from..=to)) } else { None };
        days.into_iter().flatten().flat_map(|(_, numbers)| numbers.iter()).filter_map(|&n| self.read(n))
    }

    /// About how many bytes the facts hold (what a server's log reports): the records, their
    /// hot words and the day index; the names are counted apart.
    pub fn bytes(&self) -> usize {
        let records = self.facts.capacity() * std::mem::size_of::<Option<Packed>>();
        let wide = self.wide.capacity() * (std::mem::size_of::<(u32, TicketFacts)>() + 1);
        let words = self.words.bytes();
        let days: usize = self.days.values().map(|d| d.capacity() * std::mem::size_of::<u32>()).sum();
        records + wide + self.dims.bytes() + words + days
    }

    /// How many tickets' facts did not pack (kept at full size).
    pub fn unpacked(&self) -> usize {
        self.wide.len()
    }

    pub fn sym(&self, name: &str) -> Option<Sym> {
        self.names.get(name)
    }

    pub fn name(&self, sym: Sym) -> &str {
        self.names.name(sym)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{NOW, at, complaint, config, fortnight, table_of};
    use super::super::{Scope, Selector, compute, drill};
    use super::*;
    use crate::stats::Period;

    /// Tickets received over six weeks around Labour Day 2026, a few each day.
    fn spring() -> Vec<Ticket> {
        (1..=84)
            .map(|n| {
                let day = chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap()
                    + chrono::Duration::days(n as i64 / 2);
                let mut t = complaint(
                    n,
                    if n % 3 == 0 { "12345" } else { "12315" },
                    &format!("{day}T09:30:00+08:00"),
                );
                if n % 4 == 0 {
                    t.intake.town = Some("大良".into());
                    t.respondent.name = Some("顺德区大良华联超市".into());
                }
                t
            })
            .collect()
    }

    #[test]
    fn a_period_holds_the_same_tickets_as_a_pass_over_every_ticket() {
        let table = table_of(&spring());
        for period in
            [fortnight(), fortnight().previous(), Period::new(d("2026-05-01"), d("2026-05-01")).unwrap()]
        {
            let by_day: Vec<TicketId> =
                table.received_between(period.from, period.to).map(|f| f.id).collect();
            let mut sorted = by_day.clone();
            sorted.sort();
            let every: Vec<TicketId> =
                table.iter().filter(|f| period.contains(f.received_at)).map(|f| f.id).collect();
            assert_eq!(sorted, every, "{period:?}");
            assert_eq!(by_day.len(), every.len());
        }
        assert_eq!(table.received_between(d("2026-05-10"), d("2026-05-01")).count(), 0);
    }

    #[test]
    fn figures_do_not_depend_on_the_order_tickets_were_put_in() {
        let tickets = spring();
        let in_order = table_of(&tickets);
        let mut reversed = tickets.clone();
        reversed.reverse();
        let backwards = table_of(&reversed);
        let settings = config().stats;
        let scope = Scope::default();
        assert_eq!(
            compute(&in_order, fortnight(), &scope, at(NOW), &settings),
            compute(&backwards, fortnight(), &scope, at(NOW), &settings)
        );
        let total = drill(&backwards, fortnight(), false, &scope, &Selector::Total, at(NOW));
        assert!(total.is_sorted() && !total.is_empty(), "drill-down by number: {total:?}");
    }

    #[test]
    fn a_ticket_whose_receipt_is_corrected_moves_to_its_new_day() {
        let mut tickets = spring();
        let mut table = table_of(&tickets);
        let (old_day, new_day) = (d("2026-04-29"), d("2026-05-08"));
        let moved = tickets
            .iter_mut()
            .find(|t| t.intake.received_at.map(|r| r.china_date()) == Some(old_day))
            .unwrap();
        moved.intake.received_at = Some(at("2026-05-08T15:00:00+08:00"));
        let id = moved.id;
        let config = config();
        table.put(moved, Rules { sla: &config.sla, calendar: &config.calendar, segmenter: None }, at(NOW));
        let on = |day| table.received_between(day, day).map(|f| f.id).collect::<Vec<_>>();
        assert!(!on(old_day).contains(&id));
        assert!(on(new_day).contains(&id) && on(new_day).is_sorted());
        assert_eq!(table.len(), 84);
        assert_eq!(table.received_between(d("2026-04-01"), d("2026-06-30")).count(), 84);
    }

    /// A million tickets' facts stay within about 150 MB: a record, its place in the day index
    /// and its share of the one list of words, no allocation per ticket.
    #[test]
    fn one_tickets_facts_take_at_most_144_bytes_besides_its_words() {
        assert!(std::mem::size_of::<Option<TicketFacts>>() <= 144, "{}", std::mem::size_of::<TicketFacts>());
        let table = table_of(&spring());
        assert!(table.iter().all(|f| table.words_of(f).is_empty()), "no segmenter, no words");
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
}
