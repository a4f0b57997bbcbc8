//! The books store: metadata of uploaded books in an embedded SQLite database.

use rusqlite::{Connection, OptionalExtension, params};
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

/// The store failed: the database could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
#[error("books database: {0}")]
pub struct StoreError(#[from] rusqlite::Error);

/// The store: one SQLite connection, shared by all invocations of the process (a Lambda
/// execution environment runs one invocation at a time unless told otherwise; the mutex
/// serializes the rest).
#[derive(Debug)]
pub struct Books {
    connection: Mutex<Connection>,
}

impl Books {
    /// Opens (creating if need be) the database at `path`; `:memory:` for one in memory.
    pub fn open(path: &str) -> Result<Self, StoreError> {
        let connection = Connection::open(path)?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS books (
                bucket TEXT NOT NULL,
                key    TEXT NOT NULL,
                title  TEXT NOT NULL,
                size   INTEGER NOT NULL,
                PRIMARY KEY (bucket, key)
            )",
        )?;
        Ok(Books {
            connection: Mutex::new(connection),
        })
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent: keep serving.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records `book`, replacing an earlier upload of the same key.
    pub fn insert(&self, book: &Book) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT OR REPLACE INTO books (bucket, key, title, size) VALUES (?1, ?2, ?3, ?4)",
            params![book.bucket, book.key, book.title, book.size],
        )?;
        Ok(())
    }

    /// Forgets the book at `bucket`/`key`; whether there was one.
    pub fn remove(&self, bucket: &str, key: &str) -> Result<bool, StoreError> {
        let removed = self.connection().execute(
            "DELETE FROM books WHERE bucket = ?1 AND key = ?2",
            params![bucket, key],
        )?;
        Ok(removed > 0)
    }

    /// The book at `bucket`/`key`, if recorded.
    pub fn get(&self, bucket: &str, key: &str) -> Result<Option<Book>, StoreError> {
        let book = self
            .connection()
            .query_row(
                "SELECT bucket, key, title, size FROM books WHERE bucket = ?1 AND key = ?2",
                params![bucket, key],
                |row| {
                    Ok(Book {
                        bucket: row.get(0)?,
                        key: row.get(1)?,
                        title: row.get(2)?,
                        size: row.get(3)?,
                    })
                },
            )
            .optional()?;
        Ok(book)
    }

    /// How many books are recorded.
    pub fn count(&self) -> Result<usize, StoreError> {
        let count: i64 = self
            .connection()
            .query_row("SELECT COUNT(*) FROM books", [], |row| row.get(0))?;
        Ok(usize::try_from(count).unwrap_or(0))
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
    fn the_same_key_is_recorded_once_and_removed() {
        let books = Books::open(":memory:").unwrap();
        books.insert(&Book::new("b".into(), "k.pdf".into(), 1)).unwrap();
        books.insert(&Book::new("b".into(), "k.pdf".into(), 2)).unwrap();
        assert_eq!(books.count().unwrap(), 1);
        assert_eq!(books.get("b", "k.pdf").unwrap().unwrap().size, 2);
        assert!(books.remove("b", "k.pdf").unwrap());
        assert!(!books.remove("b", "k.pdf").unwrap(), "already gone");
        assert_eq!(books.get("b", "k.pdf").unwrap(), None);
    }

    #[test]
    fn the_database_survives_reopening() {
        let path = std::env::temp_dir().join(format!("books-{}.sqlite3", std::process::id()));
        let path = path.to_str().unwrap();
        Books::open(path)
            .unwrap()
            .insert(&Book::new("b".into(), "k.pdf".into(), 1))
            .unwrap();
        assert_eq!(Books::open(path).unwrap().count().unwrap(), 1);
        std::fs::remove_file(path).unwrap();
    }
}
