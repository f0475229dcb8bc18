//! Where an import's bytes come from and how they become text, as a stream: a migration file of
//! a million rows (400 MB) is read twice and never held whole.

use super::{ENCODING_GB18030, ENCODING_UTF8, ENCODING_UTF8_BOM, ImportError};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

const CHUNK: usize = 1 << 20;

/// The bytes of an import: a file, read as often as needed, or bytes already in memory.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

impl<'a> Source<'a> {
    pub fn open(&self) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match *self {
            Source::File(path) => Box::new(BufReader::with_capacity(CHUNK, File::open(path)?)),
            Source::Bytes(bytes) => Box::new(bytes),
        })
    }

    /// The first bytes (format sniffing); fewer when the source is shorter.
    pub fn head(&self, len: usize) -> io::Result<Vec<u8>> {
        let mut head = Vec::with_capacity(len);
        self.open()?.take(len as u64).read_to_end(&mut head)?;
        Ok(head)
    }

    /// The whole content (XLSX, which is a zip read as a whole).
    pub fn all(&self) -> io::Result<Vec<u8>> {
        match *self {
            Source::File(path) => std::fs::read(path),
            Source::Bytes(bytes) => Ok(bytes.to_vec()),
        }
    }

    /// The text as UTF-8, decoded on the fly from the encoding [`detect_encoding`] found.
    pub fn text(&self, encoding: &'static str) -> io::Result<Box<dyn Read + 'a>> {
        let mut raw = self.open()?;
        Ok(match encoding {
            ENCODING_GB18030 => Box::new(Gb18030Reader::new(raw)),
            ENCODING_UTF8_BOM => {
                let mut bom = [0u8; 3];
                raw.read_exact(&mut bom)?;
                raw
            }
            _ => raw,
        })
    }
}

/// UTF-8 (with or without BOM), else GB18030 when it decodes cleanly; anything else is refused
/// rather than imported as mojibake. Reads the source once more when it is not UTF-8.
/// Also says whether the source is blank (nothing but white space).
pub(crate) fn detect_encoding(source: Source, path: &Path) -> Result<(&'static str, bool), ImportError> {
    let refuse = |detail: String| ImportError::Encoding { path: path.to_path_buf(), detail };
    let io = |source: io::Error| ImportError::Io { path: path.to_path_buf(), source };
    let head = source.head(3).map_err(io)?;
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(refuse("it starts with a UTF-16 byte-order mark".into()));
    }
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let mut utf8 = Utf8Check::new();
    let mut reader = source.open().map_err(io)?;
    let mut buf = vec![0u8; CHUNK];
    let mut offset = 0usize;
    let mut blank = true;
    loop {
        let n = read_some(&mut reader, &mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        // GB18030 maps NUL to NUL, so UTF-16 without a BOM and binary files would "decode": a
        // text export never holds NUL bytes.
        if buf[..n].contains(&0) {
            return Err(refuse("it contains NUL bytes, as UTF-16 text or a binary file does".into()));
        }
        if utf8.valid {
            utf8.feed(&buf[..n], offset);
        }
        blank = blank && buf[..n].iter().all(u8::is_ascii_whitespace);
        offset += n;
    }
    utf8.finish();
    if utf8.valid {
        return Ok((if bom { ENCODING_UTF8_BOM } else { ENCODING_UTF8 }, blank));
    }
    if bom {
        return Err(refuse(format!(
            "it has a UTF-8 byte-order mark but invalid UTF-8 at byte {}",
            utf8.invalid_at
        )));
    }
    let mut decoded = Gb18030Reader::new(source.open().map_err(io)?);
    loop {
        match read_some(&mut decoded, &mut buf) {
            Ok(0) => return Ok((ENCODING_GB18030, blank)),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                return Err(refuse(
                    "it is not valid UTF-8 and has byte sequences GB18030 does not define".into(),
                ));
            }
            Err(e) => return Err(io(e)),
        }
    }
}

fn read_some(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// UTF-8 validity over chunks: a character cut by a chunk's end is carried to the next one.
struct Utf8Check {
    carry: Vec<u8>,
    invalid_at: usize,
    valid: bool,
}

impl Utf8Check {
    fn new() -> Self {
        Utf8Check { carry: Vec::new(), invalid_at: 0, valid: true }
    }

    fn feed(&mut self, chunk: &[u8], offset: usize) {
        let mut joined;
        let (bytes, start) = if self.carry.is_empty() {
            (chunk, offset)
        } else {
            joined = std::mem::take(&mut self.carry);
            let start = offset - joined.len();
            joined.extend_from_slice(chunk);
            (&joined[..], start)
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => {}
            Err(e) if e.error_len().is_none() => self.carry = bytes[e.valid_up_to()..].to_vec(),
            Err(e) => {
                self.valid = false;
                self.invalid_at = start + e.valid_up_to();
            }
        }
    }

    fn finish(&mut self) {
        if !self.carry.is_empty() {
            self.valid = false;
        }
    }
}

/// GB18030 (which covers GBK) decoded to UTF-8 as it is read; a sequence GB18030 does not
/// define is an `InvalidData` error, never a replacement character.
struct Gb18030Reader<'a> {
    inner: Box<dyn Read + 'a>,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    input_start: usize,
    input_end: usize,
    output: Vec<u8>,
    output_start: usize,
    output_end: usize,
    at_end: bool,
}

impl<'a> Gb18030Reader<'a> {
    fn new(inner: Box<dyn Read + 'a>) -> Self {
        Gb18030Reader {
            inner,
            decoder: encoding_rs::GB18030.new_decoder_without_bom_handling(),
            input: vec![0; 64 * 1024],
            input_start: 0,
            input_end: 0,
            output: vec![0; 256 * 1024],
            output_start: 0,
            output_end: 0,
            at_end: false,
        }
    }
}

impl Read for Gb18030Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.output_start == self.output_end {
            if self.at_end && self.input_start == self.input_end {
                return Ok(0);
            }
            if self.input_start == self.input_end && !self.at_end {
                let n = read_some(&mut self.inner, &mut self.input)?;
                self.input_start = 0;
                self.input_end = n;
                self.at_end = n == 0;
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.input_start..self.input_end],
                &mut self.output,
                self.at_end,
            );
            self.input_start += read;
            self.output_start = 0;
            self.output_end = written;
            if let encoding_rs::DecoderResult::Malformed(..) = result {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "not GB18030"));
            }
            if self.at_end && written == 0 && self.input_start == self.input_end {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.output_end - self.output_start);
        buf[..n].copy_from_slice(&self.output[self.output_start..self.output_start + n]);
        self.output_start += n;
        Ok(n)
    }
}

/// The text from the start of line `line` (1-based) to the end, when it is at most `limit`
/// bytes: the last record of a CSV file, to see whether a quote in it is left open.
pub(crate) fn tail_from_line(
    source: Source,
    encoding: &'static str,
    line: usize,
    limit: usize,
) -> io::Result<Option<String>> {
    let mut reader = BufReader::new(source.text(encoding)?);
    let mut skipped = 1;
    let mut buf = Vec::new();
    while skipped < line {
        buf.clear();
        if io::BufRead::read_until(&mut reader, b'\n', &mut buf)? == 0 {
            return Ok(None);
        }
        skipped += 1;
    }
    let mut tail = Vec::new();
    reader.take(limit as u64 + 1).read_to_end(&mut tail)?;
    if tail.len() > limit {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&tail).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> io::Result<String> {
        let mut text = String::new();
        Gb18030Reader::new(Box::new(bytes)).read_to_string(&mut text)?;
        Ok(text)
    }

    #[test]
    fn gb18030_decodes_as_a_stream_and_refuses_what_it_does_not_define() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("工单编号,受理时间\n大良街道,容桂\n");
        assert_eq!(decode_all(&bytes).unwrap(), "工单编号,受理时间\n大良街道,容桂\n");
        assert!(decode_all(b"\x81\x20abc").is_err());
    }

    #[test]
    fn utf8_is_checked_across_chunk_boundaries() {
        let text = "投诉人".as_bytes();
        let mut check = Utf8Check::new();
        check.feed(&text[..4], 0);
        check.feed(&text[4..], 4);
        check.finish();
        assert!(check.valid);
        let mut check = Utf8Check::new();
        check.feed(&text[..4], 0);
        check.finish();
        assert!(!check.valid);
    }
}
