//! The deployment's Ed25519 key that signs the public log's heads (issue 20).
//!
//! The chain alone cannot show a rewrite of everything from some entry on,
//! head included. A signed head is a statement anyone can keep: "on this
//! date the log had this many entries and ended in this hash". Whoever
//! kept one (a browser on `/verifikasi`, a newsroom's daily copy of
//! `/api/v1/log/heads`, a download's `Kolaborasi-Log-Head`) can later check
//! that the log still extends it, and prove it if it does not.
//!
//! The key lives in a file (`--signing-key`), not in the database, so a
//! dump of the database cannot sign; it is made at first start. Instances
//! of one deployment share the file. `kolaborasi-server rotate-signing-key`
//! replaces it, with a log entry signed by the old key.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use kolaborasi_shared::log::{
    KeyRotationFacts, LogHead, SignedHead, head_message, kind, rotation_message,
};
use serde_json::json;

use crate::db::Db;
use crate::error::AppError;
use crate::log::{Event, append_in};
use crate::on_db;
use crate::secrets::{from_hex, hex, random_bytes};

/// First line of the key file.
const FILE_HEADER: &str = "kolaborasi-log-signing-key/v1";

/// The log entry's subject of key rotations.
const ROTATION_SUBJECT: &str = "signing-key";

pub struct LogSigner {
    key: SigningKey,
    public: String,
    path: PathBuf,
}

impl std::fmt::Debug for LogSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogSigner({})", self.public)
    }
}

impl LogSigner {
    fn from_seed(seed: &[u8; 32], path: &Path) -> Self {
        let key = SigningKey::from_bytes(seed);
        Self {
            public: hex(key.verifying_key().as_bytes()),
            key,
            path: path.to_owned(),
        }
    }

    /// Reads the key file, creating it (mode 0600) on first start. Two
    /// instances starting together both read the one that was written first.
    pub fn load_or_create(path: &Path) -> Result<Self, String> {
        match Self::load(path) {
            Ok(signer) => return Ok(signer),
            Err(e) if path.exists() => return Err(e),
            Err(_) => {}
        }
        let seed = random_bytes::<32>().map_err(|e| format!("{e:?}"))?;
        if write_new(path, &key_file(&seed))? {
            tracing::info!(path = %path.display(), "created the log signing key");
        }
        Self::load(path)
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the signing key {}: {e}", path.display()))?;
        let mut lines = text.lines();
        let seed = (lines.next() == Some(FILE_HEADER))
            .then(|| lines.next().and_then(from_hex::<32>))
            .flatten()
            .ok_or_else(|| format!("{} is not a Kolaborasi signing key", path.display()))?;
        Ok(Self::from_seed(&seed, path))
    }

    /// The public key, hex: what `/api/v1/config` and the About page show.
    #[must_use]
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// Signature of `message`, hex.
    #[must_use]
    pub fn sign(&self, message: &str) -> String {
        hex(&self.key.sign(message.as_bytes()).to_bytes())
    }

    #[must_use]
    pub fn sign_head(&self, head: &LogHead, at: i64) -> SignedHead {
        SignedHead {
            seq: head.seq,
            hash: head.hash.clone(),
            at,
            key: self.public.clone(),
            signature: self.sign(&head_message(head.seq, &head.hash, at)),
        }
    }

    /// Replaces the key: appends a `signing_key_rotated` entry (the new key,
    /// signed by this one) and then writes the new key over the file. Run
    /// it with the instances stopped; they read the file at start.
    pub async fn rotate(&self, db: &Db) -> Result<Self, String> {
        let staged = self.path.with_extension("next");
        // A rotation that stopped after its log entry and before replacing
        // the file: finish it rather than start another.
        let handed_on = last_rotation_key(db).await.map_err(|e| format!("{e:?}"))?;
        if let Ok(next) = Self::load(&staged)
            && handed_on.as_deref() == Some(next.public.as_str())
        {
            std::fs::rename(&staged, &self.path)
                .map_err(|e| format!("cannot replace {}: {e}", self.path.display()))?;
            return Ok(Self {
                path: self.path.clone(),
                ..next
            });
        }
        let seed = random_bytes::<32>().map_err(|e| format!("{e:?}"))?;
        let next = Self::from_seed(&seed, &self.path);
        let facts = KeyRotationFacts {
            previous: self.public.clone(),
            key: next.public.clone(),
            signature: self.sign(&rotation_message(&self.public, &next.public)),
        };
        let event = Event {
            at: crate::clock::now(),
            kind: kind::SIGNING_KEY_ROTATED,
            subject: ROTATION_SUBJECT.to_owned(),
            facts: serde_json::to_value(&facts).unwrap_or_else(|_| json!({})),
        };
        // The new key is written beside the old one first, so a failure
        // after the entry leaves both on disk, not neither.
        let _ = std::fs::remove_file(&staged);
        write_new(&staged, &key_file(&seed))?;
        append(db, &event).await.map_err(|e| format!("{e:?}"))?;
        std::fs::rename(&staged, &self.path)
            .map_err(|e| format!("cannot replace {}: {e}", self.path.display()))?;
        Ok(next)
    }
}

/// The key the newest `signing_key_rotated` entry handed on to.
async fn last_rotation_key(db: &Db) -> Result<Option<String>, AppError> {
    let facts: Option<String> = on_db!(db, pool => sqlx::query_scalar(
        "SELECT facts FROM public_log WHERE kind = $1 ORDER BY seq DESC LIMIT 1"
    )
    .bind(kind::SIGNING_KEY_ROTATED)
    .fetch_optional(pool)
    .await?);
    Ok(facts
        .and_then(|f| serde_json::from_str::<KeyRotationFacts>(&f).ok())
        .map(|f| f.key))
}

async fn append(db: &Db, event: &Event) -> Result<(), AppError> {
    let notify = db.engine() == "postgres";
    on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        append_in!(tx, notify, std::slice::from_ref(event));
        tx.commit().await?;
    });
    crate::log::announce();
    Ok(())
}

fn key_file(seed: &[u8; 32]) -> String {
    format!(
        "{FILE_HEADER}\n{}\n# The private key that signs this deployment's public log heads. Keep it secret and backed up; never in the database.\n",
        hex(seed)
    )
}

/// Creates `path` with `contents` (mode 0600) unless it exists; false when it did.
fn write_new(path: &Path, contents: &str) -> Result<bool, String> {
    let fail = |e: std::io::Error| format!("cannot write the signing key {}: {e}", path.display());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    // A name of its own (instances in containers may share a PID), never
    // an existing file.
    let nonce = hex(&random_bytes::<8>().map_err(|e| format!("{e:?}"))?);
    let staged = path.with_extension(format!("tmp-{nonce}"));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&staged).map_err(fail)?;
        file.write_all(contents.as_bytes()).map_err(fail)?;
        file.sync_all().map_err(fail)?;
    }
    // A hard link appears whole or not at all, and never replaces a file.
    let linked = std::fs::hard_link(&staged, path);
    let _ = std::fs::remove_file(&staged);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(fail(e)),
    }
}

/// Whether `signature` (hex) is `key`'s (hex) signature of `message`.
#[must_use]
pub fn verify(key: &str, message: &str, signature: &str) -> bool {
    let (Some(key), Some(signature)) = (from_hex::<32>(key), from_hex::<64>(signature)) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&key) else {
        return false;
    };
    key.verify_strict(message.as_bytes(), &Signature::from_bytes(&signature))
        .is_ok()
}

/// Whether a signed head's signature is its key's.
#[must_use]
pub fn verify_head(head: &SignedHead) -> bool {
    verify(&head.key, &head.message(), &head.signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(dir: &Path) -> LogSigner {
        LogSigner::load_or_create(&dir.join("keys/signing.key")).unwrap()
    }

    #[test]
    fn a_head_verifies_with_its_key_and_fails_with_any_changed_byte() {
        let dir = tempfile::tempdir().unwrap();
        let signer = signer(dir.path());
        let head = LogHead {
            seq: 42,
            hash: "ab".repeat(32),
        };
        let head_signed = signer.sign_head(&head, 1_765_000_000);
        assert_eq!(head_signed.key, signer.public_key());
        assert!(verify_head(&head_signed));
        // Every byte of the signed message, and every byte of the signature.
        let message = head_signed.message();
        for i in 0..message.len() {
            let mut bytes = message.clone().into_bytes();
            bytes[i] ^= 0x01;
            let changed = String::from_utf8(bytes).unwrap();
            assert!(
                !verify(&head_signed.key, &changed, &head_signed.signature),
                "byte {i} of the message"
            );
        }
        let signature = from_hex::<64>(&head_signed.signature).unwrap();
        for i in 0..64 {
            let mut changed = signature;
            changed[i] ^= 0x01;
            assert!(
                !verify(&head_signed.key, &message, &hex(&changed)),
                "byte {i} of the signature"
            );
        }
        // The fields are what is head_signed.
        assert!(!verify_head(&SignedHead {
            seq: 43,
            ..head_signed.clone()
        }));
        assert!(!verify_head(&SignedHead {
            at: head_signed.at + 1,
            ..head_signed.clone()
        }));
        // Another deployment's key does not verify it.
        let other = LogSigner::load_or_create(&dir.path().join("other.key")).unwrap();
        assert_ne!(other.public_key(), signer.public_key());
        assert!(!verify_head(&SignedHead {
            key: other.public_key().to_owned(),
            ..head_signed
        }));
    }

    #[test]
    fn the_key_is_made_once_private_and_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let first = signer(dir.path());
        let again = signer(dir.path());
        assert_eq!(first.public_key(), again.public_key());
        let path = dir.path().join("keys/signing.key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key\n").unwrap();
        let err = LogSigner::load_or_create(&path).unwrap_err();
        assert!(err.contains("is not a Kolaborasi signing key"), "{err}");
    }
}
