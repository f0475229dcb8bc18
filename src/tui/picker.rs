//! A pick list with a fuzzy filter: categories, dispute types, the organisation's units. Typing
//! narrows it (pinyin and ids too: `rg` finds 容桂分局), arrows move, the choice is kept by code.

use super::input::Input;
use crate::search::{Haystack, Query};

#[derive(Clone, Debug)]
pub struct Item {
    pub code: String,
    pub label: String,
    /// A second column: why it is suggested, or the unit's kind.
    pub note: String,
}

pub struct Picker {
    pub items: Vec<Item>,
    hay: Vec<Haystack>,
    pub filter: Input,
    /// Indices of `items` shown, best first.
    pub shown: Vec<usize>,
    pub cursor: usize,
    pub chosen: Option<String>,
}

impl Picker {
    pub fn new(items: Vec<Item>) -> Picker {
        let hay = items.iter().map(|i| Haystack::of_name(&i.label, Some(&i.code))).collect();
        let shown = (0..items.len()).collect();
        Picker { items, hay, filter: Input::default(), shown, cursor: 0, chosen: None }
    }

    pub fn refilter(&mut self) {
        let q = Query::new(&self.filter.text);
        if q.is_empty() {
            self.shown = (0..self.items.len()).collect();
        } else {
            let mut scored: Vec<(i64, usize)> =
                self.hay.iter().enumerate().filter_map(|(i, h)| q.score(h).map(|(s, _)| (s, i))).collect();
            scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            self.shown = scored.into_iter().map(|(_, i)| i).collect();
        }
        self.cursor = 0;
    }

    pub fn current(&self) -> Option<&Item> {
        self.shown.get(self.cursor).map(|&i| &self.items[i])
    }

    pub fn move_by(&mut self, delta: isize) {
        if self.shown.is_empty() {
            return;
        }
        self.cursor = (self.cursor as isize + delta).clamp(0, self.shown.len() as isize - 1) as usize;
    }

    /// Takes the item under the cursor.
    pub fn choose(&mut self) -> bool {
        match self.current().map(|i| i.code.clone()) {
            Some(code) => {
                self.chosen = Some(code);
                true
            }
            None => false,
        }
    }

    pub fn chosen_label(&self) -> Option<&str> {
        let code = self.chosen.as_deref()?;
        self.items.iter().find(|i| i.code == code).map(|i| i.label.as_str())
    }

    /// Chooses by code when present (the ticket's current value).
    pub fn preselect(&mut self, code: Option<&str>) {
        if let Some(code) = code
            && let Some(pos) = self.shown.iter().position(|&i| self.items[i].code == code)
        {
            self.cursor = pos;
            self.chosen = Some(code.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_initials_narrow_a_unit_list() {
        let mut p = Picker::new(vec![
            Item { code: "daliang".into(), label: "大良分局".into(), note: String::new() },
            Item { code: "ronggui".into(), label: "容桂分局".into(), note: String::new() },
            Item { code: "xbk".into(), label: "消费者权益保护科".into(), note: String::new() },
        ]);
        p.filter = Input::with("rg");
        p.refilter();
        assert_eq!(p.current().map(|i| i.code.as_str()), Some("ronggui"));
        p.filter = Input::with("消保");
        p.refilter();
        assert_eq!(p.current().map(|i| i.code.as_str()), Some("xbk"));
    }
}
