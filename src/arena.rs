//! Append-only lists of small pieces (a ticket's title, its hot words) kept in chunks of a fixed
//! size rather than in one growing allocation.
//!
//! serve keeps such a list for every ticket ever registered (the catalogue's 66 MB of titles and
//! the statistics' 43 MB of hot words at 1,000,000 tickets). One `Vec` or `String` grows by
//! doubling: the first ticket derived after a start copied the whole list into one twice its
//! size, and for that moment both were resident (serve's peak), the empty half reserved after.
//! A chunked list never copies what it holds and wastes at most the end of each chunk.

/// Where a piece starts: its chunk and its place in it, as one number (`chunk * CHUNK + at`).
pub type Position = u32;

/// Items in a chunk of [`Chunked`], and bytes in a chunk of [`TextArena`]: a piece is never
/// longer (a title is cut at 65,535 bytes, a ticket's words at 255).
const CHUNK: usize = 1 << 20;

/// The chunk a piece of `n` items goes in (a new one when the last cannot take it) and where
/// the piece will start; None when it is longer than a chunk or starts beyond a [`Position`].
fn room_for<C>(
    chunks: &mut Vec<C>,
    n: usize,
    len: impl Fn(&C) -> usize,
    new: impl FnOnce() -> C,
) -> Option<(&mut C, Position)> {
    if n > CHUNK {
        return None;
    }
    if chunks.last().is_none_or(|last| len(last) + n > CHUNK) {
        chunks.push(new());
    }
    let chunk = chunks.len() - 1;
    let at = Position::try_from(chunk * CHUNK + len(&chunks[chunk])).ok()?;
    Some((&mut chunks[chunk], at))
}

/// A list of `T` in chunks of [`CHUNK`] items, each piece within one chunk.
#[derive(Clone, Debug, Default)]
pub struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    /// Items held (the ends of chunks left empty not counted).
    len: usize,
}

impl<T: Copy> Chunked<T> {
    pub fn new() -> Chunked<T> {
        Chunked { chunks: Vec::new(), len: 0 }
    }

    /// Appends `items` as one piece; where it starts, or None when the list has no room left
    /// in a [`Position`] or the piece is longer than a chunk.
    pub fn push(&mut self, items: impl ExactSizeIterator<Item = T>) -> Option<Position> {
        let n = items.len();
        let (last, at) = room_for(&mut self.chunks, n, Vec::len, || Vec::with_capacity(CHUNK))?;
        last.extend(items);
        self.len += n;
        Some(at)
    }

    /// The `len` items from `at`; empty when out of range.
    pub fn get(&self, at: Position, len: usize) -> &[T] {
        let (chunk, at) = (at as usize / CHUNK, at as usize % CHUNK);
        self.chunks.get(chunk).and_then(|c| c.get(at..at + len)).unwrap_or(&[])
    }

    /// Items held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Every item as `f` makes it, each where it was.
    pub fn map<U: Copy>(&self, f: impl Fn(T) -> U) -> Chunked<U> {
        let chunks = self
            .chunks
            .iter()
            .map(|c| {
                let mut mapped = Vec::with_capacity(CHUNK);
                mapped.extend(c.iter().map(|&item| f(item)));
                mapped
            })
            .collect();
        Chunked { chunks, len: self.len }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every item, piece after piece.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.chunks.iter().flatten().copied()
    }

    /// Bytes reserved.
    pub fn bytes(&self) -> usize {
        self.chunks.iter().map(|c| c.capacity() * std::mem::size_of::<T>()).sum()
    }
}

/// Texts in chunks of [`CHUNK`] bytes, each text within one chunk.
#[derive(Clone, Debug, Default)]
pub struct TextArena {
    chunks: Vec<String>,
}

impl TextArena {
    /// Appends `texts` as one piece (they are read back by their lengths); where it starts, or
    /// None when the arena has no room left in a [`Position`] or the piece is longer than a
    /// chunk.
    pub fn push(&mut self, texts: &[&str]) -> Option<Position> {
        let n: usize = texts.iter().map(|t| t.len()).sum();
        let (last, at) = room_for(&mut self.chunks, n, String::len, || String::with_capacity(CHUNK))?;
        for text in texts {
            last.push_str(text);
        }
        Some(at)
    }

    /// The `len` bytes from `at`; empty when out of range or not on a character's boundary.
    pub fn get(&self, at: Position, len: usize) -> &str {
        let (chunk, at) = (at as usize / CHUNK, at as usize % CHUNK);
        self.chunks.get(chunk).and_then(|c| c.get(at..at + len)).unwrap_or_default()
    }

    /// Bytes reserved.
    pub fn bytes(&self) -> usize {
        self.chunks.iter().map(String::capacity).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piece_never_straddles_two_chunks_and_reads_back_whole() {
        let mut words: Chunked<u16> = Chunked::new();
        let first = words.push(std::iter::repeat_n(7, CHUNK - 2)).unwrap();
        let second = words.push([1, 2, 3].into_iter()).unwrap();
        assert_eq!(first, 0);
        assert_eq!(second as usize, CHUNK, "three words do not fit in the first chunk's last two");
        assert_eq!(words.get(second, 3), &[1, 2, 3]);
        assert_eq!(words.len(), CHUNK + 1);
        assert_eq!(words.get(second, 4), &[] as &[u16], "out of range: nothing");
        assert_eq!(words.iter().count(), CHUNK + 1);
    }

    #[test]
    fn growing_never_moves_what_the_arena_holds() {
        let mut arena = TextArena::default();
        let title = "顺德区大良华联超市销售过期食品";
        let at = arena.push(&[title, "SD20261128001"]).unwrap();
        let held = arena.get(at, title.len()).as_ptr();
        for _ in 0..200_000 {
            arena.push(&["容桂街道某商场预付卡无法退款", "12345-2026-0001"]).unwrap();
        }
        assert_eq!(arena.get(at, title.len()), title);
        assert_eq!(arena.get(at, title.len()).as_ptr(), held, "the first chunk was not copied");
        assert_eq!(arena.get(at + title.len() as u32, 13), "SD20261128001");
        assert!(arena.bytes() >= 200_000 * 56);
    }

    #[test]
    fn a_piece_longer_than_a_chunk_is_refused() {
        let mut arena = TextArena::default();
        assert_eq!(arena.push(&[&"投".repeat(CHUNK)]), None);
        let mut words: Chunked<u32> = Chunked::new();
        assert_eq!(words.push(std::iter::repeat_n(1, CHUNK + 1)), None);
    }
}
