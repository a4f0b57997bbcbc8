//! The books store: metadata of uploaded books, in memory.

use serde::Serialize;
use std::sync::Mutex;

/// One uploaded book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Book {
    pub bucket: String,
    pub key: String,
    /// The title, from the key: file name without extension, `-`/`_` as spaces.
    pub title: String,
    pub size: i64,
}

impl Book {
    pub fn new(bucket: String, key: String, size: i64) -> Self {
        let file = key.rsplit('/').next().unwrap_or(&key);
        let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        let title = stem.replace(['-', '_'], " ");
        Book {
            bucket,
            key,
            title,
            size,
        }
    }
}

/// The store, shared by all invocations of the process.
#[derive(Debug, Default)]
pub struct Books {
    books: Mutex<Vec<Book>>,
}

impl Books {
    pub fn insert(&self, book: Book) {
        let mut books = self.books.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        books.retain(|known| !(known.bucket == book.bucket && known.key == book.key));
        books.push(book);
    }

    pub fn len(&self) -> usize {
        self.books
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }
}

/// S3 event keys are URL-encoded, with `+` for spaces.
pub fn decode_s3_key(key: &str) -> String {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(high), Some(low)) => {
                        out.push((high * 16 + low) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_url_decoded() {
        assert_eq!(
            decode_s3_key("books/War+and+Peace.epub"),
            "books/War and Peace.epub"
        );
        assert_eq!(decode_s3_key("caf%C3%A9.pdf"), "café.pdf");
        assert_eq!(decode_s3_key("100%"), "100%");
        assert_eq!(decode_s3_key("bad%zzx"), "bad%zzx");
        assert_eq!(decode_s3_key("a%+1b"), "a% 1b", "no hex after %: kept as is");
        assert_eq!(decode_s3_key("end%41"), "endA");
    }

    #[test]
    fn titles_come_from_file_names() {
        let book = Book::new("b".into(), "uploads/the-time_machine.epub".into(), 1);
        assert_eq!(book.title, "the time machine");
    }

    #[test]
    fn the_same_key_is_recorded_once() {
        let books = Books::default();
        books.insert(Book::new("b".into(), "k.pdf".into(), 1));
        books.insert(Book::new("b".into(), "k.pdf".into(), 2));
        assert_eq!(books.len(), 1);
    }
}
