//! The journal's tables, and the migrations that bring an older file up to this version.
//! `PRAGMA user_version` holds the schema version: the version a library must know to use the
//! file at all. Each migration runs in the transaction that moves the version on, so a file is
//! never left half migrated.
//!
//! A change an older library can live with — columns it does not read, indexes — is an
//! *addition*: applied under the same version (once, detected by its column), so that 0.3 and
//! 0.4 can use the same file (a technician's newer tool on an older POS's journal, a POS
//! downgraded after an upgrade). 0.3 selects its columns by name, writes NULL into the added
//! ones, and each added column reads well when NULL.

use rusqlite::Connection;

/// The version this library writes. A file of a newer version (a newer library wrote it) is
/// refused rather than misread.
pub(crate) const VERSION: i64 = 1;

/// Migration `n` brings version `n` to `n + 1`.
const MIGRATIONS: [&str; VERSION as usize] = [
    // 0 → 1: sales and refunds, one row per idempotency key.
    "CREATE TABLE sales (
        idempotency_key    TEXT PRIMARY KEY,
        kind               TEXT NOT NULL,           -- 'sale' | 'refund'
        api                TEXT NOT NULL,           -- 'integration' | 'orders'
        device_id          TEXT NOT NULL,
        amount             INTEGER,                 -- minor units; NULL: a whole refund
        external_reference TEXT,
        request            TEXT NOT NULL,           -- the create, to send it again unchanged
        owner              TEXT NOT NULL,           -- the token of the client following it
        object_id          TEXT,                    -- the intent, order or refund, once known
        state              TEXT NOT NULL,           -- the last MpIntentState name seen
        payment            TEXT,                    -- the normalised payment, once final
        resolution         TEXT,                    -- set by mp_recover
        created_at         INTEGER NOT NULL,        -- Unix milliseconds
        updated_at         INTEGER NOT NULL,
        final_at           INTEGER                  -- NULL while unfinished
    );
    CREATE INDEX sales_by_object ON sales (object_id);
    CREATE INDEX sales_unfinished ON sales (final_at, owner);",
];

/// The additions of 0.4 to version 1 (see the module's note): what recovery's tickets and
/// acknowledgements need, and indexes so that recovery, the retention purge and a busy
/// terminal's question read only the rows they concern, whatever the journal's size. Rows of 0.3 keep `payment_id` and `ticket` empty
/// (the bundled SQLite has no JSON functions to fill them from): their payment number is
/// read from `payment` or `request` as they are read (`entry::entry_of`), and a 0.3
/// refund is a ticket of its own.
const ADDITIONS_0_4: &str = "ALTER TABLE sales ADD COLUMN payment_id TEXT;      -- a sale's payment number; a refund's refunded payment
    ALTER TABLE sales ADD COLUMN acknowledged_at INTEGER; -- set by mp_acknowledge
    ALTER TABLE sales ADD COLUMN ticket TEXT;             -- a refund's: its sale's ticket
    DROP INDEX sales_unfinished;
    CREATE INDEX sales_unfinished ON sales (created_at) WHERE final_at IS NULL;
    CREATE INDEX sales_open_on_device ON sales (device_id) WHERE final_at IS NULL;
    CREATE INDEX sales_final ON sales (final_at) WHERE final_at IS NOT NULL;
    CREATE INDEX sales_recent ON sales (created_at) WHERE final_at IS NOT NULL AND acknowledged_at IS NULL;
    CREATE INDEX sales_by_ticket ON sales (COALESCE(ticket, external_reference, idempotency_key));
    CREATE INDEX sales_by_payment ON sales (payment_id);";

#[cfg(test)]
pub(crate) const MIGRATIONS_FOR_TESTS: [&str; VERSION as usize] = MIGRATIONS;

/// The column whose presence says `ADDITIONS_0_4` were applied.
pub(crate) const ADDED_0_4: &str = "acknowledged_at";

/// The expression of an entry's ticket, as `sales_by_ticket` indexes it: a refund's sale's
/// ticket, else the POS's reference, else the key of an entry without one.
pub(crate) const TICKET: &str = "COALESCE(ticket, external_reference, idempotency_key)";

/// Whether the table has a column (false before the table exists).
pub(crate) fn has_column(conn: &Connection, column: &str) -> rusqlite::Result<bool> {
    let count: i64 = conn.query_row(
        "SELECT COUNT(*) FROM pragma_table_info('sales') WHERE name = ?1",
        [column],
        |r| r.get(0),
    )?;
    Ok(count > 0)
}

/// Brings the file to [`VERSION`] and its additions, returning whether it added to a journal
/// an older library had made (not a new file); an error names what is wrong.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<Result<bool, String>> {
    let mut created = false;
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version == VERSION {
            // Checked inside the write transaction: two processes opening an old file at
            // once add to it once.
            let add = !has_column(&tx, ADDED_0_4)?;
            if add {
                tx.execute_batch(ADDITIONS_0_4)?;
                tx.commit()?;
            }
            return Ok(Ok(add && !created));
        }
        if !(0..VERSION).contains(&version) {
            return Ok(Err(format!(
                "the journal's schema is version {version}, newer than this library's \
                 {VERSION}: open it with the library that wrote it"
            )));
        }
        tx.execute_batch(MIGRATIONS[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
        created |= version == 0;
    }
}
