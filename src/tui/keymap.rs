//! Keymaps: which key sequence runs which `Action`, per context. Written in TOML as helix does —
//! `"C-s"`, `"A-x"`, `"pagedown"`, nested tables for sequences, `"no_op"` to unbind — shipped as
//! `keymaps/default.toml`, `vim.toml` and `emacs.toml` (compiled in); the user's `keymap.toml`
//! in the config directory picks a base (`base = "vim"`) and overrides only what it names.

use super::action::{Action, Context};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
    ("emacs", include_str!("../../keymaps/emacs.toml")),
];

/// One key with its modifiers, as written in a keymap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Chord {
    pub fn of(e: &KeyEvent) -> Chord {
        // Terminals send upper-case letters with SHIFT; the letter says it already, so SHIFT
        // is not part of a chord.
        Chord {
            code: e.code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }

    pub fn parse(text: &str) -> Option<Chord> {
        let (mut ctrl, mut alt) = (false, false);
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("C-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("A-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "enter" | "ret" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "del" => KeyCode::Delete,
            "ins" => KeyCode::Insert,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().ok()?)
            }
            _ => {
                let mut chars = rest.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(c)
            }
        };
        Some(Chord { code, ctrl, alt })
    }

    /// Moves the cursor in a list: never a place for a destructive action.
    fn is_navigation(&self) -> bool {
        !self.ctrl
            && !self.alt
            && matches!(
                self.code,
                KeyCode::Up
                    | KeyCode::Down
                    | KeyCode::PageUp
                    | KeyCode::PageDown
                    | KeyCode::Home
                    | KeyCode::End
                    | KeyCode::Enter
                    | KeyCode::Char('j' | 'k' | 'g' | 'G' | ' ')
            )
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("C-")?;
        }
        if self.alt {
            f.write_str("A-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::Left => f.write_str("Left"),
            KeyCode::Right => f.write_str("Right"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("S-Tab"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Backspace => f.write_str("Bksp"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::F(n) => write!(f, "F{n}"),
            _ => f.write_str("?"),
        }
    }
}

/// A key sequence written as its chords, `g g`.
pub fn show_sequence(keys: &[Chord]) -> String {
    keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" ")
}

#[derive(Clone, Debug)]
enum Node {
    Run(Action),
    Prefix(HashMap<Chord, Node>),
}

/// What a key does in the state the keymap is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    Run(Action),
    /// The start of a sequence: wait for the next key.
    Pending,
    Unbound,
}

#[derive(Clone, Debug, Default)]
pub struct Keymap {
    contexts: BTreeMap<Context, HashMap<Chord, Node>>,
    /// The key shown for each action of each context (the first of its bindings in the help's
    /// order), found once when loaded: the hints bar shows a dozen on every frame, and
    /// finding each again (every binding collected, sorted by its text) was a tenth of the
    /// console's time for a step through the list.
    shown: HashMap<(Context, Action), String>,
}

/// A mistake in a keymap file: which file, line and key, and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {key}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct KeymapError {
    pub file: String,
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
}

impl Keymap {
    /// The shipped keymap `base` with the user's override text (from `file`) applied.
    pub fn load(base: &str, user: Option<(&str, &str)>) -> Result<Keymap, KeymapError> {
        let mut base = base.to_string();
        let user_table = match user {
            Some((file, text)) => {
                let table: toml::Table = toml::from_str(text).map_err(|e| KeymapError {
                    file: file.to_string(),
                    line: e.span().map(|s| text[..s.start].lines().count().max(1)),
                    key: String::new(),
                    message: format!("not valid TOML: {}", e.message()),
                })?;
                if let Some(b) = table.get("base") {
                    base = b.as_str().map(str::to_string).ok_or_else(|| KeymapError {
                        file: file.to_string(),
                        line: line_of(text, "base"),
                        key: "base".into(),
                        message: "must be the name of a shipped keymap: default, vim or emacs".into(),
                    })?;
                }
                Some((file, text, table))
            }
            None => None,
        };
        let Some((_, shipped)) = SHIPPED.iter().find(|(n, _)| *n == base) else {
            let (file, text) = user.unwrap_or(("keymap.toml", ""));
            return Err(KeymapError {
                file: file.to_string(),
                line: line_of(text, "base"),
                key: "base".into(),
                message: format!("no shipped keymap {base:?}: use default, vim or emacs"),
            });
        };
        let mut map = Keymap::default();
        let file = format!("built-in keymaps/{base}.toml");
        let table: toml::Table = toml::from_str(shipped).map_err(|e| KeymapError {
            file: file.clone(),
            line: None,
            key: String::new(),
            message: e.message().to_string(),
        })?;
        map.apply(&file, shipped, &table)?;
        if let Some((file, text, table)) = user_table {
            map.apply(file, text, &table)?;
        }
        map.shown = map.first_keys();
        Ok(map)
    }

    /// Each action's first key sequence in each context, in the help's order.
    fn first_keys(&self) -> HashMap<(Context, Action), String> {
        let mut shown = HashMap::new();
        for &context in self.contexts.keys() {
            for (keys, action) in self.bindings(context) {
                shown.entry((context, action)).or_insert_with(|| show_sequence(&keys));
            }
        }
        shown
    }

    fn apply(&mut self, file: &str, text: &str, table: &toml::Table) -> Result<(), KeymapError> {
        for (context_name, value) in table {
            if context_name == "base" {
                continue;
            }
            let err = |key: &str, message: String| KeymapError {
                file: file.to_string(),
                line: line_of(text, key),
                key: key.to_string(),
                message,
            };
            let Some(context) = Context::parse(context_name) else {
                return Err(err(
                    context_name,
                    "not a context: use [global], [list], [detail], [panel] or [stats]".to_string(),
                ));
            };
            let Some(bindings) = value.as_table() else {
                return Err(err(context_name, "must be a table of key = \"action\"".into()));
            };
            let nodes = self.contexts.entry(context).or_default();
            bind_all(nodes, bindings, &[], &|key, msg| err(key, msg))?;
        }
        Ok(())
    }

    /// What `keys` (a pending sequence and the key just pressed) do in `context`.
    pub fn resolve(&self, context: Context, keys: &[Chord]) -> Resolved {
        for ctx in [context, Context::Global] {
            let Some(mut nodes) = self.contexts.get(&ctx) else { continue };
            for (i, k) in keys.iter().enumerate() {
                match nodes.get(k) {
                    Some(Node::Run(a)) if i + 1 == keys.len() => return Resolved::Run(*a),
                    Some(Node::Prefix(next)) if i + 1 == keys.len() && !next.is_empty() => {
                        return Resolved::Pending;
                    }
                    Some(Node::Prefix(_)) if i + 1 == keys.len() => {}
                    Some(Node::Prefix(next)) => {
                        nodes = next;
                        continue;
                    }
                    _ => {}
                }
                break;
            }
            if ctx == Context::Global {
                break;
            }
        }
        Resolved::Unbound
    }

    /// Every binding of a context (global ones included once), for the help screen.
    pub fn bindings(&self, context: Context) -> Vec<(Vec<Chord>, Action)> {
        let mut out = Vec::new();
        if let Some(nodes) = self.contexts.get(&context) {
            collect(nodes, &mut Vec::new(), &mut out);
        }
        // A stable order for help: by action, then by key.
        out.sort_by_key(|(keys, a)| (*a, show_sequence(keys)));
        out
    }

    /// The first key sequence that runs `action` in `context` or globally.
    pub fn key_for(&self, context: Context, action: Action) -> Option<String> {
        [context, Context::Global].into_iter().find_map(|c| self.shown.get(&(c, action)).cloned())
    }
}

fn collect(nodes: &HashMap<Chord, Node>, prefix: &mut Vec<Chord>, out: &mut Vec<(Vec<Chord>, Action)>) {
    for (k, node) in nodes {
        prefix.push(*k);
        match node {
            Node::Run(a) => out.push((prefix.clone(), *a)),
            Node::Prefix(next) => collect(next, prefix, out),
        }
        prefix.pop();
    }
}

fn bind_all(
    nodes: &mut HashMap<Chord, Node>,
    bindings: &toml::Table,
    prefix: &[Chord],
    err: &dyn Fn(&str, String) -> KeymapError,
) -> Result<(), KeymapError> {
    for (key, value) in bindings {
        let chord = Chord::parse(key).ok_or_else(|| {
            err(
                key,
                "not a key: write a character, C-x, A-x, or up, down, pageup, enter, esc, tab, space, F1 …"
                    .into(),
            )
        })?;
        match value {
            toml::Value::String(name) if name == "no_op" => {
                nodes.remove(&chord);
            }
            toml::Value::String(name) => {
                let action = Action::parse(name).ok_or_else(|| {
                    err(
                        key,
                        format!("no action {name:?}: the `:` palette and `?` help list every action name"),
                    )
                })?;
                if action.destructive() && prefix.is_empty() && chord.is_navigation() {
                    return Err(err(
                        key,
                        format!(
                            "{name} changes a ticket and may not sit on a navigation key: choose another key"
                        ),
                    ));
                }
                nodes.insert(chord, Node::Run(action));
            }
            toml::Value::Table(next) => {
                let entry = nodes.entry(chord).or_insert_with(|| Node::Prefix(HashMap::new()));
                if let Node::Run(_) = entry {
                    *entry = Node::Prefix(HashMap::new());
                }
                let Node::Prefix(children) = entry else { unreachable!("made a prefix above") };
                let mut deeper = prefix.to_vec();
                deeper.push(chord);
                bind_all(children, next, &deeper, err)?;
            }
            _ => return Err(err(key, "must be an action name (a string) or a table of keys".into())),
        }
    }
    Ok(())
}

/// The line where `key` is written (quoted or bare, at the start of a line or a table header).
fn line_of(text: &str, key: &str) -> Option<usize> {
    let quoted = format!("\"{key}\"");
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with(&quoted)
                || t.starts_with(&format!("{key} "))
                || t.starts_with(&format!("{key}="))
                || t == format!("[{key}]")
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> Chord {
        Chord { code: KeyCode::Char(c), ctrl: false, alt: false }
    }

    #[test]
    fn every_shipped_keymap_loads_and_binds_help_and_quit() {
        for (name, _) in SHIPPED {
            let map = Keymap::load(name, None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(map.key_for(Context::List, Action::Help).is_some(), "{name}: help");
            assert!(map.key_for(Context::List, Action::Quit).is_some(), "{name}: quit");
            assert!(map.key_for(Context::List, Action::Palette).is_some(), "{name}: palette");
        }
    }

    #[test]
    fn a_hint_shows_the_first_of_the_actions_keys_in_the_helps_order_with_the_users_override() {
        let user = "[list]\n\"x\" = \"dispatch\"\n";
        for map in [
            Keymap::load("vim", None).unwrap(),
            Keymap::load("default", Some(("keymap.toml", user))).unwrap(),
        ] {
            for context in [Context::List, Context::Detail, Context::Panel, Context::Stats] {
                for (_, action) in map.bindings(context).into_iter().chain(map.bindings(Context::Global)) {
                    let first = [context, Context::Global].into_iter().find_map(|c| {
                        map.bindings(c)
                            .into_iter()
                            .find(|(_, a)| *a == action)
                            .map(|(k, _)| show_sequence(&k))
                    });
                    assert_eq!(map.key_for(context, action), first, "{context:?} {action:?}");
                }
            }
        }
    }

    #[test]
    fn a_user_override_changes_only_what_it_names_and_no_op_unbinds() {
        let user = "[list]\n\"x\" = \"dispatch\"\n\"a\" = \"no_op\"\n";
        let map = Keymap::load("default", Some(("keymap.toml", user))).unwrap();
        assert_eq!(map.resolve(Context::List, &[key('x')]), Resolved::Run(Action::Dispatch));
        assert_eq!(map.resolve(Context::List, &[key('a')]), Resolved::Unbound);
        assert_eq!(map.resolve(Context::List, &[key('d')]), Resolved::Run(Action::Dispatch));
    }

    #[test]
    fn a_multi_key_sequence_waits_for_its_second_key() {
        let map = Keymap::load("vim", None).unwrap();
        assert_eq!(map.resolve(Context::List, &[key('g')]), Resolved::Pending);
        assert_eq!(map.resolve(Context::List, &[key('g'), key('g')]), Resolved::Run(Action::GoTop));
    }

    #[test]
    fn a_destructive_action_on_a_navigation_key_is_refused_naming_file_line_and_key() {
        let user = "base = \"default\"\n[list]\n\"j\" = \"refuse\"\n";
        let e = Keymap::load("default", Some(("cfg/keymap.toml", user))).unwrap_err();
        assert_eq!((e.file.as_str(), e.line, e.key.as_str()), ("cfg/keymap.toml", Some(3), "j"));
    }

    #[test]
    fn a_typo_in_an_action_name_is_refused_with_where_to_look() {
        let e = Keymap::load("default", Some(("keymap.toml", "[list]\n\"x\" = \"dispach\"\n"))).unwrap_err();
        assert!(e.to_string().contains("keymap.toml:2: x: no action \"dispach\""), "{e}");
    }
}
