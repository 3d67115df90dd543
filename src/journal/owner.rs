//! Which process a journaled sale belongs to, and whether that process still runs.
//!
//! Every client that opens a journal takes an owner token and holds an exclusive lock on a
//! file named after it, beside the journal, for as long as it lives. The operating system
//! drops the lock when the process ends, however it ends (a `kill -9`, a power cut), so
//! "can this token's lock be taken?" tells, from any process, whether the sales it journaled
//! are still being followed by someone — without a clock, a heartbeat or a thread.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// This client's token and the locked file that proves it is alive.
pub(crate) struct Owner {
    pub(crate) token: String,
    path: PathBuf,
    // Held for the lock; dropped (unlocked, then removed) with the client.
    file: Option<File>,
}

/// The folder of owner files of a journal: `<journal>.owners`.
pub(crate) fn folder_of(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".owners");
    PathBuf::from(name)
}

impl Owner {
    pub(crate) fn take(folder: &Path) -> Result<Owner> {
        fs::create_dir_all(folder)
            .map_err(|e| Error::journal(format!("the journal's owner folder {folder:?}: {e}")))?;
        let token = uuid::Uuid::new_v4().simple().to_string();
        let path = folder.join(&token);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::journal(format!("the journal's owner file {path:?}: {e}")))?;
        file.try_lock()
            .map_err(|e| Error::journal(format!("locking {path:?}: {e}")))?;
        Ok(Owner {
            token,
            path,
            file: Some(file),
        })
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        // Unlock by closing, then remove: nothing of this client remains to be recovered by
        // token (its unfinished sales stay in the journal, owned by a token no one holds).
        drop(self.file.take());
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether the process that holds `token`'s lock still runs. A token whose file is gone has
/// ended too (its client closed the journal).
pub(crate) fn is_alive(folder: &Path, token: &str) -> bool {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let Ok(file) = OpenOptions::new().write(true).open(folder.join(token)) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => false,
        Err(TryLockError::WouldBlock) => true,
        // Locks unsupported on this file system: assume the owner lives, so that nothing of
        // a running process is ever taken over.
        Err(TryLockError::Error(_)) => true,
    }
}

/// Removes the file of an ended owner (after its sales were resolved).
pub(crate) fn forget(folder: &Path, token: &str) {
    if !is_alive(folder, token) {
        let _ = fs::remove_file(folder.join(token));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_owner_is_seen_alive_and_an_ended_one_not() {
        let dir = std::env::temp_dir().join(format!("mppoint-owner-{}", uuid::Uuid::new_v4()));
        let owner = Owner::take(&dir).unwrap();
        assert!(is_alive(&dir, &owner.token), "its own lock is held");
        let token = owner.token.clone();
        drop(owner);
        assert!(!is_alive(&dir, &token));
        assert!(!is_alive(&dir, "no-such-owner"));
        assert!(!is_alive(&dir, "../etc"));
        // A file left by a process that died (no lock on it) is an ended owner.
        fs::write(dir.join("deadbeef"), "").unwrap();
        assert!(!is_alive(&dir, "deadbeef"));
        forget(&dir, "deadbeef");
        assert!(!dir.join("deadbeef").exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
