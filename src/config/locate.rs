//! Finding the line of a key in a TOML text, so that a problem found after parsing can still be
//! reported as `file:line: key: what`.

/// The 1-based line where `key_path` (dotted, with `[n]` for array items, e.g.
/// `channel.12345.rules[2]`) is written in `text`, or the deepest ancestor that is.
pub fn line_of_key(text: &str, key_path: &str) -> Option<usize> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut best: Option<std::ops::Range<usize>> = None;
    let mut item = doc.as_item();
    for segment in key_path.split('.') {
        let (name, indexes) = split_indexes(segment);
        let table = item.as_table_like()?;
        if let Some(span) = table.get_key_value(name).and_then(|(k, _)| k.span()) {
            best = Some(span);
        }
        item = match table.get(name) {
            Some(next) => next,
            None => break,
        };
        if let Some(span) = item.span() {
            best = Some(span);
        }
        for index in indexes {
            let Some(array) = item.as_array() else { break };
            let Some(value) = array.get(index) else { break };
            if let Some(span) = value.span() {
                best = Some(span);
            }
        }
    }
    best.map(|span| line_of_offset(text, span.start))
}

pub fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes().iter().take(offset).filter(|b| **b == b'\n').count() + 1
}

fn split_indexes(segment: &str) -> (&str, Vec<usize>) {
    let name_end = segment.find('[').unwrap_or(segment.len());
    let indexes = segment[name_end..]
        .split(['[', ']'])
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    (&segment[..name_end], indexes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[district]\nname = \"x\"\n\n[channel.\"12345\"]\nname = \"热线\"\nrules = [\n  \"a\",\n  \"b\",\n]\n";

    #[test]
    fn finds_the_line_of_a_nested_key_and_of_an_array_item() {
        assert_eq!(line_of_key(TEXT, "channel.12345.name"), Some(5));
        assert_eq!(line_of_key(TEXT, "channel.12345.rules[1]"), Some(8));
        assert_eq!(line_of_key(TEXT, "district.name"), Some(2));
    }

    #[test]
    fn falls_back_to_the_deepest_key_that_exists() {
        assert_eq!(line_of_key(TEXT, "channel.12345.missing"), Some(4));
    }
}
