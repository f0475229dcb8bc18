//! The ticket generator: the same seed gives the same data, every generated ticket registers, and
//! the data looks like a district's (valid credit codes, known towns, repeat complainants, the
//! kinds in their usual shares). Historical tickets are consistent with the lifecycle rules.

use rightsdesk::config::{self, Config};
use rightsdesk::domain::credit_code::{self, CreditCodeCheck};
use rightsdesk::domain::lifecycle::{self, Rules};
use rightsdesk::domain::status::Status;
use rightsdesk::domain::ticket::{Kind, NewTicket, Satisfaction, Ticket};
use rightsdesk::engine::{Command, Engine, Envelope, ListFilter, Outcome};
use rightsdesk::generate::Generator;
use rightsdesk::time::{Clock, Timestamp};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| config::load(None).expect("built-in configuration loads"))
}

fn rules() -> Rules<'static> {
    let c = config();
    Rules { sla: &c.sla, channels: &c.channels, org: &c.org }
}

fn generator(seed: u64) -> Generator {
    Generator::new(seed, &config().org, &config().channels)
}

fn now() -> Timestamp {
    Timestamp::parse("2026-11-28T10:00:00+08:00").unwrap()
}

/// `n` new tickets from the channel mix, received a few minutes apart over the last days.
fn mixed(g: &mut Generator, n: usize) -> Vec<NewTicket> {
    (0..n)
        .map(|i| {
            let channel = g.channel_mix().to_string();
            g.new_ticket(&channel, now().plus_seconds(-(i as i64) * 300))
        })
        .collect()
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

#[test]
fn the_same_seed_gives_the_same_tickets() {
    let (mut a, mut b) = (generator(42), generator(42));
    assert_eq!(mixed(&mut a, 300), mixed(&mut b, 300));
    let r = Timestamp::parse("2025-06-03T09:40:00+08:00").unwrap();
    for open in [false, true] {
        let x: Vec<Ticket> = (0..50).map(|_| a.historical_ticket("12345", r, open, &config().sla)).collect();
        let y: Vec<Ticket> = (0..50).map(|_| b.historical_ticket("12345", r, open, &config().sla)).collect();
        assert_eq!(x, y);
    }
    assert_eq!(a.repeat_phones(), b.repeat_phones());
    assert_ne!(mixed(&mut generator(1), 20), mixed(&mut generator(2), 20), "another seed, other data");
}

#[test]
fn every_generated_ticket_registers_on_every_channel() {
    let mut g = generator(7);
    for channel in config().channels.ids() {
        let mut ids = HashSet::new();
        for i in 0..150 {
            let t = g.new_ticket(channel, now().plus_seconds(-i * 3600));
            assert_eq!(t.intake.channel, channel);
            assert!(ids.insert(t.intake.channel_ticket_id.clone()), "{channel}: id repeated");
            assert!(chars(&t.dispute.title) <= 200);
            if let Err(e) = lifecycle::register(t.clone(), rules(), now()) {
                panic!("{channel}: {e}\n{t:#?}");
            }
        }
    }
}

#[test]
fn each_channel_has_its_own_recognisable_id_shape() {
    let mut g = generator(3);
    let id = |g: &mut Generator, ch: &str| g.new_ticket(ch, now()).intake.channel_ticket_id;
    assert_eq!(id(&mut g, "12345"), "SD2026112800001");
    assert_eq!(id(&mut g, "12345"), "SD2026112800002");
    assert_eq!(id(&mut g, "12315"), "1440606202611280001");
    assert!(id(&mut g, "wechat").starts_with("WX20261128"));
    assert!(id(&mut g, "station").starts_with("ZD-"));
    assert!(id(&mut g, "12315-odr").starts_with("ODR20261128"));
}

#[test]
fn titles_and_facts_read_like_clerks_write_them() {
    let mut g = generator(11);
    for t in mixed(&mut g, 2000) {
        let title = &t.dispute.title;
        assert!((10..=30).contains(&chars(title)), "title of {} chars: {title}", chars(title));
        if let Some(facts) = &t.dispute.facts {
            assert!((60..=300).contains(&chars(facts)), "facts of {} chars: {facts}", chars(facts));
        }
        if let Some(amount) = t.dispute.amount {
            assert!(amount.0 > 0 && amount.0 < 100_000_000, "{amount}");
        }
        for phone in [&t.complainant.phone, &t.intake.caller_number].into_iter().flatten() {
            let mobile = phone.len() == 11 && ["13", "15", "18"].iter().any(|p| phone.starts_with(p));
            assert!(mobile || phone.starts_with("0757-"), "{phone}");
        }
    }
}

#[test]
fn credit_codes_check_except_a_rare_typo() {
    let mut g = generator(5);
    let tickets = mixed(&mut g, 3000);
    let codes: Vec<&str> = tickets.iter().filter_map(|t| t.respondent.credit_code.as_deref()).collect();
    assert!(codes.len() > 1500, "most tickets name the merchant's code ({})", codes.len());
    let bad = codes.iter().filter(|c| credit_code::check(c) != CreditCodeCheck::Valid).count();
    assert!(bad > 0, "a few typos are kept for triage to see");
    assert!(bad * 100 < codes.len() * 3, "{bad} bad codes of {}", codes.len());
    for c in &codes {
        assert!(c.starts_with("91440606") || c.starts_with("92440606"), "{c}");
        assert!(!matches!(credit_code::check(c), CreditCodeCheck::BadShape), "{c}");
    }
}

#[test]
fn towns_resolve_to_the_organisations_towns() {
    let org = &config().org;
    let mut g = generator(9);
    let tickets = mixed(&mut g, 2000);
    let (mut resolved, mut aliases, mut unknown) = (0, 0, 0);
    for t in &tickets {
        let Some(town) = t.intake.town.as_deref() else { continue };
        match org.resolve_town(town) {
            Some(canonical) => {
                resolved += 1;
                if canonical != town {
                    aliases += 1;
                }
            }
            None => unknown += 1,
        }
    }
    assert!(resolved > 1950, "{resolved} of 2000 resolve");
    assert!(aliases > 100, "towns are often written as 大良街道 or 北滘镇 ({aliases})");
    assert!(unknown > 0 && unknown < 30, "an unknown place is rare ({unknown})");
    let towns: HashSet<&str> =
        tickets.iter().filter_map(|t| t.intake.town.as_deref()).filter_map(|t| org.resolve_town(t)).collect();
    assert_eq!(towns.len(), org.towns().len(), "every town has tickets");
}

#[test]
fn repeat_complainants_come_back_under_the_same_phone() {
    let mut g = generator(13);
    let tickets = mixed(&mut g, 2000);
    let mut per_phone: HashMap<&str, usize> = HashMap::new();
    for t in &tickets {
        if let Some(p) = t.complainant.phone.as_deref() {
            *per_phone.entry(p).or_default() += 1;
        }
    }
    let repeated = per_phone.values().filter(|&&n| n >= 2).count();
    assert!(repeated >= 20, "{repeated} phones seen twice or more");
    assert!(per_phone.values().any(|&n| n >= 3));
    let pool: HashSet<String> = g.repeat_phones().into_iter().collect();
    assert!(per_phone.keys().filter(|p| pool.contains(**p)).count() >= 50);
}

#[test]
fn a_few_merchants_draw_many_complaints() {
    let mut g = generator(17);
    let tickets = mixed(&mut g, 3000);
    let hot: HashSet<String> = g.hot_merchants().into_iter().map(|(name, _)| name).collect();
    let on_hot =
        tickets.iter().filter(|t| t.respondent.name.as_ref().is_some_and(|n| hot.contains(n))).count();
    // 12 merchants of a pool of 2,400 draw about a tenth of the complaints.
    assert!(on_hot > 150, "{on_hot} tickets about the hot merchants");
}

#[test]
fn kinds_come_in_the_usual_shares() {
    let mut g = generator(21);
    let tickets = mixed(&mut g, 2000);
    let mut counts: HashMap<Kind, usize> = HashMap::new();
    let mut without = 0;
    for t in &tickets {
        match t.kind {
            Some(k) => *counts.entry(k).or_default() += 1,
            None => without += 1,
        }
    }
    let share = |k: Kind| *counts.get(&k).unwrap_or(&0) as f64 / (2000 - without) as f64;
    assert!((0.66..0.76).contains(&share(Kind::Complaint)), "complaints {}", share(Kind::Complaint));
    assert!((0.16..0.24).contains(&share(Kind::Report)), "reports {}", share(Kind::Report));
    assert!((0.06..0.10).contains(&share(Kind::Enquiry)), "enquiries {}", share(Kind::Enquiry));
    assert!((0.008..0.035).contains(&share(Kind::Suggestion)), "suggestions {}", share(Kind::Suggestion));
    assert!(without > 0 && without < 60, "a kind is left out now and then ({without})");
}

#[test]
fn the_channel_mix_favours_the_hotlines() {
    let mut g = generator(23);
    let mut counts: HashMap<String, usize> = HashMap::new();
    for _ in 0..5000 {
        *counts.entry(g.channel_mix().to_string()).or_default() += 1;
    }
    let n = |c: &str| counts.get(c).copied().unwrap_or(0);
    assert!(n("12345") > n("8180") && n("12315") > n("8180"));
    assert!(n("8180") > n("walkin") && n("wechat") > n("letter"));
    assert_eq!(counts.len(), config().channels.len(), "every channel appears");
}

#[test]
fn an_echo_is_the_same_matter_through_another_channel() {
    let mut g = generator(29);
    let first = g.new_ticket("12345", now());
    let echo = g.echo_of(&first, "12315", now().plus_seconds(86_400));
    assert_eq!(echo.intake.channel, "12315");
    assert_ne!(echo.intake.channel_ticket_id, first.intake.channel_ticket_id);
    assert_eq!(echo.complainant.phone, first.complainant.phone);
    assert_eq!(echo.respondent, first.respondent);
    assert_ne!(echo.dispute.title, first.dispute.title);
    assert!(chars(&echo.dispute.title) <= 30);
    assert!(echo.dispute.facts.as_ref().is_none_or(|f| chars(f) <= 300));
    lifecycle::register(echo, rules(), now()).expect("an echo registers");
}

/// The states in which the rules keep a clock running for a ticket of this kind: the acceptance
/// and mediation windows of a complaint, the verification (and, for a real-name reporter, the
/// notification) window of a report, the first-contact hour of anything at a unit.
fn timed(t: &Ticket) -> bool {
    use Status as S;
    match t.kind {
        Kind::Complaint => matches!(
            t.status,
            S::Registered
                | S::Triaged
                | S::Dispatched
                | S::Signed
                | S::Contacted
                | S::Accepted
                | S::Mediating
        ),
        Kind::Report => {
            matches!(
                t.status,
                S::Registered | S::Triaged | S::Dispatched | S::Signed | S::Contacted | S::Verified
            ) || (t.is_real_name() && matches!(t.status, S::CaseFiled | S::NotFiled))
        }
        Kind::Enquiry | Kind::Suggestion => matches!(t.status, S::Dispatched | S::Signed),
    }
}

fn check_history(t: &Ticket, open: bool, as_of: Option<Timestamp>) {
    use Status as S;
    let w = &t.workflow;
    let received = t.intake.received_at.expect("received");
    let why = || format!("{} {} {}: {:#?} {:#?}", t.kind, t.intake.channel, t.status, w, t.clocks);
    // Handled again after an unsatisfied follow-up (重办): the first round's result is still on
    // record while the second round runs.
    let rehandled = w.satisfaction == Some(Satisfaction::Unsatisfied);
    if open {
        assert!(t.status.is_open(), "{}", why());
        if timed(t) && !rehandled {
            assert!(t.clocks.iter().any(|c| c.stopped_at.is_none()), "no running clock: {}", why());
        }
    } else {
        assert!(t.status.is_terminal(), "{}", why());
        assert!(
            t.clocks.iter().all(|c| c.stopped_at.is_some()),
            "a clock runs on a finished ticket: {}",
            why()
        );
    }
    // What the status says happened, happened.
    if !matches!(t.status, S::Registered | S::Triaged | S::ReturnedToChannel) {
        assert!(w.unit.is_some(), "{}", why());
    }
    if matches!(t.status, S::Accepted | S::Mediating | S::Settled | S::MediationEnded) {
        assert!(w.accepted_at.is_some(), "{}", why());
    }
    if matches!(t.status, S::Resolved | S::WrittenBack | S::FollowedUp | S::Closed) {
        assert!(w.resolved_at.is_some() && w.result.is_some(), "{}", why());
    }
    if t.status == S::Closed {
        assert!(w.closed_at.is_some() && w.written_back_at.is_some(), "{}", why());
    }
    if t.status == S::Refused {
        assert!(w.refusal.is_some(), "{}", why());
    }
    if matches!(t.status, S::CaseFiled | S::NotFiled | S::ReporterTold) {
        assert!(w.case_filed.is_some(), "{}", why());
    }
    // One thing after another.
    let mut chain = vec![Some(received), w.dispatched_at, w.signed_at];
    if !rehandled {
        chain.extend([w.first_contact_at, w.resolved_at, w.written_back_at, w.closed_at]);
        if let (Some(a), Some(r)) = (w.accepted_at, w.resolved_at) {
            assert!(a <= r, "{}", why());
        }
    }
    let chain: Vec<Timestamp> = chain.into_iter().flatten().collect();
    assert!(chain.windows(2).all(|p| p[0] <= p[1]), "out of order: {}", why());
    for c in &t.clocks {
        assert!(c.started_at >= received, "{}", why());
        assert!(c.stopped_at.is_none_or(|s| s >= c.started_at), "{}", why());
        for p in &c.pauses {
            assert!(p.from >= c.started_at && p.to.is_none_or(|to| to >= p.from), "{}", why());
        }
    }
    assert_eq!(t.created_at, received);
    assert!(t.updated_at >= received);
    if let Some(a) = as_of {
        assert!(t.updated_at <= a, "handled after {a:?}: {}", why());
    }
}

#[test]
fn historical_tickets_are_consistent_with_the_rules() {
    let mut g = generator(31);
    let sla = &config().sla;
    let mut statuses: HashMap<Status, usize> = HashMap::new();
    for i in 0..1500 {
        let channel = g.channel_mix().to_string();
        let open = i % 3 == 0;
        let received = Timestamp::parse("2024-03-01T00:00:00+08:00").unwrap().plus_seconds(i * 37_000);
        let t = g.historical_ticket(&channel, received, open, sla);
        check_history(&t, open, None);
        *statuses.entry(t.status).or_default() += 1;
    }
    assert!(statuses[&Status::Closed] > 900);
    for s in [Status::Registered, Status::Dispatched, Status::Contacted, Status::Mediating, Status::Resolved]
    {
        assert!(statuses.get(&s).copied().unwrap_or(0) > 0, "no open ticket stands {s}");
    }
}

#[test]
fn tickets_as_of_a_day_have_nothing_after_it() {
    let mut g = generator(37);
    let sla = &config().sla;
    let mut running = 0;
    for i in 0..600 {
        let channel = g.channel_mix().to_string();
        let open = i % 2 == 0;
        // Up to three months back: recent ones are compressed (closed) or still early (open).
        let days = if open { 14 } else { 90 };
        let received =
            g.received_between(&channel, now().plus_seconds(-days * 86_400), now().plus_seconds(-3600));
        let t = g.historical_ticket_as_of(&channel, received, open, sla, now());
        check_history(&t, open, Some(now()));
        if open && t.clocks.iter().any(|c| c.stopped_at.is_none()) {
            running += 1;
        }
    }
    // Received in the last fortnight, most are still within a deadline.
    assert!(running > 150, "most open tickets have a running clock ({running} of 300)");
}

#[test]
fn historical_tickets_backfill_and_the_open_ones_queue_by_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(config::load(None).unwrap());
    let mut engine = Engine::open(dir.path(), config.clone(), Clock::Fixed(now())).unwrap();
    let mut g = Generator::new(41, &config.org, &config.channels);
    let mut envelopes = Vec::new();
    let mut open = 0;
    for i in 0..400 {
        let channel = g.channel_mix().to_string();
        let is_open = i % 10 == 0;
        open += usize::from(is_open);
        let received =
            g.received_between(&channel, now().plus_seconds(-400 * 86_400), now().plus_seconds(-86_400));
        let t = g.historical_ticket_as_of(&channel, received, is_open, &config.sla, now());
        envelopes.push(Envelope { actor: "import".into(), command: Command::Backfill(Box::new(t)) });
    }
    let results = engine.execute_all(envelopes);
    assert!(results.iter().all(|r| matches!(r, Ok(Outcome::Applied(_)))), "all backfilled");
    let queue = engine.reader().list(&ListFilter::default()).unwrap();
    assert_eq!(queue.len(), open);
    let phone = g.repeat_phones().into_iter().find(|p| !engine.reader().by_phone(p).unwrap().is_empty());
    assert!(phone.is_some(), "a repeat complainant is found by phone");
}
