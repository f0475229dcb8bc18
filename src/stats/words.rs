//! Every ticket's hot words in one list of a table: two bytes a word while the table's names
//! are fewer than 65,536 (13,466 at a million generated tickets), four once they are not.

use super::facts::Sym;

#[derive(Clone, Debug)]
pub(crate) enum WordList {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

impl Default for WordList {
    fn default() -> Self {
        WordList::Narrow(Vec::new())
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
    pub fn len(&self) -> usize {
        match self {
            WordList::Narrow(n) => n.len(),
            WordList::Wide(w) => w.len(),
        }
    }

    /// Appends `words`, widening the whole list first when one does not fit in two bytes.
    pub fn extend(&mut self, words: impl IntoIterator<Item = Sym> + Clone) {
        if let WordList::Narrow(narrow) = self
            && words.clone().into_iter().any(|w| w.get() > u32::from(u16::MAX))
        {
            *self = WordList::Wide(narrow.iter().map(|&n| u32::from(n)).collect());
        }
        match self {
            WordList::Narrow(n) => n.extend(words.into_iter().filter_map(|w| u16::try_from(w.get()).ok())),
            WordList::Wide(w) => w.extend(words.into_iter().map(Sym::get)),
        }
    }

    /// The `len` words from `at` (none when out of range).
    pub fn get(&self, at: usize, len: usize) -> Words<'_> {
        match self {
            WordList::Narrow(n) => Words::Narrow(n.get(at..at + len).unwrap_or(&[])),
            WordList::Wide(w) => Words::Wide(w.get(at..at + len).unwrap_or(&[])),
        }
    }

    /// An empty list of the same width with room for `capacity` words.
    pub fn with_capacity_like(&self, capacity: usize) -> WordList {
        match self {
            WordList::Narrow(_) => WordList::Narrow(Vec::with_capacity(capacity)),
            WordList::Wide(_) => WordList::Wide(Vec::with_capacity(capacity)),
        }
    }

    pub fn shrink_to_fit(&mut self) {
        match self {
            WordList::Narrow(n) => n.shrink_to_fit(),
            WordList::Wide(w) => w.shrink_to_fit(),
        }
    }

    pub fn bytes(&self) -> usize {
        match self {
            WordList::Narrow(n) => n.capacity() * 2,
            WordList::Wide(w) => w.capacity() * 4,
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
        list.extend([sym(3), sym(65_535)]);
        assert!(matches!(list, WordList::Narrow(_)));
        list.extend([sym(70_000), sym(4)]);
        assert!(matches!(list, WordList::Wide(_)));
        let all: Vec<u32> = list.get(0, 4).iter().map(Sym::get).collect();
        assert_eq!(all, [3, 65_535, 70_000, 4]);
        assert!(list.get(2, 2).contains(sym(70_000)) && !list.get(2, 2).contains(sym(3)));
        assert!(list.get(3, 5).is_empty(), "out of range: none");
    }
}
