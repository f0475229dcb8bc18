//! A one-line text field: Chinese from the input method, pasted text and editing keys. Pasted
//! text arrives as one string (bracketed paste) and is inserted whole; it never runs a key.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Input {
    pub text: String,
    /// Cursor position in characters.
    pub cursor: usize,
}

/// Whether a key was an edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    Changed,
    Moved,
    NotMine,
}

impl Input {
    pub fn with(text: &str) -> Input {
        Input { text: text.to_string(), cursor: text.chars().count() }
    }

    fn byte_at(&self, char_pos: usize) -> usize {
        self.text.char_indices().nth(char_pos).map_or(self.text.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, s: &str) {
        // One line: a pasted line break becomes a space.
        let clean: String = s
            .chars()
            .map(|c| if c == '\n' || c == '\r' || c == '\t' { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect();
        let at = self.byte_at(self.cursor);
        self.text.insert_str(at, &clean);
        self.cursor += clean.chars().count();
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// Applies an editing key; other keys are left to the keymap.
    pub fn edit(&mut self, key: &KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(c) if !ctrl && !alt => {
                self.insert(&c.to_string());
                Edit::Changed
            }
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.text.drain(..at);
                self.cursor = 0;
                Edit::Changed
            }
            KeyCode::Char('w') if ctrl => {
                let chars: Vec<char> = self.text.chars().collect();
                let mut start = self.cursor;
                while start > 0 && chars[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && chars[start - 1] != ' ' {
                    start -= 1;
                }
                let (a, b) = (self.byte_at(start), self.byte_at(self.cursor));
                self.text.drain(a..b);
                self.cursor = start;
                Edit::Changed
            }
            KeyCode::Char('a') if ctrl => {
                self.cursor = 0;
                Edit::Moved
            }
            KeyCode::Char('e') if ctrl => {
                self.cursor = self.text.chars().count();
                Edit::Moved
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let (a, b) = (self.byte_at(self.cursor - 1), self.byte_at(self.cursor));
                self.text.drain(a..b);
                self.cursor -= 1;
                Edit::Changed
            }
            KeyCode::Backspace => Edit::Moved,
            KeyCode::Delete if self.cursor < self.text.chars().count() => {
                let (a, b) = (self.byte_at(self.cursor), self.byte_at(self.cursor + 1));
                self.text.drain(a..b);
                Edit::Changed
            }
            KeyCode::Left if self.cursor > 0 => {
                self.cursor -= 1;
                Edit::Moved
            }
            KeyCode::Right if self.cursor < self.text.chars().count() => {
                self.cursor += 1;
                Edit::Moved
            }
            KeyCode::Home => {
                self.cursor = 0;
                Edit::Moved
            }
            KeyCode::End => {
                self.cursor = self.text.chars().count();
                Edit::Moved
            }
            _ => Edit::NotMine,
        }
    }

    /// The text before the cursor, for placing the terminal cursor.
    pub fn before_cursor(&self) -> &str {
        &self.text[..self.byte_at(self.cursor)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn chinese_from_an_input_method_is_edited_by_character() {
        let mut i = Input::default();
        for c in "容桂天佑城".chars() {
            i.edit(&key(KeyCode::Char(c)));
        }
        i.edit(&key(KeyCode::Backspace));
        i.edit(&key(KeyCode::Left));
        i.edit(&key(KeyCode::Char('x')));
        assert_eq!(i.text, "容桂天x佑");
    }

    #[test]
    fn a_pasted_text_is_inserted_whole_on_one_line() {
        let mut i = Input::with("投诉：");
        i.insert("健身房\n预付卡退费难");
        assert_eq!(i.text, "投诉：健身房 预付卡退费难");
        assert_eq!(i.cursor, 13);
    }
}
