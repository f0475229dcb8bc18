//! Saved views: the sidebar's filters as data (`config/views.toml`, replaced whole by a
//! `views.toml` in the config directory).

use super::i18n::Lang;
use crate::engine::window::ViewSpec;
use serde::Deserialize;

pub const SHIPPED: &str = include_str!("../../config/views.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedView {
    pub name: String,
    pub en: Option<String>,
    #[serde(default)]
    pub filter: ViewSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewsFile {
    view: Vec<SavedView>,
}

/// The marker of the clerk at the console in an `owner` filter.
pub const ME: &str = "@me";

impl SavedView {
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => self.en.as_deref().unwrap_or(&self.name),
            Lang::Zh => &self.name,
        }
    }

    /// The filter with `@me` read as the clerk.
    pub fn spec_for(&self, me: &str) -> ViewSpec {
        let mut spec = self.filter.clone();
        if spec.owner.as_deref() == Some(ME) {
            spec.owner = Some(me.to_string());
        }
        spec
    }
}

/// The views of `text` (from `file`), or what is wrong, naming the file.
pub fn parse(file: &str, text: &str) -> Result<Vec<SavedView>, String> {
    toml::from_str::<ViewsFile>(text).map(|f| f.view).map_err(|e| {
        let line = e.span().map(|s| text[..s.start].lines().count().max(1));
        format!("{file}{}: {}", line.map(|l| format!(":{l}")).unwrap_or_default(), e.message())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_views_parse_and_mine_means_the_clerk() {
        let views = parse("views.toml", SHIPPED).unwrap();
        assert!(views.len() >= 8);
        let mine = views.iter().find(|v| v.en.as_deref() == Some("Mine")).unwrap();
        assert_eq!(mine.spec_for("chenli").owner.as_deref(), Some("chenli"));
    }

    #[test]
    fn a_typo_in_a_view_filter_is_refused_with_its_line() {
        let e = parse("cfg/views.toml", "[[view]]\nname = \"x\"\nfilter = { stauts = [\"registered\"] }\n")
            .unwrap_err();
        assert!(e.starts_with("cfg/views.toml:3"), "{e}");
    }
}
