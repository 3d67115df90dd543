//! The journal (option `journal_path`): a SQLite file where a client records each step of
//! every sale and refund — the create before it is sent, the id when it is answered, each
//! state it reads, the final state and payment — so that a POS that crashed, was killed or
//! lost power mid-sale learns in its next process, through `mp_recover`, what became of it.
//!
//! Durability: WAL mode with `synchronous=FULL`, so every committed step is on disk (the WAL
//! is synced at each commit) before the call that depends on it goes on; NORMAL would keep
//! a step through a crash of the process but not through a power cut, which is the case a
//! till most needs. Several threads share one connection behind a mutex; several processes
//! share the file through SQLite's own locking (waiting up to `BUSY_TIMEOUT` for each other),
//! and each process's sales are told apart by an owner token (see `owner`).

mod owner;
mod schema;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, Row};
use serde_json::Value;

use crate::config::Api;
use crate::error::{Error, Result};
use crate::model::IntentState;
use crate::sale::{Kind, Snapshot};

use owner::Owner;

/// How long a process waits for another that holds the journal's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One sale or refund as the journal knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalEntry {
    pub idempotency_key: String,
    pub kind: Kind,
    pub api: Api,
    pub device_id: String,
    /// Minor units (`None`: a whole refund).
    pub amount: Option<i64>,
    pub external_reference: Option<String>,
    /// The intent, order or refund id, once the service answered the create.
    pub object_id: Option<String>,
    /// The last state read (`Unknown` before any).
    pub state: IntentState,
    /// The sale's normalised `payment` object once final (`None` if it has none).
    pub payment: Option<Value>,
    /// How `mp_recover` resolved it (`finished`, `canceled`, `never_created`, `pending`).
    pub resolution: Option<String>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// When a final state was recorded; `None` while unfinished.
    pub final_at_ms: Option<i64>,
    /// Whether the process that followed it still runs (it is not recovered then).
    pub owner_alive: bool,
    pub(crate) request: String,
    pub(crate) owner: String,
}

/// A create about to be sent, as `Journal::before_create` records it.
pub(crate) struct Intended<'a> {
    pub key: &'a str,
    pub kind: Kind,
    pub api: Api,
    pub device_id: &'a str,
    /// Minor units (`None`: a whole refund).
    pub amount: Option<i64>,
    pub external_reference: Option<&'a str>,
    /// The request as the journal keeps it (JSON), to be sent again by recovery.
    pub request: &'a str,
}

pub(crate) struct Journal {
    conn: Mutex<Connection>,
    owners: PathBuf,
    owner: Owner,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::journal(format!("journal: {what}: {e}"))
}

const COLUMNS: &str = "idempotency_key, kind, api, device_id, amount, external_reference, \
    object_id, state, payment, resolution, created_at, updated_at, final_at, request, owner";

impl Journal {
    /// Opens (creating if missing) the journal at `path`, brings its schema up to date, drops
    /// final entries older than `retention`, and takes this client's owner token.
    pub(crate) fn open(path: &str, retention: Duration) -> Result<Journal> {
        let mut conn =
            Connection::open(path).map_err(|e| failed(&format!("opening {path:?}"), e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| failed("setting its busy timeout", e))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| failed(&format!("{path:?} is not a journal"), e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::journal(format!(
                "journal: {path:?} cannot use write-ahead logging (mode {mode})"
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| failed("setting synchronous=FULL", e))?;
        schema::migrate(&mut conn)
            .map_err(|e| failed(&format!("{path:?} is not a journal"), e))?
            .map_err(Error::journal)?;
        let cutoff = now_ms() - i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
        conn.execute(
            "DELETE FROM sales WHERE final_at IS NOT NULL AND final_at < ?1",
            params![cutoff],
        )
        .map_err(|e| failed("dropping old entries", e))?;
        let owners = owner::folder_of(std::path::Path::new(path));
        let owner = Owner::take(&owners)?;
        Ok(Journal {
            conn: Mutex::new(conn),
            owners,
            owner,
        })
    }

    fn with<T>(&self, what: &str, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn).map_err(|e| failed(what, e))
    }

    /// Records a create before it is sent. The same key again (a create resent after an
    /// unknown outcome) keeps its entry and passes it to this client.
    pub(crate) fn before_create(&self, create: &Intended<'_>) -> Result<()> {
        let now = now_ms();
        self.with("recording a create", |c| {
            c.execute(
                "INSERT INTO sales (idempotency_key, kind, api, device_id, amount, \
                 external_reference, request, owner, state, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'UNKNOWN', ?9, ?9) \
                 ON CONFLICT (idempotency_key) DO UPDATE SET owner = excluded.owner, \
                 updated_at = excluded.updated_at",
                params![
                    create.key,
                    create.kind.as_str(),
                    create.api.as_str(),
                    create.device_id,
                    create.amount,
                    create.external_reference,
                    create.request,
                    self.owner.token,
                    now
                ],
            )
            .map(drop)
        })
    }

    /// Records the id and state of what a create made (or a resend found).
    pub(crate) fn created(&self, key: &str, snapshot: &Snapshot) -> Result<()> {
        let id = snapshot.id();
        self.record(Some(key), None, &id, snapshot)
    }

    /// Records that a create was refused or never left: nothing exists to follow.
    pub(crate) fn never_created(&self, key: &str) -> Result<()> {
        let now = now_ms();
        self.with("recording a refused create", |c| {
            c.execute(
                "UPDATE sales SET final_at = ?2, updated_at = ?2, resolution = 'never_created' \
                 WHERE idempotency_key = ?1 AND object_id IS NULL",
                params![key, now],
            )
            .map(drop)
        })
    }

    /// Records a state read of a journaled sale or refund (nothing for one it does not hold).
    pub(crate) fn seen(&self, kind: Kind, snapshot: &Snapshot) -> Result<()> {
        let id = snapshot.id();
        self.record(None, Some(kind), &id, snapshot)
    }

    fn record(
        &self,
        key: Option<&str>,
        kind: Option<Kind>,
        id: &str,
        snapshot: &Snapshot,
    ) -> Result<()> {
        let state = snapshot.state();
        let now = now_ms();
        let payment = if state.is_final() {
            snapshot.field("payment")
        } else {
            None
        };
        let final_at = state.is_final().then_some(now);
        self.with("recording a state", |c| match key {
            Some(key) => c
                .execute(
                    "UPDATE sales SET object_id = ?2, state = ?3, payment = ?4, updated_at = ?5, \
                     final_at = COALESCE(final_at, ?6) WHERE idempotency_key = ?1",
                    params![key, id, state.as_str(), payment, now, final_at],
                )
                .map(drop),
            None => c
                .execute(
                    "UPDATE sales SET state = ?3, payment = COALESCE(?4, payment), updated_at = ?5, \
                     final_at = COALESCE(final_at, ?6) \
                     WHERE object_id = ?1 AND kind = ?2 AND (state != ?3 OR final_at IS NULL AND ?6 IS NOT NULL)",
                    params![id, kind.unwrap_or(Kind::Sale).as_str(), state.as_str(), payment, now, final_at],
                )
                .map(drop),
        })
    }

    /// Records how recovery settled an entry.
    pub(crate) fn resolve(
        &self,
        key: &str,
        state: IntentState,
        payment: Option<&str>,
        resolution: &str,
    ) -> Result<()> {
        let now = now_ms();
        let final_at = (resolution != "pending").then_some(now);
        self.with("recording a recovery", |c| {
            c.execute(
                "UPDATE sales SET state = ?2, payment = COALESCE(?3, payment), resolution = ?4, \
                 updated_at = ?5, final_at = COALESCE(final_at, ?6) WHERE idempotency_key = ?1",
                params![key, state.as_str(), payment, resolution, now, final_at],
            )
            .map(drop)
        })
    }

    /// Every entry, newest first.
    pub(crate) fn entries(&self) -> Result<Vec<JournalEntry>> {
        let rows = self.with("reading entries", all_rows)?;
        Ok(with_owners(rows, &self.owners))
    }

    /// The entries of processes that have ended: those still unfinished, and those created
    /// within `window` (a POS may have died before recording their outcome).
    pub(crate) fn of_ended_processes(&self, window: Duration) -> Result<Vec<JournalEntry>> {
        let since = now_ms() - i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        Ok(self
            .entries()?
            .into_iter()
            .filter(|e| !e.owner_alive && (e.final_at_ms.is_none() || e.created_at_ms >= since))
            .rev()
            .collect())
    }

    /// One entry by key.
    #[cfg(test)]
    pub(crate) fn entry(&self, key: &str) -> Result<Option<JournalEntry>> {
        use rusqlite::OptionalExtension;
        self.with("reading an entry", |c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM sales WHERE idempotency_key = ?1"),
                params![key],
                entry_of,
            )
            .optional()
        })
    }

    /// Removes the owner files of ended processes whose entries are all settled.
    pub(crate) fn forget_settled_owners(&self) -> Result<()> {
        let open: Vec<String> = self.with("reading owners", |c| {
            let mut statement =
                c.prepare("SELECT DISTINCT owner FROM sales WHERE final_at IS NULL")?;
            let rows = statement
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>();
            rows
        })?;
        if let Ok(files) = std::fs::read_dir(&self.owners) {
            for file in files.flatten() {
                let token = file.file_name().to_string_lossy().into_owned();
                if token != self.owner.token && !open.contains(&token) {
                    owner::forget(&self.owners, &token);
                }
            }
        }
        Ok(())
    }
}

/// Every entry of the journal at `path`, newest first, read without changing the file: no
/// migration, no retention, no owner of its own. What a support tool lists while a POS may be
/// using the journal (opening it as a client would drop entries older than the client's
/// retention, which may be shorter than the POS's).
pub fn read_entries(path: &str) -> Result<Vec<JournalEntry>> {
    if !std::path::Path::new(path).is_file() {
        return Err(Error::journal(format!(
            "journal: there is no journal at {path:?}"
        )));
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| failed(&format!("opening {path:?}"), e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| failed("setting its busy timeout", e))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| failed(&format!("{path:?} is not a journal"), e))?;
    if version != schema::VERSION {
        return Err(Error::journal(format!(
            "journal: {path:?} has schema version {version}, not this library's {}: {}",
            schema::VERSION,
            if version > schema::VERSION {
                "read it with the library that wrote it"
            } else {
                "it is not a journal, or one no client has opened yet"
            }
        )));
    }
    let rows = all_rows(&conn).map_err(|e| failed("reading entries", e))?;
    Ok(with_owners(
        rows,
        &owner::folder_of(std::path::Path::new(path)),
    ))
}

fn all_rows(conn: &Connection) -> rusqlite::Result<Vec<JournalEntry>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM sales ORDER BY created_at DESC, idempotency_key"
    ))?;
    let rows = statement
        .query_map([], entry_of)?
        .collect::<rusqlite::Result<Vec<_>>>();
    rows
}

/// The rows with `owner_alive` filled in from the owner files of `owners`.
fn with_owners(rows: Vec<JournalEntry>, owners: &std::path::Path) -> Vec<JournalEntry> {
    rows.into_iter()
        .map(|mut e| {
            e.owner_alive = owner::is_alive(owners, &e.owner);
            e
        })
        .collect()
}

fn entry_of(row: &Row<'_>) -> rusqlite::Result<JournalEntry> {
    let kind: String = row.get(1)?;
    let api: String = row.get(2)?;
    let state: String = row.get(7)?;
    let payment: Option<String> = row.get(8)?;
    Ok(JournalEntry {
        idempotency_key: row.get(0)?,
        // A value this version does not know reads as the defaults: a sale, the Point
        // Integration API.
        kind: Kind::parse(&kind).unwrap_or(Kind::Sale),
        api: Api::parse(&api).unwrap_or(Api::Integration),
        device_id: row.get(3)?,
        amount: row.get(4)?,
        external_reference: row.get(5)?,
        object_id: row.get(6)?,
        state: IntentState::from_api(&state),
        payment: payment.and_then(|p| serde_json::from_str(&p).ok()),
        resolution: row.get(9)?,
        created_at_ms: row.get(10)?,
        updated_at_ms: row.get(11)?,
        final_at_ms: row.get(12)?,
        request: row.get(13)?,
        owner: row.get(14)?,
        owner_alive: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path() -> String {
        std::env::temp_dir()
            .join(format!("mppoint-journal-{}.db", uuid::Uuid::new_v4()))
            .to_string_lossy()
            .into_owned()
    }

    /// A create of `key` on terminal D1 with nothing else to record.
    fn intended(key: &str, kind: Kind, api: Api) -> Intended<'_> {
        Intended {
            key,
            kind,
            api,
            device_id: "D1",
            amount: Some(1),
            external_reference: None,
            request: "{}",
        }
    }

    fn snapshot(id: &str, state: &str) -> Snapshot {
        let json = serde_json::json!({"id": id, "state": state, "payment": {"id": "2", "state": "approved"}});
        Snapshot {
            state: IntentState::from_api(state),
            json: json.to_string(),
            http_status: 200,
            idempotency_key: None,
        }
    }

    #[test]
    fn a_sales_steps_are_recorded_and_an_ended_process_is_seen() {
        let path = temp_path();
        let journal = Journal::open(&path, Duration::from_secs(3600)).unwrap();
        journal
            .before_create(&Intended {
                amount: Some(1500),
                external_reference: Some("r"),
                ..intended("k1", Kind::Sale, Api::Integration)
            })
            .unwrap();
        let e = journal.entry("k1").unwrap().unwrap();
        assert_eq!(
            (e.state, e.object_id.clone(), e.final_at_ms),
            (IntentState::Unknown, None, None)
        );
        journal.created("k1", &snapshot("I1", "OPEN")).unwrap();
        journal
            .seen(Kind::Sale, &snapshot("I1", "ON_TERMINAL"))
            .unwrap();
        let e = journal.entry("k1").unwrap().unwrap();
        assert_eq!(
            (e.object_id.as_deref(), e.state),
            (Some("I1"), IntentState::OnTerminal)
        );
        journal
            .seen(Kind::Sale, &snapshot("I1", "FINISHED"))
            .unwrap();
        let e = journal.entry("k1").unwrap().unwrap();
        assert!(e.final_at_ms.is_some());
        assert_eq!(e.payment.unwrap()["state"], "approved");
        // While its client lives, nothing of it is another process's to recover.
        assert!(journal
            .of_ended_processes(Duration::from_secs(60))
            .unwrap()
            .is_empty());
        journal
            .before_create(&Intended {
                amount: None,
                ..intended("k2", Kind::Refund, Api::Orders)
            })
            .unwrap();
        drop(journal);
        let next = Journal::open(&path, Duration::from_secs(3600)).unwrap();
        let ended = next.of_ended_processes(Duration::from_secs(60)).unwrap();
        let keys: Vec<_> = ended.iter().map(|e| e.idempotency_key.as_str()).collect();
        assert_eq!(
            keys,
            ["k1", "k2"],
            "the final sale is recent, the refund unfinished"
        );
        assert_eq!(ended[1].api, Api::Orders);
        assert_eq!(ended[1].kind, Kind::Refund);
    }

    #[test]
    fn old_final_entries_are_dropped_and_a_newer_schema_is_refused() {
        let path = temp_path();
        let journal = Journal::open(&path, Duration::from_secs(3600)).unwrap();
        journal
            .before_create(&intended("old", Kind::Sale, Api::Integration))
            .unwrap();
        journal.created("old", &snapshot("I9", "FINISHED")).unwrap();
        journal
            .before_create(&intended("open", Kind::Sale, Api::Integration))
            .unwrap();
        drop(journal);
        std::thread::sleep(Duration::from_millis(20));
        let journal = Journal::open(&path, Duration::from_millis(1)).unwrap();
        assert!(
            journal.entry("old").unwrap().is_none(),
            "final and older than the retention"
        );
        assert!(
            journal.entry("open").unwrap().is_some(),
            "unfinished entries are never dropped"
        );
        drop(journal);
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Journal::open(&path, Duration::from_secs(1)).err().unwrap();
        assert!(err.message().contains("version 99"), "{}", err.message());
        assert!(Journal::open("/nonexistent/dir/j.db", Duration::from_secs(1)).is_err());
    }
}
