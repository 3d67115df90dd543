//! The journal (option `journal_path`): a SQLite file where a client records each step of
//! every sale and refund — the create before it is sent, the id when it is answered, each
//! state it reads, the final state and payment — so that a POS that crashed, was killed or
//! lost power mid-sale learns in its next process, through `mp_recover`, what became of it.
//!
//! Durability: WAL mode. The two steps a sale cannot be recovered without are committed with
//! `synchronous=FULL` (the WAL synced before the call goes on): the create before it leaves
//! (without it a sale could exist that no journal knows) and the id of what it made (without
//! it recovery would depend on the service's 24-hour idempotency window to find the sale).
//! Every other step (states read, the final state, recovery's resolution, acknowledgements,
//! the purge) is committed with `synchronous=NORMAL`: it survives a crash of the process, and
//! after a power cut it is read again from the service by id; the next FULL commit syncs it
//! too. So a sale costs two fsyncs, not one per step.
//!
//! Cost: every question the library asks of the file is answered from an index (`schema`),
//! so recovery, a busy terminal's question and the retention purge read the rows they concern,
//! not the journal; the purge runs in bounded batches at open, and freed pages go back to the
//! file system (`auto_vacuum=INCREMENTAL`).
//!
//! Several threads share one connection behind a mutex; several processes share the file
//! through SQLite's own locking (waiting up to `BUSY_TIMEOUT` for each other), and each
//! process's sales are told apart by an owner token (see `owner`).

mod entry;
mod owner;
mod schema;

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection};

use crate::config::Api;
use crate::error::{Error, ErrorKind, Result};
use crate::model::IntentState;
use crate::sale::{Kind, Snapshot};

pub use entry::JournalEntry;
use entry::{entry_of, Owners, COLUMNS, COLUMNS_0_3};
use owner::Owner;
use schema::TICKET;

/// How long a process waits for another that holds the journal's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The retention purge at open deletes this many rows a batch, for at most `PURGE_BUDGET`
/// (each row touches every index: on a large file with random keys a row costs ~0.1 ms); each
/// sale's create then drops `PURGE_PER_SALE` more, so the purge keeps ahead of the sales and a
/// journal that has gathered years of old entries is emptied over its next sales and starts,
/// never stalling one.
const PURGE_BATCH: i64 = 100;
const PURGE_BUDGET: Duration = Duration::from_millis(15);
const PURGE_PER_SALE: i64 = 8;
/// Free pages handed back to the file system after a purge at open (4 KiB each).
const VACUUM_PAGES: u32 = 500;
/// A 0.3 journal up to this many pages is rewritten once to hand back free pages
/// (`VACUUM`, to turn `auto_vacuum` on); a larger one keeps reusing its free pages.
const CONVERT_PAGES: i64 = 25_600;

/// A create about to be sent, as `Journal::before_create` records it.
pub(crate) struct Intended<'a> {
    pub key: &'a str,
    pub kind: Kind,
    pub api: Api,
    pub device_id: &'a str,
    /// Minor units (`None`: a whole refund, whose amount the journal takes from its sale).
    pub amount: Option<i64>,
    pub external_reference: Option<&'a str>,
    /// A refund's refunded payment (the payment's number, or the sale's order id).
    pub payment_id: Option<&'a str>,
    /// The request as the journal keeps it (JSON), to be sent again by recovery.
    pub request: &'a str,
}

/// Why an acknowledgement was refused.
pub(crate) enum NotAcknowledged {
    Unknown,
    Unfinished,
}

pub(crate) struct Journal {
    conn: Mutex<Connection>,
    owners: PathBuf,
    owner: Owner,
    retention: Duration,
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::journal(format!("journal: {what}: {e}"))
}

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Journal {
    /// Opens (creating if missing) the journal at `path`, brings its schema up to date, drops
    /// a bounded batch of final entries older than `retention`, and takes this client's owner
    /// token.
    pub(crate) fn open(path: &str, retention: Duration) -> Result<Journal> {
        let mut conn =
            Connection::open(path).map_err(|e| failed(&format!("opening {path:?}"), e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| failed("setting its busy timeout", e))?;
        let fresh: i64 = conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .map_err(|e| failed(&format!("{path:?} is not a journal"), e))?;
        if fresh == 0 {
            // Only before the first table: free pages go back to the file system.
            conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")
                .map_err(|e| failed("setting auto_vacuum", e))?;
        }
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| failed(&format!("{path:?} is not a journal"), e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::journal(format!(
                "journal: {path:?} cannot use write-ahead logging (mode {mode})"
            )));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| failed("setting synchronous", e))?;
        let migrated = schema::migrate(&mut conn)
            .map_err(|e| failed(&format!("{path:?} is not a journal"), e))?
            .map_err(Error::journal)?;
        if migrated {
            convert_to_auto_vacuum(&conn);
        }
        let purged = purge(&conn, now_ms() - ms(retention), PURGE_BATCH, PURGE_BUDGET)
            .map_err(|e| failed("dropping old entries", e))?;
        if purged > 0 {
            conn.execute_batch(&format!("PRAGMA incremental_vacuum({VACUUM_PAGES})"))
                .map_err(|e| failed("handing back free pages", e))?;
        }
        let owners = owner::folder_of(std::path::Path::new(path));
        let owner = Owner::take(&owners)?;
        Ok(Journal {
            conn: Mutex::new(conn),
            owners,
            owner,
            retention,
        })
    }

    fn with<T>(&self, what: &str, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn).map_err(|e| failed(what, e))
    }

    /// `with`, committed with `synchronous=FULL`: on disk before the call goes on, through a
    /// power cut (see the module's durability note).
    fn durably<T>(
        &self,
        what: &str,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.with(what, |c| {
            c.pragma_update(None, "synchronous", "FULL")?;
            let done = f(c);
            c.pragma_update(None, "synchronous", "NORMAL")?;
            done
        })
    }

    /// Records a create before it is sent (durably). The same key again (a create resent
    /// after an unknown outcome) keeps its entry and passes it to this client. A refund takes
    /// its sale's ticket, reference and (when whole) amount from the sale's entry, if the
    /// journal has it.
    pub(crate) fn before_create(&self, create: &Intended<'_>) -> Result<()> {
        let now = now_ms();
        self.durably("recording a create", |c| {
            let sale: Option<(Option<String>, String, Option<i64>)> = match create.payment_id {
                Some(paid) => {
                    use rusqlite::OptionalExtension;
                    c.query_row(
                        "SELECT external_reference, COALESCE(external_reference, idempotency_key), \
                         amount FROM sales WHERE kind = 'sale' AND (object_id = ?1 OR payment_id = ?1) \
                         ORDER BY created_at DESC LIMIT 1",
                        params![paid],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?
                }
                None => None,
            };
            let (reference, ticket, amount) = match &sale {
                Some((reference, ticket, amount)) => (
                    create.external_reference.map(str::to_owned).or(reference.clone()),
                    Some(ticket.as_str()),
                    create.amount.or(*amount),
                ),
                None => (create.external_reference.map(str::to_owned), None, create.amount),
            };
            c.execute(
                "INSERT INTO sales (idempotency_key, kind, api, device_id, amount, \
                 external_reference, request, owner, state, created_at, updated_at, payment_id, \
                 ticket) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'UNKNOWN', ?9, ?9, ?10, ?11) \
                 ON CONFLICT (idempotency_key) DO UPDATE SET owner = excluded.owner, \
                 updated_at = excluded.updated_at",
                params![
                    create.key,
                    create.kind.as_str(),
                    create.api.as_str(),
                    create.device_id,
                    amount,
                    reference,
                    create.request,
                    self.owner.token,
                    now,
                    create.payment_id,
                    ticket,
                ],
            )
            .map(drop)
        })
    }

    /// Records the id and state of what a create made (or a resend found), durably; then
    /// drops a few entries past the retention (not durably: they are dropped again if lost).
    pub(crate) fn created(&self, key: &str, snapshot: &Snapshot) -> Result<()> {
        self.record_created(key, snapshot)?;
        let cutoff = now_ms() - ms(self.retention);
        // Best effort: what is not dropped now is dropped later.
        let _ = self.with("dropping old entries", |c| {
            purge(c, cutoff, PURGE_PER_SALE, Duration::ZERO)
        });
        Ok(())
    }

    fn record_created(&self, key: &str, snapshot: &Snapshot) -> Result<()> {
        let id = snapshot.id();
        let state = snapshot.state();
        let payment = state
            .is_final()
            .then(|| snapshot.field("payment"))
            .flatten();
        let now = now_ms();
        let final_at = state.is_final().then_some(now);
        self.durably("recording a created sale", |c| {
            c.execute(
                "UPDATE sales SET object_id = ?2, state = ?3, payment = ?4, updated_at = ?5, \
                 final_at = COALESCE(final_at, ?6), \
                 payment_id = CASE WHEN kind = 'sale' THEN COALESCE(?7, payment_id) ELSE payment_id END, \
                 amount = CASE WHEN kind = 'refund' THEN COALESCE(?8, amount) ELSE amount END \
                 WHERE idempotency_key = ?1",
                params![
                    key,
                    id,
                    state.as_str(),
                    payment,
                    now,
                    final_at,
                    snapshot.field("payment.id"),
                    snapshot.amount()
                ],
            )
            .map(drop)
        })
    }

    /// Records how a create ended without making anything: `never_created` (it never left)
    /// or `refused` (the service said no). Nothing exists to follow.
    pub(crate) fn not_created(&self, key: &str, resolution: &str) -> Result<()> {
        let now = now_ms();
        self.with("recording a create that made nothing", |c| {
            c.execute(
                "UPDATE sales SET final_at = ?2, updated_at = ?2, resolution = ?3 \
                 WHERE idempotency_key = ?1 AND object_id IS NULL",
                params![key, now, resolution],
            )
            .map(drop)
        })
    }

    /// Records a state read of a journaled sale or refund (nothing for one it does not hold).
    pub(crate) fn seen(&self, kind: Kind, snapshot: &Snapshot) -> Result<()> {
        let id = snapshot.id();
        let state = snapshot.state();
        let now = now_ms();
        let payment = state
            .is_final()
            .then(|| snapshot.field("payment"))
            .flatten();
        let final_at = state.is_final().then_some(now);
        self.with("recording a state", |c| {
            c.execute(
                "UPDATE sales SET state = ?3, payment = COALESCE(?4, payment), updated_at = ?5, \
                 final_at = COALESCE(final_at, ?6), \
                 payment_id = CASE WHEN kind = 'sale' THEN COALESCE(?7, payment_id) ELSE payment_id END \
                 WHERE object_id = ?1 AND kind = ?2 \
                 AND (state != ?3 OR final_at IS NULL AND ?6 IS NOT NULL)",
                params![
                    id,
                    kind.as_str(),
                    state.as_str(),
                    payment,
                    now,
                    final_at,
                    snapshot.field("payment.id")
                ],
            )
            .map(drop)
        })
    }

    /// Records how recovery (or a terminal's clearing) settled an entry. The first settling
    /// wins: a second recovery running at once (another thread, another process, or one called
    /// from the first's callback) that reads the sale the first cancelled keeps `canceled`.
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
                 updated_at = ?5, final_at = COALESCE(final_at, ?6) WHERE idempotency_key = ?1 \
                 AND NOT (final_at IS NOT NULL AND COALESCE(resolution, 'pending') != 'pending')",
                params![key, state.as_str(), payment, resolution, now, final_at],
            )
            .map(drop)
        })
    }

    /// Marks a final entry as recorded by the POS: recovery no longer reports it. An
    /// unfinished one cannot be (recovery must still settle it).
    pub(crate) fn acknowledge(
        &self,
        key: &str,
    ) -> Result<std::result::Result<(), NotAcknowledged>> {
        let now = now_ms();
        self.with("recording an acknowledgement", |c| {
            let changed = c.execute(
                "UPDATE sales SET acknowledged_at = COALESCE(acknowledged_at, ?2) \
                 WHERE idempotency_key = ?1 AND final_at IS NOT NULL",
                params![key, now],
            )?;
            if changed > 0 {
                return Ok(Ok(()));
            }
            let exists: i64 = c.query_row(
                "SELECT COUNT(*) FROM sales WHERE idempotency_key = ?1",
                params![key],
                |r| r.get(0),
            )?;
            Ok(Err(if exists > 0 {
                NotAcknowledged::Unfinished
            } else {
                NotAcknowledged::Unknown
            }))
        })
    }

    /// What recovery reports, oldest first: the entries of ended processes still unfinished,
    /// and their final entries created within `window` that nobody acknowledged (a POS may have
    /// died before recording their outcome). Read through indexes: the cost follows these
    /// entries, not the journal's size; each owner's liveness is checked once.
    pub(crate) fn to_report(&self, window: Duration) -> Result<Vec<JournalEntry>> {
        let since = now_ms() - ms(window);
        let rows = self.select(
            "reading what to recover",
            &format!(
                "SELECT {COLUMNS} FROM sales WHERE final_at IS NULL \
                 UNION ALL \
                 SELECT {COLUMNS} FROM sales WHERE final_at IS NOT NULL \
                 AND acknowledged_at IS NULL AND created_at >= ?1 \
                 ORDER BY 11, 1"
            ),
            params![since],
        )?;
        Ok(rows
            .into_iter()
            .filter(|e| e.owner != self.owner.token && !e.owner_alive)
            .collect())
    }

    /// Every entry of a ticket (see `schema::TICKET`), oldest first, whatever its process and
    /// acknowledgement.
    pub(crate) fn of_ticket(&self, ticket: &str) -> Result<Vec<JournalEntry>> {
        self.select(
            "reading a ticket",
            &format!(
                "SELECT {COLUMNS} FROM sales WHERE {TICKET} = ?1 \
                 ORDER BY created_at, idempotency_key"
            ),
            params![ticket],
        )
    }

    /// The unfinished entries on a terminal, oldest first, of every process on this journal.
    pub(crate) fn unfinished_on(&self, device_id: &str) -> Result<Vec<JournalEntry>> {
        self.select(
            "reading a terminal's sales",
            &format!(
                "SELECT {COLUMNS} FROM sales WHERE device_id = ?1 AND final_at IS NULL \
                 ORDER BY created_at, idempotency_key"
            ),
            params![device_id],
        )
    }

    /// The entries a query of `COLUMNS` selects, each owner's liveness checked once.
    fn select(
        &self,
        what: &str,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<JournalEntry>> {
        let rows = self.with(what, |c| {
            let mut statement = c.prepare_cached(sql)?;
            let rows = statement
                .query_map(params, entry_of)?
                .collect::<rusqlite::Result<Vec<_>>>();
            rows
        })?;
        let mut owners = Owners::new(&self.owners);
        Ok(rows.into_iter().map(|e| owners.fill(e)).collect())
    }

    /// Every entry, newest first.
    pub(crate) fn entries(&self) -> Result<Vec<JournalEntry>> {
        let rows = self.with("reading entries", all_rows)?;
        let mut owners = Owners::new(&self.owners);
        Ok(rows.into_iter().map(|e| owners.fill(e)).collect())
    }

    /// One entry by key.
    pub(crate) fn entry(&self, key: &str) -> Result<Option<JournalEntry>> {
        use rusqlite::OptionalExtension;
        let row = self.with("reading an entry", |c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM sales WHERE idempotency_key = ?1"),
                params![key],
                entry_of,
            )
            .optional()
        })?;
        Ok(row.map(|e| Owners::new(&self.owners).fill(e)))
    }

    /// Removes the owner files of ended processes whose entries are all settled.
    pub(crate) fn forget_settled_owners(&self) -> Result<()> {
        let open: std::collections::HashSet<String> = self.with("reading owners", |c| {
            let mut statement =
                c.prepare_cached("SELECT DISTINCT owner FROM sales WHERE final_at IS NULL")?;
            let rows = statement
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>();
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

/// Deletes final entries older than `cutoff` (Unix ms), `batch` rows at a time, while
/// `budget` lasts (one batch when it is zero). How many it deleted.
fn purge(conn: &Connection, cutoff: i64, batch: i64, budget: Duration) -> rusqlite::Result<usize> {
    let started = Instant::now();
    let mut deleted = 0;
    loop {
        let n = conn.execute(
            "DELETE FROM sales WHERE rowid IN (SELECT rowid FROM sales \
             WHERE final_at IS NOT NULL AND final_at < ?1 LIMIT ?2)",
            params![cutoff, batch],
        )?;
        deleted += n;
        if i64::try_from(n).unwrap_or(i64::MAX) < batch || started.elapsed() >= budget {
            return Ok(deleted);
        }
    }
}

/// A journal made by 0.3 has no `auto_vacuum`: turned on (which rewrites the file) when the
/// file is small enough for that to be quick; a larger one reuses its free pages.
fn convert_to_auto_vacuum(conn: &Connection) {
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap_or(i64::MAX);
    if pages <= CONVERT_PAGES {
        // Best effort: a journal without it works the same.
        let _ = conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;");
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
    // A journal only 0.3 has opened lacks 0.4's columns: they read as NULL.
    let added = schema::has_column(&conn, schema::ADDED_0_4)
        .map_err(|e| failed(&format!("{path:?} is not a journal"), e))?;
    let columns = if added { COLUMNS } else { COLUMNS_0_3 };
    let rows = (|| {
        let mut statement = conn.prepare(&format!(
            "SELECT {columns} FROM sales ORDER BY created_at DESC, idempotency_key"
        ))?;
        let rows = statement
            .query_map([], entry_of)?
            .collect::<rusqlite::Result<Vec<_>>>();
        rows
    })()
    .map_err(|e| failed("reading entries", e))?;
    let folder = owner::folder_of(std::path::Path::new(path));
    let mut owners = Owners::new(&folder);
    Ok(rows.into_iter().map(|e| owners.fill(e)).collect())
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

impl From<NotAcknowledged> for Error {
    fn from(why: NotAcknowledged) -> Error {
        match why {
            NotAcknowledged::Unknown => Error::new(
                ErrorKind::NotFound,
                "journal: no entry has that idempotency key",
            ),
            NotAcknowledged::Unfinished => Error::invalid(
                "journal: that entry is not settled yet (still pending): it cannot be \
                 acknowledged until mp_recover or a wait has seen its final state",
            ),
        }
    }
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
            payment_id: None,
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
            .to_report(Duration::from_secs(60))
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
        let ended = next.to_report(Duration::from_secs(60)).unwrap();
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
    fn a_journal_of_0_3_is_added_to_and_stays_openable_by_0_3() {
        let path = temp_path();
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(schema::MIGRATIONS_FOR_TESTS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO sales (idempotency_key, kind, api, device_id, amount, request, owner, \
             object_id, state, payment, created_at, updated_at, final_at) VALUES ('k03', \
             'sale', 'integration', 'D1', 1500, '{}', 'gone', 'I1', 'FINISHED', \
             '{\"id\":\"2001\",\"state\":\"approved\"}', ?1, ?1, ?1)",
            params![now_ms()],
        )
        .unwrap();
        drop(conn);
        // The support tool reads it as 0.3 left it, without changing it.
        let listed = read_entries(&path).unwrap();
        assert_eq!(
            listed[0].payment_id.as_deref(),
            Some("2001"),
            "read from the payment"
        );
        assert_eq!(listed[0].ticket, "k03");
        let journal = Journal::open(&path, Duration::from_secs(3650 * 86400)).unwrap();
        assert_eq!(
            journal.entry("k03").unwrap().unwrap().acknowledged_at_ms,
            None
        );
        journal.acknowledge("k03").unwrap().ok().unwrap();
        drop(journal);
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 1, "0.3 refuses any other version");
        assert!(schema::has_column(&conn, "acknowledged_at").unwrap());
        // What 0.3 selects and writes still works.
        conn.execute(
            "INSERT INTO sales (idempotency_key, kind, api, device_id, amount, request, owner, \
             state, created_at, updated_at) VALUES ('k2', 'sale', 'orders', 'D1', 100, '{}', \
             'o', 'UNKNOWN', 2, 2)",
            [],
        )
        .unwrap();
        drop(conn);
        assert_eq!(read_entries(&path).unwrap().len(), 2);
    }

    #[test]
    fn each_created_sale_drops_a_few_entries_past_the_retention() {
        let path = temp_path();
        let journal = Journal::open(&path, Duration::from_secs(3600)).unwrap();
        for i in 0..20 {
            let key = format!("old-{i}");
            journal
                .before_create(&intended(&key, Kind::Sale, Api::Integration))
                .unwrap();
            journal
                .created(&key, &snapshot(&format!("I{i}"), "FINISHED"))
                .unwrap();
        }
        journal
            .with("ageing", |c| c.execute("UPDATE sales SET final_at = 1", []))
            .unwrap();
        journal
            .before_create(&intended("new", Kind::Sale, Api::Integration))
            .unwrap();
        journal.created("new", &snapshot("I99", "OPEN")).unwrap();
        let left = journal.entries().unwrap().len();
        assert_eq!(
            left,
            21 - PURGE_PER_SALE as usize,
            "one sale drops {PURGE_PER_SALE}"
        );
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
