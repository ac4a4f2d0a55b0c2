//! Random tokens, hashes and the per-deployment secret.
//!
//! Nothing secret is stored in the clear: session cookies are stored as their
//! SHA-256, passwords as argon2id hashes, and manage tokens not at all — they
//! are an HMAC of the tracking code under the deployment's secret, so they
//! can be recomputed (a retried request gets its token back) but never read
//! out of the database.

use std::fmt::Write as _;

use hmac::{Hmac, Mac};
use kolaborasi_shared::validate::{CODE_LEN, format_tracking_code};
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::AppError;
use crate::on_db;

pub fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("getrandom: {e}")))?;
    Ok(bytes)
}

#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// `N` bytes from `2N` hex digits; `None` for anything else.
#[must_use]
pub fn from_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.trim();
    if s.len() != N * 2 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

#[must_use]
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// A random token of 256 bits, hex-encoded (session cookies).
pub fn token() -> Result<String, AppError> {
    Ok(hex(&random_bytes::<32>()?))
}

/// A random tracking code `XXXX-XXXX` from Crockford's alphabet (40 bits).
pub fn tracking_code() -> Result<String, AppError> {
    Ok(format_tracking_code(random_bytes::<CODE_LEN>()?))
}

/// Byte-wise comparison whose time does not depend on where inputs differ.
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The deployment's secret key, shared by every instance on the database.
#[derive(Clone)]
pub struct InstanceSecret([u8; 32]);

impl std::fmt::Debug for InstanceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InstanceSecret(…)")
    }
}

impl InstanceSecret {
    /// Reads the named secret, creating it on first start. Two instances
    /// starting together both read the one that won the insert.
    pub async fn load_or_create(db: &Db, name: &str) -> Result<Self, AppError> {
        let candidate = hex(&random_bytes::<32>()?);
        let stored: String = on_db!(db, pool => {
            sqlx::query(
                "INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(&candidate)
            .execute(pool)
            .await?;
            sqlx::query_scalar("SELECT value FROM instance_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await?
        });
        let key = from_hex::<32>(&stored)
            .ok_or_else(|| AppError::Internal(format!("secret {name} is malformed")))?;
        Ok(Self(key))
    }

    /// HMAC-SHA256 of `message`, hex, truncated to 128 bits.
    #[must_use]
    pub fn sign(&self, message: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        mac.update(message.as_bytes());
        hex(&mac.finalize().into_bytes()[..16])
    }

    /// The manage token of a commitment.
    #[must_use]
    pub fn manage_token(&self, code: &str) -> String {
        self.sign(&format!("manage-commitment:{code}"))
    }

    #[must_use]
    pub fn manage_token_matches(&self, code: &str, token: &str) -> bool {
        constant_time_eq(self.manage_token(code).as_bytes(), token.trim().as_bytes())
    }

    /// The token of a commitment's contact-confirmation link (e-mailed).
    #[must_use]
    pub fn confirm_token(&self, code: &str) -> String {
        self.sign(&format!("confirm-contact:{code}"))
    }

    #[must_use]
    pub fn confirm_token_matches(&self, code: &str, token: &str) -> bool {
        constant_time_eq(self.confirm_token(code).as_bytes(), token.trim().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_codes_use_the_unambiguous_alphabet() {
        for _ in 0..200 {
            let code = tracking_code().unwrap();
            assert_eq!(
                kolaborasi_shared::validate::tracking_code(&code).as_deref(),
                Some(code.as_str())
            );
        }
    }

    #[test]
    fn manage_tokens_depend_on_the_code_and_the_secret() {
        let a = InstanceSecret([1; 32]);
        let b = InstanceSecret([2; 32]);
        assert_eq!(a.manage_token("K7Q2-M9XD").len(), 32);
        assert_ne!(a.manage_token("K7Q2-M9XD"), a.manage_token("K7Q2-M9XE"));
        assert_ne!(a.manage_token("K7Q2-M9XD"), b.manage_token("K7Q2-M9XD"));
        assert!(a.manage_token_matches("K7Q2-M9XD", &a.manage_token("K7Q2-M9XD")));
        assert!(!a.manage_token_matches("K7Q2-M9XD", &b.manage_token("K7Q2-M9XD")));
    }
}
