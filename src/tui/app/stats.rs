//! What the actions do on the statistics screen: the period, the scope, moving between sections
//! and rows, and opening the tickets behind a figure as a list the server keeps (a view that
//! carries the figure's drill-down).

use super::{App, Popup, Screen};
use crate::domain::org::UnitKind;
use crate::engine::window::{Scope as ViewScope, Sort, ViewSpec};
use crate::stats::Period;
use crate::tui::action::Action;
use crate::tui::i18n::Msg;
use crate::tui::input::Input;
use crate::tui::link::Ask;
use crate::tui::picker::{Item, Picker};
use crate::tui::stats::{PeriodChoice, StatsScope};

/// The custom range form: two dates.
pub struct RangeForm {
    pub from: Input,
    pub to: Input,
    /// 0: from, 1: to.
    pub focus: usize,
    pub error: Option<String>,
}

impl RangeForm {
    fn parse(&self) -> Option<Period> {
        let date = |i: &Input| i.text.trim().parse::<chrono::NaiveDate>().ok();
        Period::new(date(&self.from)?, date(&self.to)?).ok()
    }
}

impl App {
    /// Opens the statistics screen (from anywhere) and asks for its figures.
    pub(super) fn open_stats(&mut self) {
        self.detail = None;
        self.screen = Screen::Stats;
        self.ask_stats();
    }

    pub(super) fn ask_stats(&mut self) {
        let q = self.stats.ask(self.now);
        self.ask(Ask::Stats(q));
    }

    /// An action on the statistics screen; false when it is not one of the screen's own.
    pub(super) fn run_on_stats(&mut self, action: Action) -> bool {
        let lang = self.lang;
        match action {
            Action::MoveUp => self.stats.move_by(-1, lang),
            Action::MoveDown => self.stats.move_by(1, lang),
            Action::PageUp => self.stats.move_by(-10, lang),
            Action::PageDown => self.stats.move_by(10, lang),
            Action::GoTop => self.stats.move_to(0, lang),
            Action::GoBottom => self.stats.move_to(isize::MAX / 2, lang),
            Action::FocusNext | Action::NextView => self.stats.next_section(1),
            Action::PrevView => self.stats.next_section(-1),
            Action::Open => self.drill_down(),
            Action::Stats | Action::StatsPeriod | Action::StatsRange | Action::StatsScope => {
                self.run_stats_action(action)
            }
            _ => return false,
        }
        true
    }

    /// The statistics actions, from a key or the palette anywhere.
    pub(super) fn run_stats_action(&mut self, action: Action) {
        let on_screen = self.screen == Screen::Stats && self.detail.is_none();
        match action {
            Action::Stats if on_screen => self.screen = Screen::Queue,
            Action::StatsPeriod => {
                self.stats.choice = if on_screen { self.stats.choice.next() } else { self.stats.choice };
                self.open_stats();
            }
            Action::StatsRange => {
                if !on_screen {
                    self.open_stats();
                }
                let period = self.stats.choice.period(self.now);
                self.popup = Some(Popup::StatsRange(Box::new(RangeForm {
                    from: Input::with(&period.from.to_string()),
                    to: Input::with(&period.to.to_string()),
                    focus: 0,
                    error: None,
                })));
            }
            Action::StatsScope => {
                if !on_screen {
                    self.open_stats();
                }
                self.popup = Some(Popup::StatsScope(Box::new(Picker::new(self.scope_items()))));
            }
            _ => self.open_stats(),
        }
    }

    /// Everyone, then every unit of the organisation, then every town: one fuzzy pick list
    /// (pinyin and ids match, as in the dispatch panel).
    fn scope_items(&self) -> Vec<Item> {
        let lang = self.lang;
        let mut items = vec![Item {
            code: String::new(),
            label: Msg::StatsWholeDistrict.text(lang).to_string(),
            note: String::new(),
        }];
        for kind in [UnitKind::Section, UnitKind::Branch, UnitKind::Station] {
            for u in self.config.org.units_of_kind(kind) {
                let kind_name = if lang.is_en() { kind.table() } else { kind.zh() };
                let note = match &u.town {
                    Some(t) => format!("{kind_name} {t}"),
                    None => kind_name.to_string(),
                };
                items.push(Item { code: u.id.clone(), label: u.name.clone(), note });
            }
        }
        for town in self.config.org.towns() {
            items.push(Item {
                code: format!("town:{town}"),
                label: town.to_string(),
                note: Msg::StatsTown.text(lang).to_string(),
            });
        }
        items
    }

    /// Keys in the range form and the scope pick list.
    pub(super) fn run_in_stats_popup(&mut self, action: Action) -> bool {
        match &mut self.popup {
            Some(Popup::StatsRange(form)) => match action {
                Action::MoveUp | Action::MoveDown | Action::FocusNext => form.focus = 1 - form.focus,
                Action::Confirm => match form.parse() {
                    Some(p) => {
                        self.popup = None;
                        self.stats.choice = PeriodChoice::Custom(p);
                        self.ask_stats();
                    }
                    None => form.error = Some(Msg::StatsBadDate.text(self.lang).to_string()),
                },
                Action::Back => self.popup = None,
                _ => {}
            },
            Some(Popup::StatsScope(picker)) => match action {
                Action::MoveUp => picker.move_by(-1),
                Action::MoveDown => picker.move_by(1),
                Action::PageUp => picker.move_by(-10),
                Action::PageDown => picker.move_by(10),
                Action::Confirm => {
                    let Some(item) = picker.current().cloned() else { return true };
                    self.popup = None;
                    self.stats.scope = if let Some(town) = item.code.strip_prefix("town:") {
                        StatsScope::Town(town.to_string())
                    } else if item.code.is_empty() {
                        StatsScope::All
                    } else {
                        StatsScope::Unit { id: item.code, name: item.label }
                    };
                    self.ask_stats();
                }
                Action::Back => self.popup = None,
                _ => {}
            },
            _ => return false,
        }
        true
    }

    /// The tickets behind the figure under the cursor, as a list: the normal table, served in
    /// windows like any view; Esc comes back here with the cursor where it was.
    fn drill_down(&mut self) {
        let Some((drill, title)) = self.stats.drill(self.lang) else { return };
        let spec = ViewSpec {
            scope: ViewScope::All,
            sort: Sort::Received,
            drill: Some(Box::new(drill)),
            ..ViewSpec::default()
        };
        self.drill_title = title;
        self.screen = Screen::StatsTickets;
        let ask = self.drill.reset(spec);
        self.ask(ask);
    }
}
