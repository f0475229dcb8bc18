//! Every ticket's hot words in one list of a table: two bytes a word while the table's names
//! are fewer than 65,536 (13,466 at a million generated tickets), four once they are not.

use super::facts::Sym;
use crate::arena::{Chunked, Position};

#[derive(Clone, Debug)]
pub(crate) enum WordList {
    Narrow(Chunked<u16>),
    Wide(Chunked<u32>),
}

impl Default for WordList {
    fn default() -> Self {
        WordList::Narrow(Chunked::new())
    }
}

/// One ticket's words, in a [`WordList`].
#[derive(Clone, Copy, Debug)]
pub enum Words<'a> {
    Narrow(&'a [u16]),
    Wide(&'a [u32]),
}

impl<'a> Words<'a> {
    pub fn iter(self) -> impl Iterator<Item = Sym> + Clone + 'a {
        let (narrow, wide) = match self {
            Words::Narrow(n) => (n, &[][..]),
            Words::Wide(w) => (&[][..], w),
        };
        // A number in the list was a `Sym`: never zero.
        narrow.iter().map(|&n| u32::from(n)).chain(wide.iter().copied()).filter_map(Sym::new)
    }

    pub fn contains(self, word: Sym) -> bool {
        match self {
            Words::Narrow(n) => u16::try_from(word.get()).is_ok_and(|w| n.contains(&w)),
            Words::Wide(w) => w.contains(&word.get()),
        }
    }

    pub fn len(self) -> usize {
        match self {
            Words::Narrow(n) => n.len(),
            Words::Wide(w) => w.len(),
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

impl WordList {
    /// Words held (those of replaced facts included).
    pub fn len(&self) -> usize {
        match self {
            WordList::Narrow(n) => n.len(),
            WordList::Wide(w) => w.len(),
        }
    }

    /// Appends one ticket's `words`, widening the whole list first when one does not fit in two
    /// bytes; where they start (None: the list is full, or the words would not fit in a chunk).
    pub fn push(&mut self, words: &[Sym]) -> Option<Position> {
        if let WordList::Narrow(narrow) = self
            && words.iter().any(|w| w.get() > u32::from(u16::MAX))
        {
            *self = WordList::Wide(narrow.map(u32::from));
        }
        match self {
            // Each fits in two bytes, as just checked.
            WordList::Narrow(n) => n.push(words.iter().map(|w| w.get() as u16)),
            WordList::Wide(w) => w.push(words.iter().map(|w| w.get())),
        }
    }

    /// The `len` words from `at` (none when out of range).
    pub fn get(&self, at: Position, len: usize) -> Words<'_> {
        match self {
            WordList::Narrow(n) => Words::Narrow(n.get(at, len)),
            WordList::Wide(w) => Words::Wide(w.get(at, len)),
        }
    }

    /// An empty list of the same width.
    pub fn empty_like(&self) -> WordList {
        match self {
            WordList::Narrow(_) => WordList::Narrow(Chunked::new()),
            WordList::Wide(_) => WordList::Wide(Chunked::new()),
        }
    }

    pub fn bytes(&self) -> usize {
        match self {
            WordList::Narrow(n) => n.bytes(),
            WordList::Wide(w) => w.bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(n: u32) -> Sym {
        Sym::new(n).unwrap()
    }

    #[test]
    fn a_name_numbered_beyond_two_bytes_widens_the_list_and_keeps_every_word() {
        let mut list = WordList::default();
        assert_eq!(list.push(&[sym(3), sym(65_535)]), Some(0));
        assert!(matches!(list, WordList::Narrow(_)));
        assert_eq!(list.push(&[sym(70_000), sym(4)]), Some(2));
        assert!(matches!(list, WordList::Wide(_)));
        let all: Vec<u32> = list.get(0, 4).iter().map(Sym::get).collect();
        assert_eq!(all, [3, 65_535, 70_000, 4]);
        assert!(list.get(2, 2).contains(sym(70_000)) && !list.get(2, 2).contains(sym(3)));
        assert!(list.get(3, 5).is_empty(), "out of range: none");
    }
}
