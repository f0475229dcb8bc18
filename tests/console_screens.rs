//! Every console screen drawn into ratatui's `TestBackend` and kept as a reviewed insta snapshot,
//! at 80×24 and 120×40, in Chinese and English, with Chinese data at a fixed "now"; the colour
//! rules (overdue, due soon, provisional, selection, NO_COLOR) and the column rules checked on the
//! cells themselves (`console_screens/colours.rs`, `console_screens/columns.rs`).
//!
//! Snapshot lines end in `|` after the last cell so a row's width can be seen; the cell under a
//! wide character is left out (the fixture checks it is blank).

#[path = "console_screens/colours.rs"]
mod colours;
#[path = "console_screens/columns.rs"]
mod columns;
mod console_fixture;

use console_fixture::*;
use crossterm::event::KeyCode;
use rightsdesk::domain::ticket::TicketId;
use rightsdesk::tui::action::Action;
use rightsdesk::tui::app::{App, Popup};
use rightsdesk::tui::i18n::Lang;
use rightsdesk::tui::intake::IntakeForm;
use rightsdesk::tui::link::{ListId, Reply};
use rightsdesk::tui::theme::ColorMode;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// One snapshot per size and language of the screen `build` leaves the app on.
fn shots(name: &str, build: impl Fn(&mut App), cursor: bool) {
    for (w, h) in SIZES {
        for lang in [Lang::Zh, Lang::En] {
            let mut app = queue_app(lang, w, h);
            build(&mut app);
            let text = if cursor { typing(&app, w, h) } else { screen(&app, w, h) };
            insta::assert_snapshot!(format!("{name}_{w}x{h}_{}", lang_code(lang)), text);
        }
    }
}

/// The first frame with rows waits for the first answer: the queue's window is asked first,
/// and no list that is not on screen is asked at all (the overdue list's window, judged over
/// every open ticket, came first and held up the queue's by a second at 1,000,000 tickets).
#[test]
fn at_start_the_queue_is_asked_first_and_no_list_off_screen_is_asked() {
    use rightsdesk::tui::app::Effect;
    use rightsdesk::tui::link::Ask;
    let config = std::sync::Arc::new(rightsdesk::config::load(None).expect("the shipped config loads"));
    let (keymap, theme, _, views) =
        rightsdesk::tui::setup(None, ColorMode::TrueColor).expect("shipped setup");
    let mut app = App::new(config, keymap, theme, Lang::Zh, ME.into(), views, now());
    resize(&mut app, 120, 40);
    let mut asked = app.take_effects();
    asked.extend(app.start());
    let windows: Vec<ListId> = asked
        .iter()
        .filter_map(|e| match e {
            Effect::Ask(Ask::Window { list, .. }) => Some(*list),
            _ => None,
        })
        .collect();
    assert_eq!(windows, [ListId::Queue]);
    assert!(matches!(asked.first(), Some(Effect::Ask(Ask::Window { list: ListId::Queue, .. }))));
}

#[test]
fn the_queue_shows_view_counts_channel_health_rows_and_the_preview() {
    shots("queue", |_| {}, false);
}

#[test]
fn a_search_in_progress_narrows_the_queue_and_marks_what_matched() {
    shots(
        "queue_search_typing",
        |app| {
            ch(app, '/');
            type_text(app, "卡");
            app.on_reply(Reply::Window {
                list: ListId::Queue,
                view: app.list().spec.clone(),
                window: search_window(),
            });
            feed_preview(app);
        },
        true,
    );
}

#[test]
fn a_finished_search_keeps_its_text_and_count_in_the_status_line() {
    shots(
        "queue_search_done",
        |app| {
            ch(app, '/');
            type_text(app, "退费");
            press(app, KeyCode::Enter);
            app.on_reply(Reply::Window {
                list: ListId::Queue,
                view: app.list().spec.clone(),
                window: title_search_window(),
            });
            feed_preview(app);
        },
        false,
    );
}

/// The console asks for its first window at start; a clerk quick on the keys (or a loaded
/// server) can have the search typed before it comes. That window is for the view without the
/// search: it must not be shown as the search's result ("0 matches", or the wrong rows).
#[test]
fn a_search_typed_before_the_first_window_comes_waits_for_its_own_answer() {
    let (w, h) = (120, 40);
    let mut app = bare_app(Lang::Zh, ColorMode::TrueColor, w, h);
    let first_view = app.list().spec.clone();
    assert!(screen(&app, w, h).contains("载入中"), "nothing has come yet");
    ch(&mut app, '/');
    type_text(&mut app, "退费");
    press(&mut app, KeyCode::Enter);
    app.on_reply(Reply::Window { list: ListId::Queue, view: first_view, window: window(queue_rows()) });
    let s = screen(&app, w, h);
    assert!(s.contains("/退费  载入中"), "the search is still being answered:\n{s}");
    assert!(!s.contains("条匹配"), "no count before the search's own answer:\n{s}");
    assert!(!s.contains(&queue_rows()[1].title), "no row of the view without the search:\n{s}");
    app.on_reply(Reply::Window {
        list: ListId::Queue,
        view: app.list().spec.clone(),
        window: title_search_window(),
    });
    let s = screen(&app, w, h);
    assert!(s.contains("/退费  1 条匹配"), "{s}");
    assert!(s.contains("健身房预付卡退费难"), "{s}");
}

#[test]
fn the_overdue_list_shows_what_is_overdue_or_due_soon_by_time_left() {
    shots(
        "overdue",
        |app| {
            ch(app, 'o');
            app.on_reply(Reply::Window {
                list: ListId::Overdue,
                view: app.list().spec.clone(),
                window: window(overdue_by_time_left()),
            });
            feed_preview(app);
        },
        false,
    );
}

#[test]
fn the_overdue_list_grouped_by_unit_leads_each_title_with_its_unit() {
    shots(
        "overdue_grouped",
        |app| {
            ch(app, 'o');
            ch(app, 'U');
            app.on_reply(Reply::Window {
                list: ListId::Overdue,
                view: app.list().spec.clone(),
                window: window(grouped_rows()),
            });
            feed_preview(app);
        },
        false,
    );
}

fn open_detail(app: &mut App) {
    press(app, KeyCode::Enter);
    app.on_reply(Reply::Detail {
        ticket: TicketId(1041),
        detail: Some(Box::new(detail_1041(false))),
        revealed: false,
    });
    let _ = app.take_effects();
}

#[test]
fn the_detail_shows_fields_clocks_with_basis_actions_notes_and_timeline_masked() {
    shots("detail", open_detail, false);
}

#[test]
fn the_detail_scrolled_down_shows_the_timeline() {
    shots(
        "detail_scrolled",
        |app| {
            open_detail(app);
            for _ in 0..12 {
                press(app, KeyCode::Down);
            }
        },
        false,
    );
}

/// The detail scrolls no further than its last line, and that far exactly: at the end the last
/// line of the timeline sits on the pane's last row, at every width (the lines counted are the
/// lines drawn, wrapped the same way).
#[test]
fn the_detail_scrolled_to_its_end_shows_its_last_line_on_the_pane_s_last_row_at_every_width() {
    for (w, h) in [(60, 16), (80, 24), (100, 30), (120, 40), (150, 40)] {
        let mut app = queue_app(Lang::Zh, w, h);
        open_detail(&mut app);
        for _ in 0..20 {
            press(&mut app, KeyCode::PageDown);
        }
        let term = draw(&app, w, h);
        let b = term.backend().buffer();
        // Below the pane: its border, the status line and the hints.
        let last_row = h - 4;
        let side_w = if w >= 110 { 24 } else { 18 };
        let row = row_text(b, last_row, side_w + 1, w - 1);
        assert!(row.trim_end().ends_with('理'), "{w}x{h}: the last row is {row:?}:\n{}", text_of(b));
        press(&mut app, KeyCode::Down);
        assert_eq!(screen(&app, w, h), text_of(b), "{w}x{h}: no further than the end");
    }
}

/// The dispatch panel on ticket 1041, reopened since the queue's window was drawn: its preview,
/// which is fresher, offers triage and dispatch again.
fn open_dispatch(app: &mut App) {
    app.on_reply(Reply::Preview(Some(Box::new(reopened(detail_1041(false))))));
    ch(app, 'd');
    app.on_reply(Reply::Suggest(TicketId(1041), suggestions()));
    app.on_reply(Reply::Duplicates(duplicates()));
    let _ = app.take_effects();
}

#[test]
fn the_dispatch_panel_shows_duplicates_clocks_and_ranked_units_with_reasons() {
    shots("dispatch", open_dispatch, false);
}

/// The panel triages, then dispatches: on a ticket past triage it would fail only when
/// confirmed, so it does not open, and the clerk is told why and where to look.
#[test]
fn dispatch_on_a_ticket_already_with_a_unit_says_so_and_opens_no_panel() {
    for (lang, said) in [(Lang::Zh, "#1041 待签收"), (Lang::En, "#1041 is dispatched")] {
        let mut app = queue_app(lang, 120, 40);
        ch(&mut app, 'd');
        assert!(app.popup.is_none(), "{lang:?}: no panel for a dispatched ticket");
        let (text, _) = app.flash.clone().expect("a message");
        assert!(text.starts_with(said) && text.contains('x'), "{lang:?}: {text}");
        assert!(app.take_effects().is_empty(), "{lang:?}: nothing asked of the server");
    }
}

/// The key it names is the live keymap's: a clerk who moved the actions menu reads their key.
#[test]
fn dispatch_on_a_ticket_past_triage_names_the_actions_key_of_the_clerk_s_keymap() {
    let mut app = queue_app(Lang::En, 120, 40);
    let user = "[list]\n\"x\" = \"no_op\"\n\"A\" = \"actions\"\n";
    app.keymap = rightsdesk::tui::keymap::Keymap::load("default", Some(("keymap.toml", user)))
        .expect("the override loads");
    ch(&mut app, 'd');
    let (text, _) = app.flash.clone().expect("a message");
    assert!(text.ends_with("; A shows what it can do"), "{text}");
}

#[test]
fn the_dispatch_panel_filters_units_as_the_clerk_types() {
    shots(
        "dispatch_filtered",
        |app| {
            open_dispatch(app);
            type_text(app, "dl");
        },
        true,
    );
}

#[test]
fn the_actions_menu_offers_what_the_ticket_allows_now() {
    shots("actions_menu", |app| ch(app, 'x'), false);
}

fn recall_form(app: &mut App) {
    ch(app, 'x');
    press(app, KeyCode::Down);
    press(app, KeyCode::Enter);
    type_text(app, "单位已自行联系投诉人");
}

#[test]
fn an_action_picked_from_the_menu_opens_its_form_with_the_cursor_in_the_field() {
    shots("form_recall", recall_form, true);
}

#[test]
fn the_refusal_form_offers_reason_codes() {
    shots(
        "form_refuse",
        |app| {
            app.run(Action::Refuse);
            press(app, KeyCode::Right);
        },
        false,
    );
}

#[test]
fn a_destructive_action_asks_before_it_acts() {
    shots(
        "confirm_recall",
        |app| {
            recall_form(app);
            press(app, KeyCode::Enter);
            assert!(matches!(app.popup, Some(Popup::Confirm { .. })));
        },
        false,
    );
}

#[test]
fn the_palette_lists_the_actions_matching_what_was_typed() {
    shots(
        "palette",
        |app| {
            ch(app, ':');
            type_text(app, "dis");
        },
        true,
    );
}

#[test]
fn the_help_is_generated_from_the_live_keymap() {
    shots("help", |app| ch(app, '?'), false);
}

#[test]
fn the_intake_form_says_what_is_missing_and_warns_of_duplicates() {
    shots(
        "intake",
        |app| {
            // Built as `n` builds it, without the draft on this machine's disk.
            app.popup = Some(Popup::Intake(Box::new(IntakeForm::new(now()))));
            type_text(app, "霍女士");
            press(app, KeyCode::Down);
            type_text(app, "18022340868");
            for _ in 0..4 {
                press(app, KeyCode::Down);
            }
            type_text(app, "容桂悦城购物中心3楼");
            app.on_reply(Reply::Duplicates(duplicates()));
            let _ = app.take_effects();
        },
        true,
    );
}

#[test]
fn the_health_screen_shows_each_remote_channel_ok_lagging_or_failing() {
    shots("health", |app| ch(app, 'H'), false);
}

#[test]
fn a_lost_server_shows_a_banner_over_the_queue() {
    shots("disconnected", |app| app.on_reply(Reply::Connected(false)), false);
}

#[test]
fn a_terminal_below_the_minimum_gets_a_message_not_a_garbled_screen() {
    for (w, h) in [(20, 5), (59, 15)] {
        for lang in [Lang::Zh, Lang::En] {
            let app = queue_app(lang, w, h);
            insta::assert_snapshot!(format!("too_small_{w}x{h}_{}", lang_code(lang)), screen(&app, w, h));
        }
    }
}

#[test]
fn a_panel_keeps_its_left_border_over_chinese_text() {
    // The help (72 wide) starts at column 4 of an 80-column screen, where the sidebar's Chinese
    // view names have a wide character in columns 3–4.
    let mut app = queue_app(Lang::Zh, 80, 24);
    ch(&mut app, '?');
    let term = draw(&app, 80, 24);
    let b = term.backend().buffer();
    for y in 2..22 {
        assert_eq!(b[(4u16, y)].symbol(), "│", "row {y}: {:?}", row_text(b, y, 0, 10));
    }
}

#[test]
fn the_help_scrolled_past_its_end_still_shows_its_last_lines() {
    let mut app = queue_app(Lang::En, 80, 24);
    ch(&mut app, '?');
    for _ in 0..30 {
        press(&mut app, KeyCode::PageDown);
    }
    let text = screen(&app, 80, 24);
    assert!(text.contains("[global]"), "{text}");
    assert!(text.contains("Switch language"), "the last binding is on screen:\n{text}");
}

#[test]
fn the_sidebar_focused_on_the_quarantine_keeps_its_cursor_in_sight_and_lists_the_items() {
    shots(
        "sidebar_quarantine",
        |app| {
            press(app, KeyCode::Tab);
            press(app, KeyCode::End);
            app.on_reply(Reply::Quarantine(quarantine()));
            let _ = app.take_effects();
        },
        false,
    );
}

fn as_person(app: &mut App, login: &str, name: &str, role: rightsdesk::domain::role::Role) {
    let person =
        rightsdesk::domain::role::Person { login: login.into(), name: name.into(), role, acting_as: None };
    app.on_reply(Reply::You(person));
    let _ = app.take_effects();
}

fn watch_form(app: &mut App) {
    as_person(app, "wangfang", "王芳", rightsdesk::domain::role::Role::Chief);
    open_detail(app);
    ch(app, 'W');
    type_text(app, "预付卡投诉集中，已约谈");
}

#[test]
fn watch_this_merchant_asks_a_chief_for_the_reason() {
    shots("form_watch_merchant", watch_form, true);
}

/// What the console sent for execution.
fn sent_commands(app: &mut App) -> Vec<rightsdesk::engine::Command> {
    use rightsdesk::tui::app::Effect;
    use rightsdesk::tui::link::Ask;
    app.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Ask(Ask::Execute { envelopes, .. }) => Some(envelopes),
            _ => None,
        })
        .flatten()
        .map(|e| e.command)
        .collect()
}

#[test]
fn a_chief_puts_the_merchant_of_the_ticket_on_watch_by_its_valid_credit_code_else_by_its_name() {
    use rightsdesk::domain::watch::WatchTarget;
    use rightsdesk::engine::Command;
    const GYM: &str = "佛山市顺德区力健健身有限公司";
    // The fixture's code fails its check character: the merchant is known by its name.
    let mut app = queue_app(Lang::Zh, 120, 40);
    watch_form(&mut app);
    assert!(app.offers(Action::WatchMerchant));
    press(&mut app, KeyCode::Enter);
    let by_name = Command::WatchMerchant {
        merchant: WatchTarget::Name(GYM.into()),
        name: None,
        reason: "预付卡投诉集中，已约谈".into(),
    };
    assert_eq!(sent_commands(&mut app), vec![by_name]);
    // With a valid code, by the code, with the name it goes by.
    let code = rightsdesk::domain::credit_code::with_check_char("91440606MA4UJ8KX2").unwrap();
    let mut app = queue_app(Lang::Zh, 120, 40);
    as_person(&mut app, "wangfang", "王芳", rightsdesk::domain::role::Role::Chief);
    press(&mut app, KeyCode::Enter);
    let mut detail = detail_1041(false);
    detail.respondent.credit_code = Some(code.clone());
    app.on_reply(Reply::Detail { ticket: TicketId(1041), detail: Some(Box::new(detail)), revealed: false });
    ch(&mut app, 'W');
    type_text(&mut app, "多次投诉未整改");
    press(&mut app, KeyCode::Enter);
    let by_code = Command::WatchMerchant {
        merchant: WatchTarget::CreditCode(code),
        name: Some(GYM.into()),
        reason: "多次投诉未整改".into(),
    };
    assert_eq!(sent_commands(&mut app), vec![by_code]);
}

#[test]
fn a_clerk_is_not_offered_watch_this_merchant() {
    let mut clerk = queue_app(Lang::Zh, 120, 40);
    as_person(&mut clerk, "chenli", "陈丽", rightsdesk::domain::role::Role::Clerk);
    assert!(!clerk.offers(Action::WatchMerchant), "a clerk's hints do not offer it");
}
