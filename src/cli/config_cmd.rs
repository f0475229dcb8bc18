//! `config init`, `config check`, `config show`.

use super::args::{ConfigCommand, ShowWhat};
use super::context;
use super::{Failure, OK};
use crate::config;
use std::path::Path;

pub fn run(command: &ConfigCommand, config_dir: Option<&Path>, _data: Option<&Path>) -> Result<i32, Failure> {
    match command {
        ConfigCommand::Init { dir, force } => {
            let dir = dir
                .clone()
                .or_else(|| config_dir.map(Path::to_path_buf))
                .or_else(context::default_config_dir)
                .ok_or_else(|| {
                    Failure::usage("no config directory: give one, e.g. `rightsdesk config init ./config`")
                })?;
            let written = config::init(&dir, *force)?;
            for (path, fresh) in written {
                let note = if fresh { "written" } else { "kept (exists; --force overwrites)" };
                println!("{}  {note}", path.display());
            }
            Ok(OK)
        }
        ConfigCommand::Check => {
            let dir = context::config_dir(config_dir);
            // The console's own files (keymap, theme, views, console settings) are checked too:
            // a typo there must not wait for the first console to be found.
            let console = crate::tui::setup(dir.as_deref(), crate::tui::theme::ColorMode::TrueColor);
            match (config::load(dir.as_deref()), console) {
                (Ok(_), Err(e)) => {
                    eprintln!("{e}");
                    Err(Failure::new("1 configuration problem(s)"))
                }
                (Ok(c), Ok((_, _, _, views))) => {
                    let source =
                        dir.map(|d| d.display().to_string()).unwrap_or_else(|| "built-in defaults".into());
                    println!(
                        "configuration OK ({source}): {} channels, {} units, {} deadline rules, holidays for {}, {} saved views",
                        c.channels.ids().len(),
                        c.org.units().count(),
                        c.sla.rules.len(),
                        c.calendar.known_years().iter().map(|y| y.to_string()).collect::<Vec<_>>().join(", "),
                        views.len()
                    );
                    Ok(OK)
                }
                (Err(errors), _) => {
                    for e in &errors.0 {
                        eprintln!("{e}");
                    }
                    Err(Failure::new(format!("{} configuration problem(s)", errors.0.len())))
                }
            }
        }
        ConfigCommand::Show { what } => {
            let dir = context::config_dir(config_dir);
            let c = config::load(dir.as_deref())?;
            match what {
                ShowWhat::Channels => {
                    for ch in c.channels.all() {
                        println!(
                            "{:<10} {:<7} {}  [{}]",
                            ch.id,
                            format!("{:?}", ch.mode).to_lowercase(),
                            ch.name,
                            ch.rules.join(", ")
                        );
                    }
                    // The effective adapter profiles, as an override would write them.
                    for ch in c.channels.all() {
                        if let Some(profile) = &ch.sync {
                            let text = profile.to_override_toml(&ch.id).map_err(|e| {
                                Failure::new(format!(
                                    "channel {}: the profile cannot be shown as TOML: {e}",
                                    ch.id
                                ))
                            })?;
                            println!("\n{text}");
                        }
                    }
                }
                ShowWhat::Org => {
                    println!("{} ({})", c.org.district_name(), c.org.region_code());
                    for u in c.org.units() {
                        let kind = format!("{:?}", u.kind).to_lowercase();
                        println!(
                            "{:<14} {:<8} {}  {}  {}",
                            u.id,
                            kind,
                            u.name,
                            u.town.as_deref().unwrap_or(""),
                            u.phone
                        );
                    }
                }
                ShowWhat::Rules => {
                    for r in c.sla.rules.values() {
                        let unit = match r.unit {
                            crate::domain::sla::ClockUnit::WorkingDays => "working days",
                            crate::domain::sla::ClockUnit::WorkingHours => "working hours",
                        };
                        let extension = if r.max_extension > 0 {
                            format!(" (+{} extension)", r.max_extension)
                        } else {
                            String::new()
                        };
                        println!("{:<22} {} {} {unit}{extension}", r.id, r.name, r.amount);
                        println!("{:<22} {}", "", r.basis);
                    }
                }
                ShowWhat::Holidays => {
                    for y in c.calendar.known_years() {
                        println!("{y}");
                    }
                }
            }
            Ok(OK)
        }
    }
}
