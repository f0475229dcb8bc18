//! The small forms of lifecycle actions (a reason, a note, a clock and days …), one builder per
//! action name, so every action the engine offers can be done from the console.

use super::i18n::{Lang, Msg};
use super::input::Input;
use crate::config::Config;
use crate::domain::action::{REFUSAL_REASONS, RETURN_REASONS, TicketAction};
use crate::domain::ticket::{Fen, Kind, Satisfaction, TicketId};

#[derive(Clone, Debug)]
pub enum FieldKind {
    Text {
        required: bool,
    },
    /// (code, label) pairs; left and right choose.
    Choice(Vec<(String, String)>),
}

#[derive(Clone, Debug)]
pub struct Field {
    pub key: &'static str,
    pub label: Msg,
    pub kind: FieldKind,
    pub input: Input,
    pub choice: usize,
}

impl Field {
    fn text(key: &'static str, label: Msg, required: bool) -> Field {
        Field { key, label, kind: FieldKind::Text { required }, input: Input::default(), choice: 0 }
    }
    fn choice(key: &'static str, label: Msg, options: Vec<(String, String)>) -> Field {
        Field { key, label, kind: FieldKind::Choice(options), input: Input::default(), choice: 0 }
    }
    pub fn value(&self) -> String {
        match &self.kind {
            FieldKind::Text { .. } => self.input.text.trim().to_string(),
            FieldKind::Choice(options) => {
                options.get(self.choice).map(|(c, _)| c.clone()).unwrap_or_default()
            }
        }
    }
    pub fn shown(&self) -> String {
        match &self.kind {
            FieldKind::Text { .. } => self.input.text.clone(),
            FieldKind::Choice(options) => {
                options.get(self.choice).map(|(_, l)| format!("‹ {l} ›")).unwrap_or_default()
            }
        }
    }
    pub fn is_text(&self) -> bool {
        matches!(self.kind, FieldKind::Text { .. })
    }
    pub fn cycle(&mut self, delta: isize) {
        if let FieldKind::Choice(options) = &self.kind
            && !options.is_empty()
        {
            self.choice = (self.choice as isize + delta).rem_euclid(options.len() as isize) as usize;
        }
    }
}

pub struct Form {
    /// The lifecycle action's name.
    pub action: String,
    pub tickets: Vec<TicketId>,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub error: Option<String>,
}

fn reasons(table: &[(&str, &str)], lang: Lang) -> Vec<(String, String)> {
    table
        .iter()
        .map(|(c, zh)| (c.to_string(), if lang.is_en() { c.replace('_', " ") } else { zh.to_string() }))
        .collect()
}

fn kinds(lang: Lang) -> Vec<(String, String)> {
    Kind::ALL.iter().map(|k| (k.code().to_string(), super::i18n::kind(*k, lang).to_string())).collect()
}

/// The form of `action`, or None when the action takes nothing (it runs at once).
pub fn form_for(
    action: &str,
    tickets: Vec<TicketId>,
    clocks: &[(String, String)],
    lang: Lang,
) -> Option<Form> {
    use Msg as M;
    let fields = match action {
        "recall" | "suspend" | "reopen" | "end_mediation" | "watch_merchant" => {
            vec![Field::text("reason", M::Reason, true)]
        }
        "redispatch" => vec![Field::text("unit", M::Unit, true), Field::text("reason", M::Reason, true)],
        "refuse" => vec![
            Field::choice("reason", M::ReasonCode, reasons(REFUSAL_REASONS, lang)),
            Field::text("note", M::Notes, false),
        ],
        "return" | "return_to_channel" => {
            vec![
                Field::choice("reason", M::ReasonCode, reasons(RETURN_REASONS, lang)),
                Field::text("note", M::Notes, false),
            ]
        }
        "split" => vec![Field::choice("kind", M::Kind, kinds(lang)), Field::text("note", M::Notes, false)],
        "merge" => vec![Field::text("into", M::Target, true)],
        "extend" => vec![
            Field::choice("clock", M::Clock, clocks.to_vec()),
            Field::text("days", M::Days, true),
            Field::text("reason", M::Reason, true),
            Field::text("approver", M::Approver, true),
        ],
        "note" | "contact" | "tell_reporter" => vec![Field::text("text", M::Text, true)],
        "remind" | "write_back" => vec![Field::text("text", M::Notes, false)],
        "answer" => vec![Field::text("text", M::Text, true)],
        "verify" => vec![Field::text("text", M::Result, true)],
        "decide_filing" => vec![
            Field::choice(
                "filed",
                M::Filed,
                vec![("no".into(), "不予立案".into()), ("yes".into(), "立案".into())],
            ),
            Field::text("text", M::Notes, true),
        ],
        "settle" => vec![Field::text("text", M::Agreement, true), Field::text("amount", M::Amount, false)],
        "resolve" => vec![Field::text("text", M::Result, true), Field::text("amount", M::Amount, false)],
        "follow_up" => vec![
            Field::choice(
                "satisfaction",
                M::Satisfaction,
                vec![
                    ("satisfied".into(), "满意".into()),
                    ("unsatisfied".into(), "不满意".into()),
                    ("unreachable".into(), "联系不上".into()),
                ],
            ),
            Field::text("text", M::Notes, false),
        ],
        "assign" => vec![Field::text("text", M::Owner, false)],
        "attach" => vec![Field::text("name", M::Name, true), Field::text("uri", M::Link, true)],
        _ => return None,
    };
    Some(Form { action: action.to_string(), tickets, fields, focus: 0, error: None })
}

/// The action a field-less name stands for.
pub fn bare_action(action: &str) -> Option<TicketAction> {
    Some(match action {
        "sign" => TicketAction::Sign,
        "accept" => TicketAction::Accept,
        "mediate" => TicketAction::Mediate,
        "close" => TicketAction::Close,
        "resume" => TicketAction::Resume,
        _ => return None,
    })
}

impl Form {
    /// A text field's value, or what is missing (a required field left empty).
    pub fn text(&self, key: &str, lang: Lang) -> Result<String, String> {
        match self.fields.iter().find(|f| f.key == key) {
            Some(f) if matches!(f.kind, FieldKind::Text { required: true }) && f.value().is_empty() => {
                Err(format!("{}: {}", f.label.text(lang), Msg::Required.text(lang)))
            }
            Some(f) => Ok(f.value()),
            None => Err(format!("{key}?")),
        }
    }

    fn get(&self, key: &str) -> String {
        self.fields.iter().find(|f| f.key == key).map(Field::value).unwrap_or_default()
    }

    fn opt(&self, key: &str) -> Option<String> {
        Some(self.get(key)).filter(|v| !v.is_empty())
    }

    /// The action the form describes, or what is missing or wrong.
    pub fn build(&self, config: &Config, lang: Lang) -> Result<TicketAction, String> {
        for f in &self.fields {
            if let FieldKind::Text { required: true } = f.kind
                && f.value().is_empty()
            {
                return Err(format!("{}: {}", f.label.text(lang), Msg::Required.text(lang)));
            }
        }
        let amount = |key: &str| -> Result<Option<Fen>, String> {
            match self.opt(key) {
                None => Ok(None),
                Some(t) => {
                    Fen::parse_yuan(&t).map(Some).ok_or_else(|| format!("{}: {t:?}", Msg::Amount.text(lang)))
                }
            }
        };
        Ok(match self.action.as_str() {
            "recall" => TicketAction::Recall { reason: self.get("reason") },
            "suspend" => TicketAction::Suspend { reason: self.get("reason") },
            "reopen" => TicketAction::Reopen { reason: self.get("reason") },
            "end_mediation" => TicketAction::EndMediation { reason: self.get("reason") },
            "redispatch" => {
                let text = self.get("unit");
                let unit = config
                    .org
                    .find_unit(&text)
                    .ok_or_else(|| format!("{}: {text:?}?", Msg::Unit.text(lang)))?;
                TicketAction::Redispatch { unit: unit.id.clone(), reason: self.get("reason") }
            }
            "refuse" => TicketAction::Refuse { reason: self.get("reason"), note: self.opt("note") },
            "return" => TicketAction::Return { reason: self.get("reason"), note: self.opt("note") },
            "return_to_channel" => {
                TicketAction::ReturnToChannel { reason: self.get("reason"), note: self.opt("note") }
            }
            "split" => TicketAction::Split {
                kind: Kind::parse(&self.get("kind")).unwrap_or(Kind::Report),
                note: self.opt("note"),
            },
            "merge" => {
                let text = self.get("into");
                let n = text
                    .trim_start_matches('#')
                    .parse::<u64>()
                    .map_err(|_| format!("{}: {text:?}", Msg::Target.text(lang)))?;
                TicketAction::Merge { into: TicketId(n) }
            }
            "extend" => {
                let days = self.get("days");
                let working_days =
                    days.parse::<u32>().map_err(|_| format!("{}: {days:?}", Msg::Days.text(lang)))?;
                TicketAction::Extend {
                    clock: self.get("clock"),
                    working_days,
                    reason: self.get("reason"),
                    approver: self.get("approver"),
                }
            }
            "note" => TicketAction::Note { text: self.get("text") },
            "contact" => TicketAction::Contact { note: self.get("text") },
            "tell_reporter" => TicketAction::TellReporter { note: self.get("text") },
            "remind" => TicketAction::Remind { note: self.opt("text") },
            "write_back" => TicketAction::WriteBack { note: self.opt("text") },
            "answer" => TicketAction::Answer { text: self.get("text") },
            "verify" => TicketAction::Verify { findings: self.get("text") },
            "decide_filing" => {
                TicketAction::DecideFiling { filed: self.get("filed") == "yes", note: self.get("text") }
            }
            "settle" => {
                TicketAction::Settle { agreement: self.get("text"), amount_recovered: amount("amount")? }
            }
            "resolve" => {
                TicketAction::Resolve { result: self.get("text"), amount_recovered: amount("amount")? }
            }
            "follow_up" => TicketAction::FollowUp {
                satisfaction: match self.get("satisfaction").as_str() {
                    "unsatisfied" => Satisfaction::Unsatisfied,
                    "unreachable" => Satisfaction::Unreachable,
                    _ => Satisfaction::Satisfied,
                },
                note: self.opt("text"),
            },
            "assign" => TicketAction::Assign { owner: self.opt("text") },
            "attach" => TicketAction::Attach { name: self.get("name"), uri: self.get("uri") },
            other => return bare_action(other).ok_or_else(|| format!("{other}?")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_form_gives_the_reason_code_and_a_missing_reason_is_named() {
        let config = crate::config::load(None).unwrap();
        let mut f = form_for("refuse", vec![TicketId(7)], &[], Lang::Zh).unwrap();
        f.fields[0].cycle(3);
        assert_eq!(
            f.build(&config, Lang::Zh).unwrap(),
            TicketAction::Refuse { reason: "time_barred".into(), note: None }
        );
        let recall = form_for("recall", vec![TicketId(7)], &[], Lang::Zh).unwrap();
        assert_eq!(recall.build(&config, Lang::Zh).unwrap_err(), "原因: 必填");
    }

    #[test]
    fn an_extension_needs_whole_working_days() {
        let config = crate::config::load(None).unwrap();
        let clocks = vec![("complaint_acceptance".to_string(), "投诉受理决定时限".to_string())];
        let mut f = form_for("extend", vec![TicketId(7)], &clocks, Lang::En).unwrap();
        for (i, v) in ["", "三天", "检测", "陈科长"].iter().enumerate() {
            f.fields[i].input = Input::with(v);
        }
        assert!(f.build(&config, Lang::En).unwrap_err().starts_with("Working days"));
        f.fields[1].input = Input::with("5");
        assert!(matches!(f.build(&config, Lang::En), Ok(TicketAction::Extend { working_days: 5, .. })));
    }
}
