//! Keys inside the panels over the screen: help, the palette, the dispatch panel, the actions
//! menu, an action's form, the intake form.

use super::{App, Effect, Popup};
use crate::engine::{Command, Envelope};
use crate::tui::action::Action;
use crate::tui::dispatch::Part;
use crate::tui::i18n::{Lang, Msg};
use crate::tui::input::Input;
use crate::tui::link::{Ask, Purpose};
use crossterm::event::{KeyCode, KeyEvent};

impl App {
    pub(super) fn save_intake(&mut self) {
        let Some(Popup::Intake(f)) = &mut self.popup else { return };
        match f.to_ticket(self.now) {
            Ok(t) => {
                let envelopes =
                    vec![Envelope { actor: self.me.clone(), command: Command::Register(Box::new(t)) }];
                self.effects.push(Effect::Ask(Ask::Execute { envelopes, purpose: Purpose::Intake }));
            }
            Err(e) => f.error = Some(e),
        }
    }

    /// Left and right change a choice field; space toggles where it means that.
    pub(super) fn popup_choice_key(&mut self, key: &KeyEvent) -> bool {
        let delta = match key.code {
            KeyCode::Left => -1,
            KeyCode::Right => 1,
            _ => return false,
        };
        match &mut self.popup {
            Some(Popup::Form(f)) => match f.fields.get_mut(f.focus) {
                Some(field) if !field.is_text() => field.cycle(delta),
                _ => return false,
            },
            Some(Popup::Intake(f)) if f.slot().is_choice() => f.cycle(delta),
            Some(Popup::Dispatch(d)) if d.part == Part::Kind => d.cycle_kind(delta),
            Some(Popup::Dispatch(d)) if d.part == Part::Sms => d.sms = !d.sms,
            _ => return false,
        }
        true
    }

    /// Keys inside a popup; false when the popup leaves the action to the screen.
    pub(super) fn run_in_popup(&mut self, action: Action) -> bool {
        let lang = self.lang;
        let config = self.config.clone();
        let Some(popup) = &mut self.popup else { return false };
        let step = |a: Action| match a {
            Action::MoveUp => -1,
            Action::MoveDown => 1,
            Action::PageUp => -10,
            Action::PageDown => 10,
            _ => 0,
        };
        match popup {
            Popup::Help { scroll } => match action {
                Action::MoveUp | Action::MoveDown | Action::PageUp | Action::PageDown => {
                    *scroll = (*scroll as isize + step(action)).max(0) as u16;
                    true
                }
                Action::Back | Action::Help | Action::Confirm => {
                    self.popup = None;
                    true
                }
                _ => false,
            },
            Popup::Palette { input, cursor } => match action {
                Action::MoveUp | Action::MoveDown => {
                    let n = palette_matches(&input.text, lang).len() as isize;
                    *cursor = (*cursor as isize + step(action)).clamp(0, (n - 1).max(0)) as usize;
                    true
                }
                Action::FocusNext => {
                    if let Some(a) = palette_matches(&input.text, lang).get(*cursor) {
                        *input = Input::with(a.name());
                    }
                    true
                }
                Action::Confirm => {
                    let chosen = palette_matches(&input.text, lang).get(*cursor).copied();
                    self.popup = None;
                    if let Some(a) = chosen {
                        self.run(a);
                    }
                    true
                }
                Action::Back => {
                    self.popup = None;
                    true
                }
                _ => true,
            },
            Popup::Actions { offered, cursor, ticket } => match action {
                Action::MoveUp | Action::MoveDown => {
                    *cursor = (*cursor as isize + step(action)).clamp(0, (offered.len() as isize - 1).max(0))
                        as usize;
                    true
                }
                Action::Confirm => {
                    let name = offered.get(*cursor).cloned();
                    let ticket = *ticket;
                    self.popup = None;
                    if let Some(name) = name {
                        if self.detail.is_none() {
                            self.list_mut().marks.clear();
                            self.list_mut().selected = Some(ticket);
                        }
                        self.lifecycle(&name);
                    }
                    true
                }
                Action::Back => {
                    self.popup = None;
                    true
                }
                _ => true,
            },
            Popup::Form(form) => match action {
                Action::MoveUp | Action::MoveDown | Action::FocusNext => {
                    let d = if action == Action::MoveUp { -1 } else { 1 };
                    form.focus = (form.focus as isize + d).rem_euclid(form.fields.len() as isize) as usize;
                    true
                }
                Action::Confirm if form.action == "watch_merchant" => {
                    match form.text("reason", lang) {
                        Ok(reason) => {
                            let tickets = form.tickets.clone();
                            self.send_watch(tickets, reason);
                        }
                        Err(e) => form.error = Some(e),
                    }
                    true
                }
                Action::Confirm => {
                    match form.build(&config, lang) {
                        Ok(a) => {
                            let (name, tickets) = (form.action.clone(), form.tickets.clone());
                            self.act(&name, tickets, a);
                        }
                        Err(e) => form.error = Some(e),
                    }
                    true
                }
                Action::Back => {
                    self.popup = None;
                    true
                }
                _ => true,
            },
            Popup::Dispatch(d) => match action {
                Action::MoveUp | Action::MoveDown | Action::PageUp | Action::PageDown => {
                    let part = d.part;
                    match d.picker() {
                        Some(p) => p.move_by(step(action)),
                        None if part == Part::Sms => d.sms = !d.sms,
                        None => d.cycle_kind(step(action)),
                    }
                    true
                }
                Action::FocusNext => {
                    if let Some(p) = d.picker() {
                        p.choose();
                    }
                    d.part = d.part.next();
                    true
                }
                Action::Confirm => {
                    if d.part != Part::Unit && d.part != Part::Sms {
                        if let Some(p) = d.picker() {
                            p.choose();
                        }
                        d.part = d.part.next();
                        return true;
                    }
                    d.unit.choose();
                    match d.actions() {
                        Ok(pairs) => {
                            let tickets = d.tickets.clone();
                            let envelopes = pairs
                                .into_iter()
                                .map(|(ticket, action)| Envelope {
                                    actor: self.me.clone(),
                                    command: self.command(ticket, action),
                                })
                                .collect();
                            self.popup = None;
                            self.ask(Ask::Execute {
                                envelopes,
                                purpose: Purpose::Act { name: "dispatch".into(), tickets },
                            });
                        }
                        Err(_) => d.error = Some(Msg::Unit.text(lang).to_string()),
                    }
                    true
                }
                Action::Back => {
                    self.popup = None;
                    true
                }
                _ => true,
            },
            Popup::Intake(f) => match action {
                Action::MoveUp | Action::MoveDown | Action::FocusNext => {
                    let d = if action == Action::MoveUp { -1 } else { 1 };
                    f.focus = (f.focus as isize + d).rem_euclid(f.inputs.len() as isize) as usize;
                    true
                }
                // Enter moves on; on the last field (or with Ctrl-S anywhere) it saves.
                Action::Confirm if f.focus + 1 < f.inputs.len() => {
                    f.focus += 1;
                    true
                }
                Action::Confirm => {
                    self.save_intake();
                    true
                }
                Action::Back => {
                    // The draft stays on disk: Esc is not a way to lose a walk-in's story.
                    self.popup = None;
                    true
                }
                _ => true,
            },
            Popup::Confirm { .. } => true,
            Popup::StatsRange(_) | Popup::StatsScope(_) => self.run_in_stats_popup(action),
        }
    }
}

/// The palette's actions for what was typed: by name or label, fuzzy.
pub fn palette_matches(text: &str, lang: Lang) -> Vec<Action> {
    use fuzzy_matcher::FuzzyMatcher;
    let m = fuzzy_matcher::skim::SkimMatcherV2::default();
    let mut scored: Vec<(i64, Action)> = Action::ALL
        .iter()
        .filter_map(|a| {
            let hay = format!("{} {}", a.name(), a.label(lang));
            if text.trim().is_empty() {
                Some((0, *a))
            } else {
                m.fuzzy_match(&hay, text.trim()).map(|s| (s, *a))
            }
        })
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored.into_iter().map(|(_, a)| a).collect()
}
