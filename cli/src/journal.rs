//! The batch journal: a JSON Lines file where every start is recorded —
//! written and synced to disk before the start is sent, and again once its
//! answer is known — so a rerun after a crash knows, for every item, whether
//! it never started, started, or may have started.
//!
//! Items are named by a key derived from the batch id and the item's
//! content (and its occurrence, for repeated lines); on the runs API that key
//! is also the run's idempotency key.

use std::{
    collections::HashMap,
    fs::{File, OpenOptions},
    io::{Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
    sync::Mutex,
};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::exit::CliError;

/// The journal format's version.
const VERSION: u32 = 1;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "event",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Record {
    /// The first line: which target and batch this journal belongs to.
    Batch {
        /// The format version.
        version: u32,
        /// The target's name.
        target: String,
        /// The batch id (part of every key).
        batch_id: String,
    },
    /// The start of this item is about to be sent.
    Starting {
        /// The item's key.
        key: String,
        /// Its line in the input.
        line: u64,
    },
    /// It started.
    Started {
        /// The item's key.
        key: String,
        /// Its line in the input.
        line: u64,
        /// The run's id, when the platform gave one.
        run_id: Option<String>,
    },
    /// The start was sent and its outcome is unknown.
    Ambiguous {
        /// The item's key.
        key: String,
        /// Its line in the input.
        line: u64,
        /// What happened.
        error: String,
    },
    /// The start was refused: nothing started.
    Refused {
        /// The item's key.
        key: String,
        /// Its line in the input.
        line: u64,
        /// Why.
        error: String,
    },
    /// The run ended (with `--wait`).
    Finished {
        /// The item's key.
        key: String,
        /// Its line in the input.
        line: u64,
        /// The run's id.
        run_id: Option<String>,
        /// Its terminal status.
        status: String,
    },
}

impl Record {
    fn key(&self) -> Option<&str> {
        match self {
            Self::Batch { .. } => None,
            Self::Starting { key, .. }
            | Self::Started { key, .. }
            | Self::Ambiguous { key, .. }
            | Self::Refused { key, .. }
            | Self::Finished { key, .. } => Some(key),
        }
    }
}

/// What the journal says about an item: its last record.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemState {
    /// Never sent, or refused: safe to start.
    New,
    /// Sent, outcome unknown (a `starting` record without an answer, or an
    /// `ambiguous` one).
    MaybeStarted,
    /// Started.
    Started {
        /// Its run id.
        run_id: Option<String>,
    },
    /// Ended.
    Finished {
        /// Its run id.
        run_id: Option<String>,
        /// Its status.
        status: String,
    },
}

/// An open journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    batch_id: String,
    states: HashMap<String, ItemState>,
    unreadable: usize,
}

impl Journal {
    /// Opens (or creates) the journal at `path` for `target`. An existing
    /// journal must belong to the same target (and batch id, when one is
    /// given); lines that do not parse — a write cut short by a crash — are
    /// skipped: each start was recorded before it was sent.
    pub fn open(path: &Path, target: &str, batch_id: Option<&str>) -> Result<Self, CliError> {
        let io = |e: std::io::Error| {
            CliError::usage(format!("cannot use the journal {}: {e}", path.display()))
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io)?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(io)?;
        let mut header = None;
        let mut states = HashMap::new();
        let mut unreadable = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(record) = serde_json::from_str::<Record>(line) else {
                unreadable += 1;
                continue;
            };
            if let Record::Batch { .. } = record {
                header.get_or_insert(record);
                continue;
            }
            let Some(key) = record.key().map(str::to_owned) else {
                continue;
            };
            let state = match record {
                Record::Starting { .. } | Record::Ambiguous { .. } => ItemState::MaybeStarted,
                Record::Refused { .. } => ItemState::New,
                Record::Started { run_id, .. } => ItemState::Started { run_id },
                Record::Finished { run_id, status, .. } => ItemState::Finished { run_id, status },
                Record::Batch { .. } => continue,
            };
            states.insert(key, state);
        }
        let batch_id = match header {
            Some(Record::Batch {
                target: recorded,
                batch_id: recorded_id,
                version,
            }) => {
                if version != VERSION {
                    return Err(CliError::usage(format!(
                        "the journal {} has format version {version}, this trigger writes {VERSION}",
                        path.display()
                    )));
                }
                if recorded != target {
                    return Err(CliError::usage(format!(
                        "the journal {} belongs to target {recorded:?}, not {target:?}",
                        path.display()
                    )));
                }
                if let Some(given) = batch_id
                    && given != recorded_id
                {
                    return Err(CliError::usage(format!(
                        "the journal {} is of batch {recorded_id:?}, not {given:?}",
                        path.display()
                    )));
                }
                recorded_id
            }
            _ if !states.is_empty() => {
                return Err(CliError::usage(format!(
                    "the journal {} has no batch line: it is not a trigger journal",
                    path.display()
                )));
            }
            _ => batch_id
                .map(str::to_owned)
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
        };
        // A line cut short by a crash ends without a newline: end it, so
        // the next record starts on a line of its own.
        if !text.is_empty() && !text.ends_with('\n') {
            file.seek(SeekFrom::End(0)).map_err(io)?;
            file.write_all(b"\n").map_err(io)?;
        }
        let journal = Self {
            path: path.to_owned(),
            file: Mutex::new(file),
            batch_id,
            states,
            unreadable,
        };
        if text.trim().is_empty() {
            journal.record(&Record::Batch {
                version: VERSION,
                target: target.to_owned(),
                batch_id: journal.batch_id.clone(),
            })?;
        }
        Ok(journal)
    }

    /// The batch id.
    pub fn batch_id(&self) -> &str {
        &self.batch_id
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many lines could not be read.
    pub fn unreadable(&self) -> usize {
        self.unreadable
    }

    /// What the journal said about `key` when it was opened.
    pub fn state(&self, key: &str) -> ItemState {
        self.states.get(key).cloned().unwrap_or(ItemState::New)
    }

    /// Appends `record` and syncs it to disk before returning.
    pub fn record(&self, record: &Record) -> Result<(), CliError> {
        let mut line = serde_json::to_string(record).map_err(|e| {
            CliError::usage(format!(
                "cannot write the journal {}: {e}",
                self.path.display()
            ))
        })?;
        line.push('\n');
        let mut file = self
            .file
            .lock()
            .map_err(|_| CliError::usage("the journal lock was poisoned"))?;
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| {
                CliError::usage(format!(
                    "cannot write the journal {}: {e}",
                    self.path.display()
                ))
            })
    }
}

/// The key of an item: the batch id, a digest of the item's JSON (compact,
/// so spacing does not matter) and its occurrence among identical items.
pub fn item_key(batch_id: &str, item: &Value, occurrence: u32) -> String {
    let digest = Sha256::digest(item.to_string().as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{batch_id}-{hex}-{occurrence}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("trigger-cli-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        let _ = std::fs::remove_file(&path);
        path
    }

    #[test]
    fn keys_follow_content_not_spacing() {
        let a = item_key("b1", &json!({"x": 1, "y": [1, 2]}), 1);
        let b = item_key(
            "b1",
            &serde_json::from_str(r#"{ "x":1,  "y":[1,2] }"#).unwrap(),
            1,
        );
        assert_eq!(a, b);
        assert_ne!(a, item_key("b1", &json!({"x": 2, "y": [1, 2]}), 1));
        assert_ne!(a, item_key("b1", &json!({"x": 1, "y": [1, 2]}), 2));
        assert_ne!(a, item_key("b2", &json!({"x": 1, "y": [1, 2]}), 1));
    }

    #[test]
    fn states_survive_a_torn_last_line() {
        let path = temp("torn.jsonl");
        {
            let journal = Journal::open(&path, "t", Some("b")).expect("opens");
            for (key, record) in [
                (
                    "k1",
                    Record::Starting {
                        key: "k1".into(),
                        line: 1,
                    },
                ),
                (
                    "k1",
                    Record::Started {
                        key: "k1".into(),
                        line: 1,
                        run_id: Some("r1".into()),
                    },
                ),
                (
                    "k2",
                    Record::Starting {
                        key: "k2".into(),
                        line: 2,
                    },
                ),
                (
                    "k3",
                    Record::Starting {
                        key: "k3".into(),
                        line: 3,
                    },
                ),
                (
                    "k3",
                    Record::Refused {
                        key: "k3".into(),
                        line: 3,
                        error: "400".into(),
                    },
                ),
            ] {
                assert_eq!(record.key(), Some(key));
                journal.record(&record).expect("records");
            }
        }
        // A crash in the middle of a write.
        let mut file = OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("appends");
        file.write_all(br#"{"event":"started","key":"k2","li"#)
            .expect("writes");
        drop(file);

        let journal = Journal::open(&path, "t", None).expect("reopens");
        assert_eq!(journal.batch_id(), "b");
        assert_eq!(journal.unreadable(), 1);
        assert_eq!(
            journal.state("k1"),
            ItemState::Started {
                run_id: Some("r1".into())
            }
        );
        assert_eq!(journal.state("k2"), ItemState::MaybeStarted);
        assert_eq!(journal.state("k3"), ItemState::New);
        assert_eq!(journal.state("k4"), ItemState::New);
        journal
            .record(&Record::Started {
                key: "k2".into(),
                line: 2,
                run_id: None,
            })
            .expect("records");
        drop(journal);
        let journal = Journal::open(&path, "t", None).expect("reopens");
        assert_eq!(journal.state("k2"), ItemState::Started { run_id: None });

        for (target, batch, expected) in [
            ("other", None, "belongs to target"),
            ("t", Some("c"), "of batch"),
        ] {
            let Err(error) = Journal::open(&path, target, batch) else {
                panic!("a journal of another target or batch is refused");
            };
            assert!(error.to_string().contains(expected), "{error}");
        }
        if let Some(dir) = path.parent() {
            std::fs::remove_dir_all(dir).ok();
        }
    }
}
