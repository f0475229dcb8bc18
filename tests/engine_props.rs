//! Random command sequences through a real engine on a real store: whatever the commands, the
//! engine does not panic, a refused command changes nothing, and the store stays consistent (the
//! log replays to the projections, rows and indexes match, one status index per ticket).

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};
use rightsdesk::config::{self, Config};
use rightsdesk::domain::action::{REFUSAL_REASONS, RETURN_REASONS, TicketAction};
use rightsdesk::domain::credit_code;
use rightsdesk::domain::event::Event;
use rightsdesk::domain::status::Status;
use rightsdesk::domain::ticket::{
    Complainant, Dispute, Fen, Intake, Kind, NewTicket, Respondent, Satisfaction, Ticket, TicketId, Workflow,
};
use rightsdesk::engine::{Change, Command, Engine, EngineError, Envelope, Outcome};
use rightsdesk::store::{Store, check};
use rightsdesk::time::{Clock, Timestamp};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock};

// ───────────────────────────── data ─────────────────────────────

fn config() -> Arc<Config> {
    static CONFIG: OnceLock<Arc<Config>> = OnceLock::new();
    CONFIG.get_or_init(|| Arc::new(config::load(None).expect("the built-in configuration loads"))).clone()
}

/// Channel ids with the shape of their own ticket numbers; the last one is not configured.
const CHANNELS: [(&str, &str); 10] = [
    ("12345", "FS12345-20260302-"),
    ("12315", "1440606202603"),
    ("12315-odr", "ODR2026"),
    ("8180", "SD8180-"),
    ("mayor", "SZXX-2026-"),
    ("wechat", "WX"),
    ("walkin", "LF-2026-"),
    ("letter", "LX-2026-"),
    ("station", "FWZ-"),
    ("fax", "CZ-"),
];

const PEOPLE: [(&str, &str); 6] = [
    ("陈美玲", "13800138000"),
    ("梁志强", "139 2233 4455"),
    ("何嘉欣", "+86 135-0275-1234"),
    ("冯伟", "0757-2221 3344"),
    ("黄晓敏", "13700001111/0757-22998877"),
    ("", "无"),
];

const ADDRESSES: [&str; 4] =
    ["佛山市顺德区大良街道新桂路8号", "容桂街道容奇大道中23号之一", "北滘镇君兰社区美的大道1号", ""];

const TOWNS: [&str; 9] =
    ["大良", "大良街道", "顺德区容桂街道", "伦教", "北滘镇", "佛山市顺德区乐从镇", "龙江", "火星镇", ""];

const TITLES: [&str; 8] = [
    "空调安装后不制冷，商家拒绝退换",
    "健身房突然闭店，预付卡余额无法退还",
    "外卖食品中吃出异物",
    "网购家具与宣传不符，商家拒绝退货",
    "美容院诱导办卡并虚假宣传",
    "超市销售过期牛奶",
    "咨询预付式消费合同退费规定",
    "建议商场增设消费维权服务站",
];

const CATEGORIES: [&str; 6] = ["家用电器", "预付式消费", "餐饮和住宿", "网络交易", "食品安全", "居民服务"];
const DISPUTE_TYPES: [&str; 5] = ["质量", "价格", "合同", "虚假宣传", "售后服务"];

fn respondent(i: usize) -> Respondent {
    let (name, code, address) = match i % 5 {
        0 => (
            "顺德区大良美家电器商行",
            credit_code::with_check_char("92440606MA4W8K3L1"),
            "大良街道清晖路12号",
        ),
        1 => (
            "佛山市顺德区容桂好又多超市有限公司",
            Some("91440606MA4UXXXXX0".to_string()),
            "容桂街道桂洲大道88号",
        ),
        2 => ("佛山市顺德区北滘悦享美容美发店", credit_code::with_check_char("92440606ma51c2d3e"), ""),
        3 => ("乐从某健身会所", None, "乐从镇东平新城"),
        _ => ("", None, ""),
    };
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Respondent { name: text(name), credit_code: code, address: text(address), ..Respondent::default() }
}

// ───────────────────────────── steps ─────────────────────────────

/// A ticket to act on: one that exists (by position, whatever ids exist when it runs) or one
/// that does not (0, or past the last one — which a registration earlier in the same burst may
/// have created).
#[derive(Clone, Debug)]
enum Pick {
    Existing(u16),
    Beyond(u8),
    /// Resolved already (the later commands of a progress step).
    Exactly(TicketId),
}

#[derive(Clone, Debug)]
struct Reg {
    channel: usize,
    serial: u8,
    /// Spaces around the channel ticket id, as some exports have them.
    padded: bool,
    kind: Option<Kind>,
    person: usize,
    address: usize,
    respondent: usize,
    town: usize,
    title: usize,
    /// How long before now it reached the channel.
    age_minutes: u32,
    defect: Defect,
}

#[derive(Clone, Debug)]
enum Defect {
    None,
    NoReceivedAt,
    BlankChannelTicketId,
}

#[derive(Clone, Debug)]
enum Act {
    Plain(TicketAction),
    MergeInto(Pick),
}

#[derive(Clone, Debug)]
enum Step {
    Register(Reg),
    /// A historical ticket migrated as it stood in the legacy system.
    Backfill(Reg, Status),
    Act(Pick, Act),
    /// The natural next actions for the ticket's state, one command each, each chosen among the
    /// alternatives: a ticket goes a good way through its lifecycle in one step.
    Progress(Pick, Vec<u8>),
    /// Several commands in one `execute_all` (group commit).
    Burst(Vec<Step>),
    /// Time passes: the engine is closed and opened again with a later clock.
    Advance(u32),
    /// The deadline scheduler raises the alarms whose time has come.
    FireAlarms,
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![9 => any::<u16>().prop_map(Pick::Existing), 1 => (0u8..4).prop_map(Pick::Beyond)]
}

fn reg() -> impl Strategy<Value = Reg> {
    let kind = prop_oneof![1 => Just(None), 3 => select(Kind::ALL.to_vec()).prop_map(Some)];
    let defect = prop_oneof![
        18 => Just(Defect::None),
        1 => Just(Defect::NoReceivedAt),
        1 => Just(Defect::BlankChannelTicketId),
    ];
    (
        (0..CHANNELS.len(), 0u8..6, prop::bool::weighted(0.15), kind),
        (0..PEOPLE.len(), 0..ADDRESSES.len(), 0usize..5, 0..TOWNS.len(), 0..TITLES.len()),
        (0u32..4_000, defect),
    )
        .prop_map(
            |((channel, serial, padded, kind), (person, address, respondent, town, title), (age, defect))| {
                Reg {
                    channel,
                    serial,
                    padded,
                    kind,
                    person,
                    address,
                    respondent,
                    town,
                    title,
                    age_minutes: age,
                    defect,
                }
            },
        )
}

/// Free text: mostly something a clerk would write, sometimes blank.
fn text(valid: &'static [&'static str]) -> impl Strategy<Value = String> + Clone {
    prop_oneof![6 => select(valid).prop_map(str::to_string), 1 => Just(String::new()), 1 => Just("  ".to_string())]
}

fn opt_text(valid: &'static [&'static str]) -> impl Strategy<Value = Option<String>> + Clone {
    prop::option::of(text(valid))
}

const NOTES: &[&str] =
    &["已电话联系消费者，约定周三上门检测", "消费者要求全额退款", "商家称已于昨日退款", "附检测报告"];
const REASONS: &[&str] = &["消费者申请检测鉴定", "待商家提供进货凭证", "消费者撤诉", "补充材料"];
const RESULTS: &[&str] = &["经调解，商家同意退货退款", "责令商家下架过期商品", "已向消费者解释相关规定"];

fn amount() -> impl Strategy<Value = Option<Fen>> + Clone {
    prop::option::of((0i64..2_000_000).prop_map(Fen))
}

fn reason_from(table: &'static [(&'static str, &'static str)]) -> impl Strategy<Value = String> + Clone {
    let mut texts: Vec<String> =
        table.iter().flat_map(|(code, zh)| [code.to_string(), zh.to_string()]).collect();
    texts.extend(["乱填的理由".to_string(), String::new()]);
    select(texts)
}

fn act(units: Vec<String>, clocks: Vec<String>) -> impl Strategy<Value = Act> {
    use TicketAction as A;
    let unit = select(units);
    let kind = select(Kind::ALL.to_vec());
    let satisfaction =
        select(vec![Satisfaction::Satisfied, Satisfaction::Unsatisfied, Satisfaction::Unreachable]);
    let owner = prop::option::of(select(vec!["lin", "chen.xm", "梁科长", "  "]).prop_map(str::to_string));
    let plain: Vec<BoxedStrategy<TicketAction>> = vec![
        (
            kind.clone(),
            opt_text(&["家用电器", "预付式消费", "食品安全"]),
            opt_text(&["质量", "合同", "广告违法"]),
        )
            .prop_map(|(kind, category, dispute_type)| A::Triage { kind, category, dispute_type })
            .boxed(),
        unit.clone().prop_map(|unit| A::Dispatch { unit }).boxed(),
        Just(A::Sign).boxed(),
        text(NOTES).prop_map(|note| A::Contact { note }).boxed(),
        Just(A::Accept).boxed(),
        (reason_from(REFUSAL_REASONS), opt_text(NOTES))
            .prop_map(|(reason, note)| A::Refuse { reason, note })
            .boxed(),
        Just(A::Mediate).boxed(),
        (text(RESULTS), amount())
            .prop_map(|(agreement, amount_recovered)| A::Settle { agreement, amount_recovered })
            .boxed(),
        text(REASONS).prop_map(|reason| A::EndMediation { reason }).boxed(),
        text(NOTES).prop_map(|findings| A::Verify { findings }).boxed(),
        (any::<bool>(), text(NOTES)).prop_map(|(filed, note)| A::DecideFiling { filed, note }).boxed(),
        text(NOTES).prop_map(|note| A::TellReporter { note }).boxed(),
        text(RESULTS).prop_map(|text| A::Answer { text }).boxed(),
        (text(RESULTS), amount())
            .prop_map(|(result, amount_recovered)| A::Resolve { result, amount_recovered })
            .boxed(),
        opt_text(NOTES).prop_map(|note| A::WriteBack { note }).boxed(),
        (satisfaction, opt_text(NOTES))
            .prop_map(|(satisfaction, note)| A::FollowUp { satisfaction, note })
            .boxed(),
        Just(A::Close).boxed(),
        text(REASONS).prop_map(|reason| A::Reopen { reason }).boxed(),
        (reason_from(RETURN_REASONS), opt_text(NOTES))
            .prop_map(|(reason, note)| A::Return { reason, note })
            .boxed(),
        text(REASONS).prop_map(|reason| A::Recall { reason }).boxed(),
        (unit, text(REASONS)).prop_map(|(unit, reason)| A::Redispatch { unit, reason }).boxed(),
        (kind, opt_text(NOTES)).prop_map(|(kind, note)| A::Split { kind, note }).boxed(),
        text(REASONS).prop_map(|reason| A::Suspend { reason }).boxed(),
        Just(A::Resume).boxed(),
        (select(clocks), 0u32..12, text(REASONS), text(&["何科长", "区局分管领导"]))
            .prop_map(|(clock, working_days, reason, approver)| A::Extend {
                clock,
                working_days,
                reason,
                approver,
            })
            .boxed(),
        (reason_from(RETURN_REASONS), opt_text(NOTES))
            .prop_map(|(reason, note)| A::ReturnToChannel { reason, note })
            .boxed(),
        owner.prop_map(|owner| A::Assign { owner }).boxed(),
        text(NOTES).prop_map(|text| A::Note { text }).boxed(),
        (
            text(&["检测报告.pdf", "购物小票.jpg"]),
            text(&["file://share/2026/03/a1.pdf", "12345://att/88812"]),
        )
            .prop_map(|(name, uri)| A::Attach { name, uri })
            .boxed(),
        opt_text(NOTES).prop_map(|note| A::Remind { note }).boxed(),
    ];
    prop_oneof![29 => Union::new(plain).prop_map(Act::Plain), 1 => pick().prop_map(Act::MergeInto)]
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let config = config();
    // Units as clerks type them: ids (`daliang`), names, aliases; and some that are not units.
    let mut units: Vec<String> = Vec::new();
    for u in config.org.units().step_by(7) {
        units.push(u.id.clone());
        units.push(u.name.clone());
        units.extend(u.aliases.first().cloned());
    }
    units.extend(["daliang", "xbk", "消保科", "火星分局", "", "daliang-99"].map(str::to_string));
    let mut clocks: Vec<String> = config.sla.rules.keys().cloned().collect();
    clocks.push("no_such_clock".into());
    let single = prop_oneof![
        3 => reg().prop_map(Step::Register),
        1 => (reg(), select(vec![Status::Registered, Status::Triaged, Status::Dispatched, Status::Resolved, Status::Closed]))
            .prop_map(|(r, s)| Step::Backfill(r, s)),
        4 => (pick(), act(units, clocks)).prop_map(|(p, a)| Step::Act(p, a)),
        1 => Just(Step::FireAlarms),
        6 => (pick(), prop::collection::vec(any::<u8>(), 1..8)).prop_map(|(p, c)| Step::Progress(p, c)),
    ];
    let step = prop_oneof![
        14 => single.clone(),
        2 => prop::collection::vec(single, 2..8).prop_map(Step::Burst),
        1 => (1u32..3_000).prop_map(Step::Advance),
    ];
    prop::collection::vec(step, 1..60)
}

// ───────────────────────────── running ─────────────────────────────

struct World {
    dir: tempfile::TempDir,
    now: Timestamp,
    engine: Option<Engine>,
    /// What happened so far, for a failure message.
    log: Vec<String>,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let now = Timestamp::parse("2026-03-02T09:00:00+08:00").unwrap();
        let engine = Engine::open(dir.path(), config(), Clock::Fixed(now)).unwrap();
        World { dir, now, engine: Some(engine), log: Vec::new() }
    }

    fn engine(&mut self) -> &mut Engine {
        self.engine.as_mut().expect("the engine is open between steps")
    }

    fn store(&self) -> &Store {
        self.engine.as_ref().expect("the engine is open between steps").store()
    }

    fn reopen(&mut self) {
        // sled holds a lock on the directory: closing returns once it can be opened again.
        if let Some(engine) = self.engine.take() {
            engine.close().expect("the engine closes: no other handle on its store");
        }
        self.engine = Some(Engine::open(self.dir.path(), config(), Clock::Fixed(self.now)).unwrap());
    }

    fn resolve(&self, pick: &Pick) -> TicketId {
        let last = self.store().last_ticket_id().unwrap();
        match pick {
            Pick::Existing(i) if last > 0 => TicketId(1 + u64::from(*i) % last),
            Pick::Existing(_) => TicketId(1),
            Pick::Beyond(0) => TicketId(0),
            Pick::Beyond(n) => TicketId(last + u64::from(*n)),
            Pick::Exactly(id) => *id,
        }
    }

    fn new_ticket(&self, r: &Reg) -> NewTicket {
        let (channel, prefix) = CHANNELS[r.channel];
        let mut ext = format!("{prefix}{:04}", 17 + u32::from(r.serial) * 131);
        if r.padded {
            ext = format!(" {ext}\t");
        }
        let (name, phone) = PEOPLE[r.person];
        let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let mut received_at = Some(self.now.plus_seconds(-60 * i64::from(r.age_minutes)));
        match r.defect {
            Defect::None => {}
            Defect::NoReceivedAt => received_at = None,
            Defect::BlankChannelTicketId => ext = "  ".into(),
        }
        NewTicket {
            kind: r.kind,
            intake: Intake {
                channel: channel.to_string(),
                channel_ticket_id: ext,
                business_district: None,
                order_no: (channel == "12345").then(|| format!("GD{}", 20260302000 + u64::from(r.serial))),
                received_at,
                caller_number: matches!(r.person, 0 | 2 | 4).then(|| phone.to_string()),
                region_code: Some("440606".into()),
                town: text(TOWNS[r.town]),
            },
            complainant: Complainant {
                name: text(name),
                phone: text(phone),
                address: text(ADDRESSES[r.address]),
                id_verified: matches!(r.person, 0 | 3),
                proxy: false,
            },
            respondent: respondent(r.respondent),
            dispute: Dispute {
                title: TITLES[r.title].to_string(),
                request: (r.title % 3 != 2).then(|| "退货退款并赔偿".to_string()),
                facts: (r.title % 4 != 3).then(|| format!("{}，多次与商家协商未果。", TITLES[r.title])),
                amount: Some(Fen(129_900 + 100 * i64::from(r.serial))),
                category: text(CATEGORIES[r.title % CATEGORIES.len()]),
                dispute_type: text(DISPUTE_TYPES[r.respondent % DISPUTE_TYPES.len()]),
                ..Dispute::default()
            },
            attachments: Vec::new(),
        }
    }

    /// A ticket as a legacy system exported it. Its channel ticket id is given clean: the engine
    /// does not trim a backfilled one (see the report on `Command::Backfill`).
    fn snapshot(&self, r: &Reg, status: Status) -> Ticket {
        let clean = Reg { padded: false, defect: Defect::None, ..r.clone() };
        let new = self.new_ticket(&clean);
        let at = new.intake.received_at.unwrap_or(self.now);
        let handled = !matches!(status, Status::Registered | Status::Triaged);
        Ticket {
            id: TicketId(0),
            kind: new.kind.unwrap_or(Kind::Complaint),
            status,
            intake: new.intake,
            complainant: new.complainant,
            respondent: new.respondent,
            dispute: new.dispute,
            workflow: Workflow {
                unit: handled.then(|| "daliang".to_string()),
                dispatched_at: handled.then_some(at),
                result: (status >= Status::Resolved).then(|| "旧系统已办结".to_string()),
                ..Workflow::default()
            },
            clocks: Vec::new(),
            notes: Vec::new(),
            attachments: new.attachments,
            flags: Default::default(),
            // Legacy numbering; replaced by the store's own seqs.
            events: vec![7, 8, 9],
            created_at: at,
            updated_at: at,
        }
    }

    /// The command of one step, resolved against the store as it is now.
    fn command(&self, step: &Step) -> Command {
        match step {
            Step::Register(r) => Command::Register(Box::new(self.new_ticket(r))),
            Step::Backfill(r, status) => Command::Backfill(Box::new(self.snapshot(r, *status))),
            Step::Act(p, Act::Plain(action)) => {
                Command::Act { ticket: self.resolve(p), action: action.clone() }
            }
            Step::Act(p, Act::MergeInto(into)) => Command::Act {
                ticket: self.resolve(p),
                action: TicketAction::Merge { into: self.resolve(into) },
            },
            Step::Progress(p, choices) => {
                let id = self.resolve(p);
                // In a burst only the first choice counts: the state the others would follow
                // from is not known before the burst runs.
                let choice = choices.first().copied().unwrap_or_default();
                let action = match self.store().ticket(id).unwrap() {
                    Some(t) => natural_next(&t, choice),
                    None => TicketAction::Sign,
                };
                Command::Act { ticket: id, action }
            }
            Step::FireAlarms => Command::FireAlarms,
            Step::Burst(_) | Step::Advance(_) => unreachable!("not a single command"),
        }
    }

    fn run(&mut self, step: &Step) {
        match step {
            Step::Advance(minutes) => {
                self.now = self.now.plus_seconds(60 * i64::from(*minutes));
                self.log.push(format!("advance to {}", self.now));
                self.reopen();
            }
            Step::Progress(p, choices) if choices.len() > 1 => {
                let id = self.resolve(p);
                for choice in choices {
                    self.run(&Step::Progress(Pick::Exactly(id), vec![*choice]));
                }
                return;
            }
            Step::Burst(steps) => {
                let commands: Vec<Command> = steps.iter().map(|s| self.command(s)).collect();
                self.execute(commands);
            }
            single => {
                let command = self.command(single);
                self.execute(vec![command]);
            }
        }
        check_consistent(self.store(), &self.log);
    }

    /// Runs a burst and checks what it did against what it said it did.
    fn execute(&mut self, commands: Vec<Command>) {
        let store = self.store().clone();
        let seq0 = store.last_seq().unwrap();
        let id0 = store.last_ticket_id().unwrap();
        let owners_before: Vec<Option<TicketId>> = commands.iter().map(|c| owner_of(&store, c)).collect();
        let before: HashMap<TicketId, Option<Ticket>> =
            commands.iter().flat_map(targets).map(|id| (id, store.ticket(id).unwrap())).collect();
        let envelopes: Vec<Envelope> =
            commands.iter().map(|c| Envelope { actor: "clerk:lin".into(), command: c.clone() }).collect();
        let results = self.engine().execute_all(envelopes);
        assert_eq!(results.len(), commands.len(), "one result per command");
        if let [Command::FireAlarms] = commands.as_slice() {
            let left = store.alarms_until(self.now, 1).unwrap();
            assert_eq!(
                left,
                [],
                "no alarm whose time has come is left after firing\n{}",
                self.log.join("\n")
            );
            let again =
                self.engine().execute(Envelope { actor: "scheduler".into(), command: Command::FireAlarms });
            assert_eq!(
                again.unwrap(),
                Outcome::Applied(vec![]),
                "firing again at the same instant adds nothing"
            );
        }

        let changes: Vec<&Change> = results
            .iter()
            .filter_map(|r| match r {
                Ok(Outcome::Applied(c)) => Some(c),
                _ => None,
            })
            .flatten()
            .collect();
        let seqs: Vec<u64> = changes.iter().map(|c| c.seq).collect();
        let want: Vec<u64> = (seq0 + 1..=seq0 + changes.len() as u64).collect();
        assert_eq!(seqs, want, "the applied commands' events take the next seqs, in order");
        assert_eq!(store.last_seq().unwrap(), seq0 + changes.len() as u64, "no event beyond those reported");
        let touched: HashSet<TicketId> = changes.iter().map(|c| c.ticket).collect();
        let created = store.last_ticket_id().unwrap() - id0;
        let creations = changes.iter().filter(|c| c.before.is_none()).count() as u64;
        assert_eq!(created, creations, "one new ticket per creation event");

        for ((command, result), owner_before) in commands.iter().zip(&results).zip(owners_before) {
            let what = describe(command);
            match result {
                Err(e) => {
                    // In a burst another command may register the same channel id.
                    if commands.len() == 1 {
                        assert_eq!(
                            owner_of(&store, command),
                            owner_before,
                            "{what} was refused but changed hands"
                        );
                    }
                    assert!(
                        matches!(
                            e,
                            EngineError::Rule(_)
                                | EngineError::NoTicket(_)
                                | EngineError::BadMergeTarget { .. }
                        ),
                        "{what}: the store failed: {e}\n{}",
                        self.log.join("\n")
                    );
                    for id in targets(command).filter(|id| !touched.contains(id)) {
                        assert_eq!(
                            store.ticket(id).unwrap(),
                            before[&id],
                            "{what} was refused ({e}) but ticket #{id} changed"
                        );
                    }
                    self.log.push(format!("{what} → refused: {e}"));
                }
                Ok(Outcome::Duplicate(id)) => {
                    let intake = match command {
                        Command::Register(new) => &new.intake,
                        Command::Backfill(t) => &t.intake,
                        _ => panic!("{what}: a duplicate outcome for an action"),
                    };
                    let ext = intake.channel_ticket_id.trim();
                    assert_eq!(owner_of(&store, command), Some(*id), "{what}");
                    let t = store.ticket(*id).unwrap().expect("a duplicate names an existing ticket");
                    assert_eq!(
                        (t.intake.channel.as_str(), t.intake.channel_ticket_id.as_str()),
                        (intake.channel.as_str(), ext)
                    );
                    self.log.push(format!("{what} → duplicate of #{id}"));
                }
                Ok(Outcome::Ingested(_) | Outcome::Updated(_)) => {
                    unreachable!("{what}: the generator sends no sync commands")
                }
                Ok(Outcome::Applied(changes)) => {
                    check_applied(&store, command, changes, &what);
                    let events: Vec<String> =
                        changes.iter().map(|c| format!("#{} {}", c.ticket, c.event)).collect();
                    self.log.push(format!("{what} → {}", events.join(" + ")));
                }
            }
        }
    }
}

/// The ticket owning the channel ticket id a registration or backfill names.
fn owner_of(store: &Store, command: &Command) -> Option<TicketId> {
    let intake = match command {
        Command::Register(new) => &new.intake,
        Command::Backfill(t) => &t.intake,
        _ => return None,
    };
    store.external(&intake.channel, intake.channel_ticket_id.trim()).unwrap()
}

/// The tickets a command may change.
fn targets(command: &Command) -> impl Iterator<Item = TicketId> {
    let ids = match command {
        Command::Act { ticket, action: TicketAction::Merge { into } } => vec![*ticket, *into],
        Command::Act { ticket, .. } => vec![*ticket],
        _ => vec![],
    };
    ids.into_iter()
}

fn describe(command: &Command) -> String {
    match command {
        Command::Register(n) => format!("register {}:{:?}", n.intake.channel, n.intake.channel_ticket_id),
        Command::Act { ticket, action } => format!("#{ticket} {action:?}"),
        Command::Backfill(t) => format!("backfill {}:{}", t.intake.channel, t.intake.channel_ticket_id),
        other => format!("{other:?}"),
    }
}

/// The events an applied command reports are in the log, on the right tickets.
fn check_applied(store: &Store, command: &Command, changes: &[Change], what: &str) {
    let events: Vec<Event> =
        changes.iter().map(|c| store.event(c.seq).unwrap().expect("a reported event is stored")).collect();
    for (c, e) in changes.iter().zip(&events) {
        assert_eq!((c.ticket, c.event.as_str(), c.after), (e.ticket, e.body.name(), e.after), "{what}");
    }
    let names: Vec<&str> = changes.iter().map(|c| c.event.as_str()).collect();
    match command {
        Command::Register(new) => {
            assert_eq!(names, ["registered"], "{what}");
            let id = changes[0].ticket;
            // A walk-in, letter or call given without a number is numbered by the engine.
            let ext = match new.intake.channel_ticket_id.trim() {
                "" => {
                    store.ticket(id).unwrap().expect("a registered ticket is stored").intake.channel_ticket_id
                }
                given => given.to_string(),
            };
            assert_eq!(
                store.external(&new.intake.channel, &ext).unwrap(),
                Some(id),
                "{what}: the new ticket owns its id"
            );
        }
        Command::Act { ticket, action } => {
            assert_eq!(changes[0].ticket, *ticket, "{what}");
            let expected: Vec<&str> = match action {
                TicketAction::Split { .. } => vec!["split", "split_out"],
                TicketAction::Merge { .. } => vec!["merged", "absorbed_duplicate"],
                other => vec![event_of(other)],
            };
            assert_eq!(names, expected, "{what}");
            if let TicketAction::Merge { into } = action {
                assert_eq!(changes[1].ticket, *into, "{what}");
            }
        }
        Command::FireAlarms => {
            for (c, e) in changes.iter().zip(&events) {
                assert!(["due_soon", "overdue"].contains(&c.event.as_str()), "{what}: {}", c.event);
                assert_eq!(e.before, Some(e.after), "{what}: an alarm changes no status");
                assert_eq!(e.clocks, None, "{what}: an alarm changes no clock");
            }
        }
        Command::Backfill(_) => {
            assert_eq!(names, ["backfilled"], "{what}");
            assert_eq!(
                owner_of(store, command),
                Some(changes[0].ticket),
                "{what}: the new ticket owns its id"
            );
        }
        other => unreachable!("{what}: the generator sends no {other:?}"),
    }
}

fn event_of(action: &TicketAction) -> &'static str {
    use TicketAction as A;
    match action {
        A::Triage { .. } => "triaged",
        A::Dispatch { .. } => "dispatched",
        A::Sign => "signed",
        A::Contact { .. } => "contacted",
        A::Accept => "accepted",
        A::Refuse { .. } => "refused",
        A::Mediate => "mediation_started",
        A::Settle { .. } => "settled",
        A::EndMediation { .. } => "mediation_ended",
        A::Verify { .. } => "verified",
        A::DecideFiling { .. } => "filing_decided",
        A::TellReporter { .. } => "reporter_told",
        A::Answer { .. } => "answered",
        A::Resolve { .. } => "resolved",
        A::WriteBack { .. } => "written_back",
        A::FollowUp { .. } => "followed_up",
        A::Close => "closed",
        A::Reopen { .. } => "reopened",
        A::Return { .. } => "returned",
        A::Recall { .. } => "recalled",
        A::Redispatch { .. } => "redispatched",
        A::Split { .. } => "split",
        A::Merge { .. } => "merged",
        A::Suspend { .. } => "suspended",
        A::Resume => "resumed",
        A::Extend { .. } => "extended",
        A::ReturnToChannel { .. } => "returned_to_channel",
        A::Assign { .. } => "assigned",
        A::Note { .. } => "note",
        A::Attach { .. } => "attached",
        A::Remind { .. } => "reminded",
        A::Reveal => "revealed",
        A::DispatchWithoutSms { .. } => "dispatched",
    }
}

/// What a clerk or a unit would most likely do next with a ticket in this state, so that random
/// runs get deep into the lifecycle.
fn natural_next(t: &Ticket, choice: u8) -> TicketAction {
    use Status as S;
    use TicketAction as A;
    let s = |text: &str| text.to_string();
    let unit = ["daliang", "xbk", "ronggui", "spk"][usize::from(choice) % 4];
    let other_kind = if t.kind == Kind::Complaint { Kind::Report } else { Kind::Complaint };
    let options: Vec<TicketAction> = match t.status {
        S::Registered => vec![
            A::Triage { kind: t.kind, category: Some(s("家用电器")), dispute_type: Some(s("质量")) },
            A::Triage { kind: Kind::ALL[usize::from(choice / 16) % 4], category: None, dispute_type: None },
            A::Triage { kind: t.kind, category: Some(s("预付式消费")), dispute_type: Some(s("合同")) },
            A::Triage { kind: Kind::ALL[usize::from(choice / 16) % 4], category: None, dispute_type: None },
            A::Triage { kind: t.kind, category: Some(s("食品安全")), dispute_type: None },
            A::Triage { kind: t.kind, category: None, dispute_type: None },
            A::Split { kind: other_kind, note: Some(s("材料中另有举报线索")) },
            A::ReturnToChannel { reason: s("not_our_duty"), note: None },
        ],
        S::Triaged | S::Reopened => vec![A::Dispatch { unit: s(unit) }, A::Dispatch { unit: s("大良分局") }],
        S::Dispatched => vec![
            A::Sign,
            A::Sign,
            A::Sign,
            A::Return { reason: s("不属本职"), note: None },
            A::Redispatch { unit: s("lunjiao"), reason: s("属地调整") },
            A::Remind { note: None },
        ],
        S::Signed => vec![A::Contact { note: s("已电话联系消费者") }, A::Recall { reason: s("派错单位") }],
        S::Contacted => match t.kind {
            Kind::Complaint => {
                vec![A::Accept, A::Accept, A::Refuse { reason: s("outside_duties"), note: None }]
            }
            Kind::Report => vec![A::Verify { findings: s("现场检查发现过期食品") }],
            Kind::Enquiry | Kind::Suggestion => vec![A::Answer { text: s("已电话答复") }],
        },
        S::Accepted => vec![
            A::Mediate,
            A::Settle { agreement: s("商家退款1299元"), amount_recovered: Some(Fen(129_900)) },
            A::Suspend { reason: s("等待检测结果") },
        ],
        S::Mediating => vec![
            A::Settle { agreement: s("商家同意换货"), amount_recovered: None },
            A::EndMediation { reason: s("双方分歧较大") },
        ],
        S::Verified => vec![
            A::DecideFiling { filed: true, note: s("涉嫌销售过期食品，立案调查") },
            A::DecideFiling { filed: false, note: s("证据不足") },
        ],
        S::CaseFiled | S::NotFiled => {
            vec![
                A::TellReporter { note: s("短信告知举报人") },
                A::Resolve { result: s("已处理"), amount_recovered: None },
            ]
        }
        S::Settled | S::MediationEnded | S::Refused | S::ReporterTold | S::Answered => {
            vec![A::Resolve { result: s("办结"), amount_recovered: None }]
        }
        S::Resolved => vec![A::WriteBack { note: None }],
        S::WrittenBack => vec![
            A::FollowUp { satisfaction: Satisfaction::Satisfied, note: None },
            A::FollowUp {
                satisfaction: Satisfaction::Unsatisfied, note: Some(s("消费者对结果不满意"))
            },
            A::FollowUp { satisfaction: Satisfaction::Unreachable, note: None },
            A::Close,
        ],
        S::FollowedUp => vec![A::Close, A::Close, A::Reopen { reason: s("消费者再次来电") }],
        S::Closed => vec![A::Reopen { reason: s("消费者再次投诉") }, A::Note { text: s("归档后补充说明") }],
        S::Suspended => vec![A::Resume],
        S::ReturnedToChannel | S::Merged => vec![A::Note { text: s("备注") }],
    };
    options[usize::from(choice) % options.len()].clone()
}

// ───────────────────────────── checks ─────────────────────────────

fn check_consistent(store: &Store, log: &[String]) {
    let history = || log.join("\n");
    let report = check::verify_with(store, &config()).unwrap();
    assert!(report.is_ok(), "{report}\nafter:\n{}", history());

    let mut status_count: BTreeMap<TicketId, Vec<Status>> = BTreeMap::new();
    for status in Status::ALL {
        for id in store.ids_with_status(status) {
            status_count.entry(id.unwrap()).or_default().push(status);
        }
    }
    let ids: Vec<TicketId> = store.all_ids().map(Result::unwrap).collect();
    for id in &ids {
        let statuses = status_count.remove(id).unwrap_or_default();
        let t = store.ticket(*id).unwrap().unwrap();
        assert_eq!(statuses, [t.status], "ticket #{id} must be in exactly its status index\n{}", history());
    }
    assert!(status_count.is_empty(), "status entries for no ticket: {status_count:?}");

    let mut replayed: BTreeMap<TicketId, Ticket> = BTreeMap::new();
    for event in store.events_after(0) {
        let event = event.unwrap();
        let before = replayed.remove(&event.ticket);
        let after = rightsdesk::domain::event::apply(before, &event).expect("every event applies");
        replayed.insert(event.ticket, after);
    }
    let stored: BTreeMap<TicketId, Ticket> = all_tickets(store).into_iter().map(|t| (t.id, t)).collect();
    assert_eq!(replayed, stored, "replaying the log gives the projections\n{}", history());
}

/// Every ticket, in id order, as `Store::ticket` reads it (stubs resolved).
fn all_tickets(store: &Store) -> Vec<Ticket> {
    store
        .all_ids()
        .map(|id| store.ticket(id.unwrap()).unwrap().expect("every listed id has a ticket"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        // PROPTEST_CASES runs a deeper search by hand; the default keeps the suite quick.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48),
        // A failing case's seed is kept, committed, and replayed first on every run after.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/proptest-regressions/engine_props.txt",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_commands_keep_the_store_consistent(steps in steps()) {
        let mut world = World::new();
        for step in &steps {
            world.run(step);
        }
        // What was acknowledged survives closing and opening the store.
        let before: Vec<Ticket> = all_tickets(world.store());
        world.reopen();
        let after: Vec<Ticket> = all_tickets(world.store());
        prop_assert_eq!(before, after);
        check_consistent(world.store(), &world.log);
    }
}
