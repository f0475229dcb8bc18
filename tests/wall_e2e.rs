//! `rightsdesk wall`, the real binary in a pseudo-terminal: its pages turn by themselves, a new
//! ticket shows in the live counts without a key pressed, a terminal shrunk too small is told
//! so, `q` leaves with exit 0 and SIGHUP too, the terminal restored both times.

mod console_pty;

use console_pty::{Console, Serve};
use expectrl::process::unix::Signal;
use std::path::Path;

const NOW: &str = "2026-11-27T10:00:00+08:00";

fn register(data: &Path, id: &str, title: &str, received: &str) {
    console_pty::register_walkin(data, NOW, id, title, received, "容桂");
}

/// The open walk-in tickets the live page's channel box shows (its left box).
fn open_walkins(screen: &str) -> Option<u64> {
    screen.lines().find_map(|l| {
        let left = l.split('│').nth(1)?.trim();
        let rest = left.strip_prefix("来访")?;
        rest.split_whitespace().last()?.parse().ok()
    })
}

#[test]
fn the_wall_turns_its_pages_by_itself_shows_a_new_ticket_live_and_q_restores_the_terminal() {
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    register(&data, "LF-101", "健身房预付卡退费难", "2026-11-26 09:30");
    let _serve = Serve::start(&data, NOW, &[]);
    let mut c = Console::spawn(
        &["--data", data.to_str().unwrap(), "wall", "--every", "2"],
        &[("RIGHTSDESK_NOW", NOW)],
        100,
        30,
    );
    c.wait_for("the live page with one open walk-in ticket", 60, |s| {
        s.contains("实时受理  1/4") && open_walkins(s) == Some(1)
    });
    // Two full rotations, no key pressed.
    for page in ["趋势与高频词  2/4", "预警与重点企业  3/4", "热点镇街与商圈  4/4", "实时受理  1/4"]
    {
        c.wait_for(page, 30, |s| s.contains(page));
    }
    c.wait_for("the hot words of the month", 30, |s| s.contains("趋势与高频词  2/4") && s.contains("预付卡"));
    register(&data, "LF-102", "健身会所停业预付卡无法退费", "2026-11-27 09:40");
    c.wait_for("the new ticket in the live counts", 30, |s| open_walkins(s) == Some(2));
    c.send("q");
    assert_eq!(c.exit_code(20), 0);
    assert!(c.restored(), "the terminal is left as the shell had it");
}

#[test]
fn a_terminal_shrunk_too_small_gets_a_message_and_sighup_ends_the_wall_with_it_restored() {
    let _terminal = console_pty::one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    register(&data, "LF-111", "健身房预付卡退费难", "2026-11-27 08:30");
    let _serve = Serve::start(&data, NOW, &[]);
    let mut c =
        Console::spawn(&["--data", data.to_str().unwrap(), "wall"], &[("RIGHTSDESK_NOW", NOW)], 80, 24);
    c.wait_for("the live page", 60, |s| s.contains("实时受理  1/4"));
    c.resize(50, 12);
    c.wait_for("the too-small message", 20, |s| s.contains("终端太小 50x12 < 60x16"));
    c.signal(Signal::SIGHUP);
    assert_eq!(c.exit_code(20), 0);
    assert!(c.restored());
}
