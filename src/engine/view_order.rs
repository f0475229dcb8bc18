//! A view's order, kept two ways. A view of the open tickets (or of the few tickets an index
//! names) keeps each ticket's key: a few thousand rows, read from the open set. A view built from
//! the catalogue — every ticket, or a drill-down over a year's — keeps only the catalogue's
//! positions of its tickets, in order, and one bit a ticket for membership: 4 bytes and a bit a
//! ticket instead of a key of its own in a map and a tree (~100 bytes), its keys read from the
//! catalogue whenever it is ordered.

use super::catalogue::{Catalogue, OrderKeys};
use super::window::{Fields, Sort};
use crate::domain::ticket::TicketId;
use std::collections::{BTreeSet, HashMap};

/// Order key of one row in a view that keeps its keys.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key {
    primary: i64,
    text: String,
    id: u64,
}

pub(super) fn key_of(sort: Sort, row: &impl Fields) -> Key {
    let text = |s: Option<&str>| s.unwrap_or("\u{10FFFF}").to_string();
    let (primary, text) = match sort {
        Sort::Deadline => (row.earliest_due().unwrap_or(i64::MAX), String::new()),
        Sort::Received => (-row.received_at().unwrap_or(0), String::new()),
        Sort::Channel => (0, row.channel().to_string()),
        Sort::Status => (row.status().tag() as i64, String::new()),
        Sort::Town => (0, text(row.town())),
        Sort::Unit => (0, text(row.unit())),
        Sort::Number => (row.id().0 as i64, String::new()),
    };
    Key { primary, text, id: row.id().0 }
}

/// A view's tickets in the view's order (ascending keys; a descending view reads it backwards).
#[derive(Clone)]
pub(super) enum Order {
    Keyed(Keyed),
    Catalogued(Catalogued),
}

/// Each ticket's key, and the keys in order.
#[derive(Clone, Default)]
pub(super) struct Keyed {
    keys: HashMap<TicketId, Key>,
    order: BTreeSet<Key>,
}

impl Keyed {
    pub(super) fn insert(&mut self, id: TicketId, key: Key) {
        if let Some(old) = self.keys.insert(id, key.clone()) {
            self.order.remove(&old);
        }
        self.order.insert(key);
    }

    pub(super) fn remove(&mut self, id: TicketId) {
        if let Some(old) = self.keys.remove(&id) {
            self.order.remove(&old);
        }
    }

    pub(super) fn ids(&self) -> impl Iterator<Item = TicketId> + '_ {
        self.keys.keys().copied()
    }
}

/// The catalogue's positions of a view's tickets, ordered by their keys in the catalogue.
#[derive(Clone)]
pub(super) struct Catalogued {
    sort: Sort,
    /// The catalogue's `shifts` when built: positions hold while it is the same.
    shifts: u64,
    positions: Vec<u32>,
    members: Bits,
}

impl Catalogued {
    /// The view of `admitted` (positions in `cat`, any order), ordered by `sort`.
    pub(super) fn new(cat: &Catalogue, sort: Sort, mut admitted: Vec<u32>) -> Catalogued {
        let keys = cat.order_keys(sort);
        admitted.sort_unstable_by_key(|&at| keys.key(at));
        admitted.shrink_to_fit();
        let mut members = Bits::with_len(cat.len());
        for &at in &admitted {
            members.set(at, true);
        }
        Catalogued { sort, shifts: cat.shifts(), positions: admitted, members }
    }

    /// Whether its positions still name the same tickets in `cat`.
    pub(super) fn fits(&self, cat: &Catalogue) -> bool {
        self.shifts == cat.shifts()
    }

    pub(super) fn sort(&self) -> Sort {
        self.sort
    }

    pub(super) fn contains(&self, at: u32) -> bool {
        self.members.get(at)
    }

    pub(super) fn positions(&self) -> &[u32] {
        &self.positions
    }

    /// Takes the tickets at `changed` out and puts back those `admit` admits, each where the
    /// catalogue's keys now place it. Every other ticket's key is as it was when placed.
    pub(super) fn replace(&mut self, cat: &Catalogue, changed: &[u32], admit: impl Fn(u32) -> bool) {
        if changed.iter().any(|&at| self.members.get(at)) {
            let mut gone = Bits::with_len(cat.len());
            for &at in changed {
                gone.set(at, true);
                self.members.set(at, false);
            }
            self.positions.retain(|&at| !gone.get(at));
        }
        let keys = cat.order_keys(self.sort);
        let back: Vec<u32> = changed.iter().copied().filter(|&at| admit(at)).collect();
        // Many at once: sorted again rather than moved up one at a time.
        if back.len() > 64 {
            self.positions.extend(&back);
            self.positions.sort_unstable_by_key(|&at| keys.key(at));
        } else {
            for &at in &back {
                let key = keys.key(at);
                let to = self.positions.partition_point(|&p| keys.key(p) < key);
                self.positions.insert(to, at);
            }
        }
        for at in back {
            self.members.set(at, true);
        }
    }
}

impl Order {
    /// About how many bytes the order holds: what the views kept at once are budgeted by.
    /// Counted once, when it is built (a view's later changes are a few tickets).
    pub(super) fn bytes(&self) -> usize {
        match self {
            Order::Keyed(k) => {
                let texts: usize = k.keys.values().map(|key| key.text.capacity()).sum();
                // The map's slots, and the tree's nodes at about two thirds full; each key's
                // text is held twice (a clone in the tree).
                k.keys.capacity() * (std::mem::size_of::<(TicketId, Key)>() + 1)
                    + k.order.len() * std::mem::size_of::<Key>() * 3 / 2
                    + 2 * texts
            }
            Order::Catalogued(c) => {
                c.positions.capacity() * std::mem::size_of::<u32>() + c.members.0.capacity() * 8
            }
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Order::Keyed(k) => k.keys.len(),
            Order::Catalogued(c) => c.positions.len(),
        }
    }

    /// `limit` tickets from `offset` on, in the view's order (backwards when `descending`).
    pub(super) fn ids(
        &self,
        cat: Option<&Catalogue>,
        offset: usize,
        limit: usize,
        descending: bool,
    ) -> Vec<TicketId> {
        match self {
            Order::Keyed(k) if descending => {
                k.order.iter().rev().skip(offset).take(limit).map(|key| TicketId(key.id)).collect()
            }
            Order::Keyed(k) => k.order.iter().skip(offset).take(limit).map(|key| TicketId(key.id)).collect(),
            Order::Catalogued(c) => {
                let Some(cat) = cat else { return Vec::new() };
                let id = |at: &u32| cat.entry(*at as usize).id();
                if descending {
                    c.positions.iter().rev().skip(offset).take(limit).map(id).collect()
                } else {
                    c.positions.iter().skip(offset).take(limit).map(id).collect()
                }
            }
        }
    }

    /// Where ticket `id` is in the view's order (backwards when `descending`), if it is in it.
    pub(super) fn rank(&self, cat: Option<&Catalogue>, id: TicketId, descending: bool) -> Option<usize> {
        let before = match self {
            Order::Keyed(k) => {
                let key = k.keys.get(&id)?;
                k.order.range(..key.clone()).count()
            }
            Order::Catalogued(c) => {
                let at = cat?.position(id)? as u32;
                if !c.contains(at) {
                    return None;
                }
                c.positions.iter().position(|&p| p == at)?
            }
        };
        Some(if descending { self.len() - 1 - before } else { before })
    }
}

/// One bit a catalogue position.
#[derive(Clone, Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn with_len(len: usize) -> Bits {
        Bits(vec![0; len.div_ceil(64)])
    }

    fn get(&self, at: u32) -> bool {
        self.0.get(at as usize / 64).is_some_and(|w| w & (1 << (at % 64)) != 0)
    }

    fn set(&mut self, at: u32, on: bool) {
        let word = at as usize / 64;
        if word >= self.0.len() {
            if !on {
                return;
            }
            self.0.resize(word + 1, 0);
        }
        if on {
            self.0[word] |= 1 << (at % 64);
        } else {
            self.0[word] &= !(1 << (at % 64));
        }
    }
}

/// Whether the ticket at `at` (a position in `cat`) is in the view, and how a search finds its
/// place among matches of equal score.
pub(super) fn tie_key<'a>(order: &'a Order, cat: &Catalogue, at: u32) -> Option<TieKey<'a>> {
    match order {
        Order::Keyed(k) => k.keys.get(&cat.entry(at as usize).id()).map(TieKey::Keyed),
        Order::Catalogued(c) => c.contains(at).then_some(TieKey::Catalogued),
    }
}

/// A match's place in a view's order (one view's matches are all of one kind): its key, or, in
/// a view built from the catalogue, nothing besides its position — its key is read from the
/// catalogue when two matches of equal score are compared, so a search of every ticket holds
/// 24 bytes a match.
#[derive(Clone, Copy)]
pub(super) enum TieKey<'a> {
    Keyed(&'a Key),
    Catalogued,
}

impl TieKey<'_> {
    /// The order of two matches at `a` and `b`; `keys` reads a catalogued view's keys.
    pub(super) fn cmp(self, a: u32, other: TieKey, b: u32, keys: Option<&OrderKeys>) -> std::cmp::Ordering {
        match (self, other, keys) {
            (TieKey::Keyed(x), TieKey::Keyed(y), _) => x.cmp(y),
            (_, _, Some(keys)) => keys.key(a).cmp(&keys.key(b)),
            _ => a.cmp(&b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::status::Status;
    use crate::domain::ticket::Kind;
    use crate::store::Row;
    use crate::time::Timestamp;

    const TOWNS: [Option<&str>; 4] = [Some("容桂"), Some("大良"), None, Some("乐从")];
    const UNITS: [Option<&str>; 3] = [Some("rg-station"), None, Some("dl-station")];
    const CHANNELS: [&str; 3] = ["12345", "12315", "walkin"];
    const NOW_MS: i64 = 1_795_831_200_000;

    fn row(id: u64) -> Row {
        let i = id as usize;
        Row {
            id: TicketId(id),
            kind: Kind::Complaint,
            status: Status::ALL[i % Status::ALL.len()],
            channel: CHANNELS[i % 3].into(),
            channel_ticket_id: format!("GD-2026-{id:06}"),
            received_at: (!i.is_multiple_of(5))
                .then(|| Timestamp::from_millis(NOW_MS - (i as i64 % 7) * 3_600_000)),
            title: ["健身房预付卡退费难", "空调安装后漏水", "预付式消费门店关闭"][i % 3].into(),
            town: TOWNS[i % 4].map(str::to_string),
            respondent_name: Some(format!("顺德区某某商行{}", i % 6)),
            category: Some("预付式消费".into()),
            unit: UNITS[i % 3].map(str::to_string),
            owner: None,
            flags: Default::default(),
            clocks: Vec::new(),
            earliest_due: (i % 4 != 1).then(|| Timestamp::from_millis(NOW_MS + (i as i64 % 9) * 86_400_000)),
            updated_at: Timestamp::from_millis(NOW_MS),
            business_district: None,
        }
    }

    fn config() -> crate::config::Config {
        crate::config::load(None).expect("the built-in configuration loads")
    }

    /// The tickets of `order` by number, as sorting their rows by `key_of` lists them.
    fn sorted_by_key_of(rows: &[Row], sort: Sort) -> Vec<TicketId> {
        let mut keyed: Vec<(Key, TicketId)> = rows.iter().map(|r| (key_of(sort, r), r.id)).collect();
        keyed.sort();
        keyed.into_iter().map(|(_, id)| id).collect()
    }

    #[test]
    fn a_view_built_from_the_catalogue_orders_its_tickets_as_their_rows_sort_by_key() {
        let config = config();
        let rows: Vec<Row> = (1..=40).map(row).collect();
        let cat = Catalogue::of_rows(&rows, &config);
        for sort in Sort::ALL {
            let order = Order::Catalogued(Catalogued::new(&cat, sort, (0..40).rev().collect()));
            let want = sorted_by_key_of(&rows, sort);
            assert_eq!(order.ids(Some(&cat), 0, 100, false), want, "{sort:?}");
            let backwards: Vec<TicketId> = want.iter().rev().copied().collect();
            assert_eq!(order.ids(Some(&cat), 0, 100, true), backwards, "{sort:?} descending");
            assert_eq!(order.ids(Some(&cat), 5, 3, false), want[5..8], "{sort:?} a window");
            assert_eq!(order.rank(Some(&cat), want[7], false), Some(7), "{sort:?} rank");
            assert_eq!(order.rank(Some(&cat), want[7], true), Some(32), "{sort:?} rank descending");
        }
    }

    #[test]
    fn a_catalogued_view_after_changes_orders_as_one_built_afresh() {
        let config = config();
        let mut rows: Vec<Row> = (1..=40).map(row).collect();
        let mut cat = Catalogue::of_rows(&rows, &config);
        // Only tickets with a town are in the view.
        let admitted = |cat: &Catalogue, at: u32| cat.entry(at as usize).town().is_some();
        for sort in Sort::ALL {
            let all: Vec<u32> = (0..cat.len() as u32).filter(|&at| admitted(&cat, at)).collect();
            let mut kept = Catalogued::new(&cat, sort, all);
            // A few tickets move town, deadline and status; two new ones arrive (one a town
            // nobody had before).
            let mut changed = Vec::new();
            for (n, at) in [3usize, 8, 17, 30].into_iter().enumerate() {
                let r = &mut rows[at];
                r.town = TOWNS[(at + n + 1) % 4].map(str::to_string);
                r.earliest_due = Some(Timestamp::from_millis(NOW_MS - at as i64 * 60_000));
                r.status = Status::ALL[(at * 7) % Status::ALL.len()];
                r.unit = UNITS[(at + 1) % 3].map(str::to_string);
                cat.put(r, &config);
                changed.push(at as u32);
            }
            for id in [41, 42] {
                let mut r = row(id);
                r.town = Some(if id == 41 { "均安" } else { "容桂" }.into());
                cat.put(&r, &config);
                changed.push(cat.position(r.id).unwrap() as u32);
                rows.push(r);
            }
            kept.replace(&cat, &changed, |at| admitted(&cat, at));
            let fresh: Vec<u32> = (0..cat.len() as u32).filter(|&at| admitted(&cat, at)).collect();
            let fresh = Order::Catalogued(Catalogued::new(&cat, sort, fresh));
            let kept = Order::Catalogued(kept);
            assert_eq!(kept.len(), fresh.len(), "{sort:?}");
            assert_eq!(kept.ids(Some(&cat), 0, 100, false), fresh.ids(Some(&cat), 0, 100, false), "{sort:?}");
            let in_view: Vec<Row> = rows.iter().filter(|r| r.town.is_some()).cloned().collect();
            assert_eq!(kept.ids(Some(&cat), 0, 100, false), sorted_by_key_of(&in_view, sort), "{sort:?}");
            rows = (1..=40).map(row).collect();
            cat = Catalogue::of_rows(&rows, &config);
        }
    }

    #[test]
    fn a_ticket_placed_before_others_in_the_catalogue_makes_its_views_unfit_to_keep() {
        let config = config();
        let rows: Vec<Row> = (2..=20).map(row).collect();
        let mut cat = Catalogue::of_rows(&rows, &config);
        let kept = Catalogued::new(&cat, Sort::Number, (0..19).collect());
        cat.put(&row(21), &config);
        assert!(kept.fits(&cat), "a ticket added at the end moves nobody");
        cat.put(&row(1), &config);
        assert!(!kept.fits(&cat), "ticket 1 moved every other ticket's position");
    }

    #[test]
    fn a_match_of_a_search_holds_its_place_in_a_pointer_at_most() {
        assert!(std::mem::size_of::<(i64, TieKey, u32)>() <= 24);
    }

    #[test]
    fn a_catalogued_view_keeps_four_bytes_and_a_bit_a_ticket() {
        let config = config();
        let rows: Vec<Row> = (1..=4096).map(row).collect();
        let cat = Catalogue::of_rows(&rows, &config);
        let c = Catalogued::new(&cat, Sort::Town, (0..4096).collect());
        let bytes = c.positions.capacity() * std::mem::size_of::<u32>() + c.members.0.capacity() * 8;
        assert!(bytes <= 4096 * 4 + 4096 / 8, "{bytes} bytes");
    }
}
