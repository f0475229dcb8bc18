//! A list of tickets on screen: a window of a view the server keeps, the cursor and the marks.
//! The cursor and the marks hold ticket ids, so rows arriving above do not move the clerk's
//! selection: the answer says where the selected ticket went and the screen follows it.

use super::link::{Ask, ListId};
use crate::domain::ticket::TicketId;
use crate::engine::view::TicketSummary;
use crate::engine::window::{ViewSpec, Window, WindowQuery};
use crate::search::Highlight;
use std::collections::BTreeSet;

#[derive(Debug)]
pub struct TicketList {
    pub id: ListId,
    pub spec: ViewSpec,
    pub window: Window,
    pub loaded: bool,
    /// Position of the cursor in the whole view.
    pub cursor: usize,
    /// First row shown.
    pub top: usize,
    /// The ticket under the cursor.
    pub selected: Option<TicketId>,
    pub marks: BTreeSet<TicketId>,
    pub range_from: Option<usize>,
    /// Rows the screen shows.
    pub height: usize,
    /// The anchor of the window last asked for: a late answer to an older ask must not move
    /// the cursor back.
    asked_anchor: Option<TicketId>,
    /// A window asked ahead of need is on its way: one is enough.
    prefetching: bool,
    /// Rows were ever asked for: a list not yet shown (the overdue list, a figure's tickets)
    /// asks for none when the screen's size changes, only when it is shown.
    asked: bool,
}

/// Screens of rows held beyond the one shown, each side: a page key moves a screen, so two
/// let a page key and the steps after it show rows already held while the next are fetched.
/// (Three, asked again when fewer than two remain, measured no better with `desk-bench ui`.)
const MARGIN_SCREENS: usize = 2;

impl TicketList {
    pub fn new(id: ListId, spec: ViewSpec) -> TicketList {
        TicketList {
            id,
            spec,
            window: Window::default(),
            loaded: false,
            cursor: 0,
            top: 0,
            selected: None,
            marks: BTreeSet::new(),
            range_from: None,
            height: 20,
            asked_anchor: None,
            prefetching: false,
            asked: false,
        }
    }

    pub fn total(&self) -> usize {
        self.window.total
    }

    pub fn row(&self, i: usize) -> Option<&TicketSummary> {
        i.checked_sub(self.window.offset).and_then(|j| self.window.rows.get(j))
    }

    pub fn highlight(&self, i: usize) -> Option<&Highlight> {
        i.checked_sub(self.window.offset).and_then(|j| self.window.highlights.get(j))
    }

    pub fn current(&self) -> Option<&TicketSummary> {
        self.row(self.cursor)
    }

    /// The window to ask for: the screen with `MARGIN_SCREENS` screens of rows each side.
    pub fn ask(&mut self) -> Ask {
        self.asked = true;
        self.asked_anchor = self.selected;
        let h = self.height.max(1);
        Ask::Window {
            list: self.id,
            query: WindowQuery {
                view: self.spec.clone(),
                offset: self.top.saturating_sub(MARGIN_SCREENS * h),
                limit: (2 * MARGIN_SCREENS + 1) * h,
                anchor: self.selected,
            },
        }
    }

    /// Whether less than a screen of rows is held beyond the screen on either side (where the
    /// view goes on): time to fetch the next ones, before a key needs them.
    fn margin_short(&self) -> bool {
        let h = self.height.max(1);
        let held_end = self.window.offset + self.window.rows.len();
        let shown_end = (self.top + h).min(self.window.total);
        let short_below = held_end < self.window.total && held_end.saturating_sub(shown_end) < h;
        let short_above = self.window.offset > 0 && self.top.saturating_sub(self.window.offset) < h;
        short_below || short_above
    }

    /// Whether every row on screen is in the window held.
    fn covered(&self) -> bool {
        let end = (self.top + self.height).min(self.window.total);
        self.loaded && self.top >= self.window.offset && end <= self.window.offset + self.window.rows.len()
    }

    pub fn on_window(&mut self, w: Window) {
        let follow = self.loaded && self.asked_anchor.is_some() && self.asked_anchor == self.selected;
        if follow && let Some(at) = w.anchor_at {
            // Keep the selected ticket on the same screen line.
            let line = self.cursor.saturating_sub(self.top);
            self.cursor = at;
            self.top = at.saturating_sub(line);
        }
        self.window = w;
        self.loaded = true;
        self.prefetching = false;
        self.clamp();
        self.selected = self.current().map(|r| TicketId(r.id)).or(if self.window.total == 0 {
            None
        } else {
            self.selected
        });
    }

    fn clamp(&mut self) {
        let total = self.window.total;
        if total == 0 {
            self.cursor = 0;
            self.top = 0;
            return;
        }
        self.cursor = self.cursor.min(total - 1);
        let h = self.height.max(1);
        if self.cursor < self.top {
            self.top = self.cursor;
        }
        if self.cursor >= self.top + h {
            self.top = self.cursor + 1 - h;
        }
        self.top = self.top.min(total.saturating_sub(h));
    }

    /// Moves the cursor; an ask when the rows now on screen are not all held.
    pub fn move_to(&mut self, pos: isize) -> Option<Ask> {
        let total = self.window.total;
        if total == 0 {
            return None;
        }
        self.cursor = pos.clamp(0, total as isize - 1) as usize;
        self.clamp();
        self.selected = self.current().map(|r| TicketId(r.id));
        if let Some(from) = self.range_from {
            let (a, b) = (from.min(self.cursor), from.max(self.cursor));
            for i in a..=b {
                if let Some(r) = self.row(i) {
                    self.marks.insert(TicketId(r.id));
                }
            }
        }
        if !self.covered() {
            Some(self.ask())
        } else if self.margin_short() && !self.prefetching {
            // The screen is drawn from the rows held; the next ones come meanwhile.
            self.prefetching = true;
            Some(self.ask())
        } else {
            None
        }
    }

    pub fn move_by(&mut self, delta: isize) -> Option<Ask> {
        self.move_to(self.cursor as isize + delta)
    }

    pub fn set_height(&mut self, height: usize) -> Option<Ask> {
        if height == self.height {
            return None;
        }
        self.height = height.max(1);
        self.clamp();
        if self.covered() || !self.asked { None } else { Some(self.ask()) }
    }

    /// A new filter, order or search: back to the top.
    pub fn reset(&mut self, spec: ViewSpec) -> Ask {
        self.spec = spec;
        self.cursor = 0;
        self.top = 0;
        self.selected = None;
        self.range_from = None;
        self.loaded = false;
        self.ask()
    }

    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected
            && !self.marks.remove(&id)
        {
            self.marks.insert(id);
        }
    }

    /// Starts a range at the cursor, or ends the one started.
    pub fn toggle_range(&mut self) {
        match self.range_from.take() {
            Some(_) => {}
            None => {
                self.range_from = Some(self.cursor);
                self.toggle_mark();
            }
        }
    }

    /// The tickets an action applies to: the marked ones, else the one under the cursor.
    pub fn targets(&self) -> Vec<TicketId> {
        if self.marks.is_empty() {
            self.selected.into_iter().collect()
        } else {
            self.marks.iter().copied().collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::view::TicketSummary;

    fn summary(id: u64) -> TicketSummary {
        TicketSummary {
            id,
            channel: "12345".into(),
            channel_ticket_id: format!("GD{id}"),
            kind: "complaint".into(),
            status: "registered".into(),
            received_at: None,
            title: "预付卡退费".into(),
            town: Some("容桂".into()),
            respondent_name: None,
            business_district: None,
            category: None,
            unit: None,
            owner: None,
            flags: vec![],
            clocks: vec![],
        }
    }

    fn window(ids: &[u64], offset: usize, total: usize, anchor_at: Option<usize>) -> Window {
        Window {
            seq: 1,
            total,
            offset,
            rows: ids.iter().map(|&i| summary(i)).collect(),
            highlights: vec![],
            anchor_at,
        }
    }

    #[test]
    fn a_new_ticket_above_does_not_move_the_selection_off_its_ticket() {
        let mut list = TicketList::new(ListId::Queue, ViewSpec::default());
        list.height = 5;
        list.on_window(window(&[10, 11, 12, 13, 14, 15], 0, 6, None));
        list.move_to(2);
        assert_eq!(list.selected, Some(TicketId(12)));
        list.toggle_mark();
        let _ = list.ask();
        // Ticket 9 arrives at the top: 12 is now at position 3.
        list.on_window(window(&[9, 10, 11, 12, 13, 14, 15], 0, 7, Some(3)));
        assert_eq!((list.cursor, list.selected), (3, Some(TicketId(12))));
        assert_eq!(list.cursor - list.top, 2, "same screen line");
        assert!(list.marks.contains(&TicketId(12)));
    }

    #[test]
    fn moving_past_the_rows_held_asks_for_the_next_window() {
        let mut list = TicketList::new(ListId::Queue, ViewSpec::default());
        list.height = 3;
        list.on_window(window(&[1, 2, 3, 4, 5, 6], 0, 100, None));
        assert!(list.move_to(1).is_none());
        assert!(list.move_to(10).is_some());
    }

    #[test]
    fn a_step_that_leaves_less_than_a_screen_held_below_asks_for_the_next_rows_once_before_they_are_needed() {
        let mut list = TicketList::new(ListId::Queue, ViewSpec::default());
        list.height = 3;
        list.on_window(window(&(1..=9).collect::<Vec<_>>(), 0, 100, None));
        assert!(list.move_to(2).is_none(), "screen 0..3, six rows held below");
        // Screen 4..7: two rows held below it, the screen itself all held.
        let Some(Ask::Window { query, .. }) = list.move_to(6) else { panic!("a window asked ahead") };
        assert_eq!(list.current().map(|r| r.id), Some(7), "drawn from the rows held");
        assert_eq!(
            (query.offset, query.limit),
            (0, 5 * 3),
            "two screens above (as far as there are) and below"
        );
        assert!(list.move_to(7).is_none(), "one ask ahead is on its way already");
        list.on_window(window(&(1..=15).collect::<Vec<_>>(), 0, 100, None));
        assert!(list.move_to(6).is_none(), "a screen and more held again");
    }

    #[test]
    fn a_list_never_shown_asks_for_nothing_when_the_screen_changes_size_and_one_shown_asks_for_its_rows() {
        let mut hidden = TicketList::new(ListId::Overdue, ViewSpec::default());
        assert!(hidden.set_height(34).is_none(), "asked for when it is shown, at its height then");
        let Ask::Window { query, .. } = hidden.ask() else { panic!("a window") };
        assert_eq!(query.limit, 5 * 34);
        let mut shown = TicketList::new(ListId::Queue, ViewSpec::default());
        let _ = shown.ask();
        shown.on_window(window(&(1..=60).collect::<Vec<_>>(), 0, 100, None));
        assert!(shown.set_height(34).is_none(), "its rows are held");
        assert!(shown.set_height(80).is_some(), "more rows than held");
    }

    #[test]
    fn at_the_end_of_the_view_nothing_more_is_asked_for() {
        let mut list = TicketList::new(ListId::Queue, ViewSpec::default());
        list.height = 3;
        list.on_window(window(&(1..=6).collect::<Vec<_>>(), 0, 6, None));
        assert!(list.move_to(5).is_none(), "the whole view is held");
    }
}
