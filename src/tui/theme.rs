//! Themes: `themes/dark.toml`, `light`, `high-contrast`, `mono` (compiled in), chosen in
//! `console.toml` and partly overridden by `theme.toml` in the config directory. Colours are
//! written as names, `#rrggbb` or a 256-colour index; a terminal without truecolor gets the
//! nearest of the 256 (ratatui does not downsample), and `NO_COLOR` keeps only bold, reverse
//! and underline. ASCII borders for PuTTY and Xshell fonts that draw box lines badly.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use std::collections::BTreeMap;

pub const SHIPPED: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// The roles a theme colours.
pub const ROLES: &[&str] = &[
    "base",
    "border",
    "border_focus",
    "title",
    "header",
    "selected",
    "marked",
    "overdue",
    "due_soon",
    "provisional",
    // A ticket about a merchant on the watch list.
    "watched",
    "muted",
    "accent",
    "match",
    "ok",
    "warn",
    "error",
    "hint_key",
    "banner",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorMode {
    TrueColor,
    Indexed256,
    None,
}

impl ColorMode {
    /// `NO_COLOR` (any value) wins; `COLORTERM=truecolor|24bit` gives truecolor; else 256.
    pub fn detect() -> ColorMode {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return ColorMode::None;
        }
        match std::env::var("COLORTERM").map(|v| v.to_ascii_lowercase()) {
            Ok(v) if v == "truecolor" || v == "24bit" => ColorMode::TrueColor,
            _ => ColorMode::Indexed256,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<String, Style>,
    pub ascii: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}: {key}: {message}")]
pub struct ThemeError {
    pub file: String,
    pub key: String,
    pub message: String,
}

impl Theme {
    /// The shipped theme `name`, with `user` (file name, text) over it, in `mode`.
    pub fn load(
        name: &str,
        user: Option<(&str, &str)>,
        mode: ColorMode,
        ascii: bool,
    ) -> Result<Theme, ThemeError> {
        let mut name = name.to_string();
        let user_table = match user {
            Some((file, text)) => {
                let t: toml::Table = toml::from_str(text).map_err(|e| ThemeError {
                    file: file.into(),
                    key: String::new(),
                    message: format!("not valid TOML: {}", e.message()),
                })?;
                if let Some(b) = t.get("base").and_then(|b| b.as_str()) {
                    name = b.to_string();
                }
                Some((file, t))
            }
            None => None,
        };
        let Some((_, text)) = SHIPPED.iter().find(|(n, _)| *n == name) else {
            return Err(ThemeError {
                file: user.map_or("console.toml", |(f, _)| f).to_string(),
                key: "theme".into(),
                message: format!("no theme {name:?}: use dark, light, high-contrast or mono"),
            });
        };
        let base: toml::Table = toml::from_str(text).map_err(|e| ThemeError {
            file: format!("built-in themes/{name}.toml"),
            key: String::new(),
            message: e.message().to_string(),
        })?;
        let mut theme = Theme { name: name.clone(), styles: BTreeMap::new(), ascii };
        theme.apply(&format!("built-in themes/{name}.toml"), &base, mode)?;
        if let Some((file, t)) = user_table {
            theme.apply(file, &t, mode)?;
        }
        if mode == ColorMode::None {
            // Emphasis survives without colour: the selection reversed, alarms bold.
            theme.styles.insert("selected".into(), Style::new().add_modifier(Modifier::REVERSED));
            theme.styles.insert("overdue".into(), Style::new().add_modifier(Modifier::BOLD));
            theme.styles.insert("due_soon".into(), Style::new().add_modifier(Modifier::UNDERLINED));
            theme.styles.insert("match".into(), Style::new().add_modifier(Modifier::UNDERLINED));
            theme.styles.insert("banner".into(), Style::new().add_modifier(Modifier::REVERSED));
        }
        Ok(theme)
    }

    fn apply(&mut self, file: &str, table: &toml::Table, mode: ColorMode) -> Result<(), ThemeError> {
        if let Some(key) = table.keys().find(|k| !["base", "ascii", "styles"].contains(&k.as_str())) {
            return Err(ThemeError {
                file: file.into(),
                key: key.clone(),
                message: "not a theme key: use base, ascii or [styles.ROLE]".into(),
            });
        }
        if let Some(a) = table.get("ascii").and_then(|a| a.as_bool()) {
            self.ascii |= a;
        }
        let Some(colors) = table.get("styles") else { return Ok(()) };
        let err = |key: &str, message: String| ThemeError { file: file.into(), key: key.into(), message };
        let colors = colors.as_table().ok_or_else(|| err("styles", "must be a table".into()))?;
        for (role, spec) in colors {
            if !ROLES.contains(&role.as_str()) {
                return Err(err(
                    &format!("styles.{role}"),
                    format!("not a role; roles are {}", ROLES.join(", ")),
                ));
            }
            let spec =
                spec.as_table().ok_or_else(|| err(role, "must be { fg = …, bg = …, bold = … }".into()))?;
            let mut style = self.styles.get(role).copied().unwrap_or_default();
            for (k, v) in spec {
                let key = format!("styles.{role}.{k}");
                match k.as_str() {
                    "fg" | "bg" => {
                        let c = parse_color(v).ok_or_else(|| {
                            err(&key, "a colour is a name (red, dark_gray …), \"#rrggbb\" or 0–255".into())
                        })?;
                        let c = downsample(c, mode);
                        style = if k == "fg" { style.fg(c) } else { style.bg(c) };
                    }
                    "bold" | "reversed" | "underlined" | "italic" | "dim" => {
                        let on = v.as_bool().ok_or_else(|| err(&key, "true or false".into()))?;
                        let m = match k.as_str() {
                            "bold" => Modifier::BOLD,
                            "reversed" => Modifier::REVERSED,
                            "underlined" => Modifier::UNDERLINED,
                            "italic" => Modifier::ITALIC,
                            _ => Modifier::DIM,
                        };
                        style = if on { style.add_modifier(m) } else { style.remove_modifier(m) };
                    }
                    _ => {
                        return Err(err(
                            &key,
                            "use fg, bg, bold, reversed, underlined, italic or dim".into(),
                        ));
                    }
                }
            }
            self.styles.insert(role.clone(), style);
        }
        Ok(())
    }

    pub fn style(&self, role: &str) -> Style {
        self.styles.get(role).copied().unwrap_or_default()
    }

    pub fn border_set(&self) -> border::Set<'static> {
        if self.ascii {
            border::Set {
                top_left: "+",
                top_right: "+",
                bottom_left: "+",
                bottom_right: "+",
                vertical_left: "|",
                vertical_right: "|",
                horizontal_top: "-",
                horizontal_bottom: "-",
            }
        } else {
            border::PLAIN
        }
    }
}

fn parse_color(v: &toml::Value) -> Option<Color> {
    if let Some(n) = v.as_integer() {
        return u8::try_from(n).ok().map(Color::Indexed);
    }
    let s = v.as_str()?.trim();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() != 6 {
            return None;
        }
        let n = u32::from_str_radix(hex, 16).ok()?;
        return Some(Color::Rgb((n >> 16) as u8, (n >> 8) as u8, n as u8));
    }
    Some(match s.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark_gray" | "dark_grey" => Color::DarkGray,
        "light_red" => Color::LightRed,
        "light_green" => Color::LightGreen,
        "light_yellow" => Color::LightYellow,
        "light_blue" => Color::LightBlue,
        "light_magenta" => Color::LightMagenta,
        "light_cyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

/// An RGB colour as the terminal can show it.
pub fn downsample(c: Color, mode: ColorMode) -> Color {
    match (c, mode) {
        (_, ColorMode::None) => Color::Reset,
        (Color::Rgb(r, g, b), ColorMode::Indexed256) => Color::Indexed(nearest_256(r, g, b)),
        (c, _) => c,
    }
}

/// The nearest xterm-256 colour: the 6×6×6 cube or the grey ramp, whichever is closer.
fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let level = |v: u8| {
        LEVELS.iter().enumerate().min_by_key(|(_, l)| (**l as i32 - v as i32).abs()).map_or(0, |(i, _)| i)
    };
    let (ri, gi, bi) = (level(r), level(g), level(b));
    let cube = 16 + 36 * ri + 6 * gi + bi;
    let cube_rgb = (LEVELS[ri], LEVELS[gi], LEVELS[bi]);
    let avg = (r as u32 + g as u32 + b as u32) / 3;
    let grey_i = ((avg.saturating_sub(8)) / 10).min(23);
    let grey = 8 + 10 * grey_i as u8;
    let dist = |(a, b2, c): (u8, u8, u8)| {
        let d = |x: u8, y: u8| (x as i32 - y as i32).pow(2);
        d(a, r) + d(b2, g) + d(c, b)
    };
    if dist((grey, grey, grey)) < dist(cube_rgb) { 232 + grey_i as u8 } else { cube as u8 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_loads_in_every_colour_mode() {
        for (name, _) in SHIPPED {
            for mode in [ColorMode::TrueColor, ColorMode::Indexed256, ColorMode::None] {
                Theme::load(name, None, mode, false).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }

    #[test]
    fn without_truecolor_an_rgb_colour_becomes_its_nearest_256_index() {
        assert_eq!(downsample(Color::Rgb(255, 0, 0), ColorMode::Indexed256), Color::Indexed(196));
        assert_eq!(downsample(Color::Rgb(128, 128, 128), ColorMode::Indexed256), Color::Indexed(244));
        assert_eq!(downsample(Color::Rgb(1, 2, 3), ColorMode::TrueColor), Color::Rgb(1, 2, 3));
    }

    #[test]
    fn no_color_keeps_emphasis_but_no_colour() {
        let t = Theme::load("dark", None, ColorMode::None, false).unwrap();
        assert_eq!(t.style("overdue").fg, None);
        assert!(t.style("overdue").add_modifier.contains(Modifier::BOLD));
        assert!(t.style("selected").add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn a_partial_override_changes_one_role_and_a_typo_is_named() {
        let user = "[styles.overdue]\nfg = \"#ff00ff\"\n";
        let t = Theme::load("dark", Some(("theme.toml", user)), ColorMode::TrueColor, false).unwrap();
        assert_eq!(t.style("overdue").fg, Some(Color::Rgb(255, 0, 255)));
        assert!(t.style("selected").bg.is_some(), "other roles keep the base theme");
        let e = Theme::load(
            "dark",
            Some(("theme.toml", "[styles.overdu]\nfg = \"red\"\n")),
            ColorMode::TrueColor,
            false,
        )
        .unwrap_err();
        assert_eq!(e.key, "styles.overdu");
    }
}
