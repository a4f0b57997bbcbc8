//! A byte scanner over JSON text: reads only what it is asked to, skips the rest fast, and
//! checks nothing it skips.
//!
//! Strings are skipped with `memchr` (one scan for the closing quote, whatever their length)
//! and borrowed from the input unless they hold escapes; numbers and literals are skipped
//! without being read; nested values are skipped by counting brackets, without recursion,
//! whatever their depth. The marker reader ([`crate::probe`]) and the batch splitter
//! ([`crate::batch`]) read with it; whatever they take from it as JSON is checked by a
//! decoder or by the JSON checker afterwards.

use std::borrow::Cow;

/// Why the scanner stopped before the end of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Halt {
    /// The reader has what it needs (a decisive marker decided the kind): nothing after it
    /// is read.
    Decided,
    /// The text is not JSON at this byte offset.
    Malformed(usize),
}

// The scanner's small steps are marked `#[inline]`: the marker reader calls them a few times
// per key, and a call costs as much as the step.

/// Strings are read eight bytes at a time up to this long, then with `memchr`.
const SHORT_STRING: usize = 64;

/// The offset in `bytes` of the first `"` or `\\`, looking eight bytes at a time (in a
/// `u64`: a byte equal to the one sought becomes zero, and a zero byte is found by the borrow
/// it causes; the lowest such byte is always a true match).
#[inline]
fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let hits = zero_bytes(word ^ (ONES * u64::from(b'"'))) | zero_bytes(word ^ (ONES * u64::from(b'\\')));
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = &bytes[at..];
    rest.iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|found| at + found)
}

/// One step of reading.
pub(crate) type Step = Result<(), Halt>;

/// A cursor over JSON text that reads only what it is asked to, and skips the rest fast.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Scanner { text, pos: 0 }
    }

    /// The byte offset of the cursor.
    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The byte offset of the next value, after whitespace.
    #[inline]
    pub(crate) fn value_start(&mut self) -> usize {
        self.peek();
        self.pos
    }

    #[inline]
    fn malformed(&self) -> Halt {
        Halt::Malformed(self.pos)
    }

    /// The next byte after whitespace, which is skipped.
    #[inline]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(self.pos) {
            self.pos += 1;
        }
        bytes.get(self.pos).copied()
    }

    #[inline]
    fn expect(&mut self, byte: u8) -> Step {
        if self.peek() != Some(byte) {
            return Err(self.malformed());
        }
        self.pos += 1;
        Ok(())
    }

    /// The offset of the quote that closes the string whose text starts at `from`, and
    /// whether the string holds an escape.
    #[inline]
    fn string_end(&self, from: usize) -> Result<(usize, bool), Halt> {
        let bytes = self.text.as_bytes();
        let mut escaped = false;
        let mut at = from;
        loop {
            // Most strings (keys, markers, ids) are short: eight bytes at a time finds their
            // end before a `memchr` call would have set up; long ones (bodies) go to `memchr`.
            let near = (from + SHORT_STRING).min(bytes.len());
            at = match bytes.get(at..near).and_then(quote_or_backslash) {
                Some(found) => at + found,
                None => {
                    let start = at.max(near);
                    let found = memchr::memchr2(b'"', b'\\', bytes.get(start..).unwrap_or_default());
                    start + found.ok_or(Halt::Malformed(bytes.len()))?
                }
            };
            if bytes[at] == b'"' {
                return Ok((at, escaped));
            }
            // An escape: the byte after the backslash is never the closing quote.
            escaped = true;
            at += 2;
        }
    }

    /// The string at the cursor, borrowed unless it holds escapes; `None` if its escapes are
    /// no Unicode text (a lone surrogate), which names no marker.
    #[inline]
    pub(crate) fn string(&mut self) -> Result<Option<Cow<'a, str>>, Halt> {
        self.expect(b'"')?;
        let start = self.pos;
        let (end, escaped) = self.string_end(start)?;
        self.pos = end + 1;
        if !escaped {
            return Ok(Some(Cow::Borrowed(&self.text[start..end])));
        }
        // Rare: let serde_json unescape (with its quotes).
        Ok(serde_json::from_str::<String>(&self.text[start - 1..=end])
            .ok()
            .map(Cow::Owned))
    }

    /// A string value, or `None` for any other value (skipped).
    #[inline]
    pub(crate) fn maybe_str(&mut self) -> Result<Option<Cow<'a, str>>, Halt> {
        if self.peek() == Some(b'"') {
            self.string()
        } else {
            self.skip().map(|()| None)
        }
    }

    /// Skips one value of any kind and depth.
    #[inline]
    pub(crate) fn skip(&mut self) -> Step {
        match self.peek() {
            Some(b'"') => {
                self.pos = self.string_end(self.pos + 1)?.0 + 1;
                Ok(())
            }
            Some(b'{' | b'[') => self.skip_nested(),
            Some(_) => self.skip_scalar(),
            None => Err(self.malformed()),
        }
    }

    /// Skips an object or array by counting brackets outside strings: no recursion, so no
    /// depth is too deep.
    fn skip_nested(&mut self) -> Step {
        let bytes = self.text.as_bytes();
        let mut depth = 0_usize;
        let mut at = self.pos;
        while let Some(&byte) = bytes.get(at) {
            match byte {
                b'"' => {
                    at = self.string_end(at + 1)?.0;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.pos = at + 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            at += 1;
        }
        self.pos = at;
        Err(self.malformed())
    }

    /// The text of a number (or literal) value, or `None` for any other value (skipped).
    pub(crate) fn maybe_scalar(&mut self) -> Result<Option<&'a str>, Halt> {
        match self.peek() {
            Some(b'"' | b'{' | b'[') => self.skip().map(|()| None),
            _ => {
                let start = self.pos;
                self.skip_scalar()?;
                Ok(Some(&self.text[start..self.pos]))
            }
        }
    }

    /// Skips a number or a literal (`true`, `false`, `null`) without reading it.
    fn skip_scalar(&mut self) -> Step {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        while let Some(byte) = bytes.get(self.pos) {
            if matches!(
                byte,
                b',' | b'}' | b']' | b':' | b'"' | b' ' | b'\t' | b'\n' | b'\r'
            ) {
                break;
            }
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.malformed());
        }
        Ok(())
    }

    /// Reads the object at the cursor, one member at a time: `member` gets the key (`""` for
    /// a key that is no Unicode text) and reads or skips its value.
    pub(crate) fn object(&mut self, mut member: impl FnMut(&mut Self, &str) -> Step) -> Step {
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let key = self.string()?.unwrap_or_default();
            self.expect(b':')?;
            member(self, &key)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.malformed()),
            }
        }
    }

    /// Reads the array at the cursor, one element at a time, with its index.
    pub(crate) fn array(&mut self, mut element: impl FnMut(&mut Self, usize) -> Step) -> Step {
        self.expect(b'[')?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut index = 0;
        loop {
            element(self, index)?;
            index += 1;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.malformed()),
            }
        }
    }

    /// `T` read member by member from an object; any other value is skipped and gives the
    /// default.
    pub(crate) fn object_of<T: Default>(
        &mut self,
        mut member: impl FnMut(&mut T, &mut Self, &str) -> Step,
    ) -> Result<T, Halt> {
        let mut out = T::default();
        if self.peek() == Some(b'{') {
            self.object(|scanner, key| member(&mut out, scanner, key))?;
        } else {
            self.skip()?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings of every length around the word and window boundaries, with escapes (quotes,
    /// backslashes) at every position: the scanner ends each where serde_json does.
    #[test]
    fn strings_end_where_serde_says_whatever_their_length_and_escapes() {
        for length in 0..150 {
            for escape_at in [
                None,
                Some(0),
                Some(7),
                Some(8),
                Some(63),
                Some(64),
                Some(65),
                Some(length),
            ] {
                let mut text: String = "x".repeat(length);
                if let Some(at) = escape_at.filter(|&at| at <= length) {
                    text.insert_str(at, "\\\"\\\\");
                }
                let json = format!("\"{text}\",1");
                let mut scanner = Scanner::new(&json);
                let read = scanner.string().unwrap().unwrap();
                let expected: String = serde_json::Deserializer::from_str(&json)
                    .into_iter::<String>()
                    .next()
                    .unwrap()
                    .unwrap();
                assert_eq!(read, expected, "{json}");
                assert_eq!(&json[scanner.pos()..], ",1", "{json}");
            }
        }
    }
}
