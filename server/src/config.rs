//! Configuration: command-line flags, each with an environment variable and
//! a default that runs the product on one machine with no setup.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::client::IpNetwork;

/// Default tiles: OpenStreetMap's standard layer. Deployments with real
/// traffic must use their own tile server or a provider (OSM's tile usage
/// policy); set `KOLABORASI_TILE_URL`.
pub const DEFAULT_TILE_URL: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
pub const DEFAULT_TILE_ATTRIBUTION: &str =
    "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>";

#[derive(Debug, Clone, Parser)]
#[command(
    name = "kolaborasi-server",
    version,
    about = "Kolaborasi: API, live updates and web client"
)]
pub struct Config {
    /// Database: `sqlite://path/to/file.db` (embedded, default) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/kolaborasi.db"
    )]
    pub database_url: String,

    /// Address to listen on. Port 0 picks a free port (tests).
    #[arg(long, env = "KOLABORASI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Directory holding the built web client (`trunk build` output).
    #[arg(long, env = "KOLABORASI_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// Map tile URL template with `{z}`, `{x}`, `{y}`.
    #[arg(long, env = "KOLABORASI_TILE_URL", default_value = DEFAULT_TILE_URL)]
    pub tile_url: String,

    /// Attribution for the tiles (HTML allowed).
    #[arg(long, env = "KOLABORASI_TILE_ATTRIBUTION", default_value = DEFAULT_TILE_ATTRIBUTION)]
    pub tile_attribution: String,

    /// Number of demo locations generated into an empty database; 0 for none.
    /// 1,500 resembles a city; 10,000 is for load work.
    #[arg(long, env = "KOLABORASI_DEMO_SCALE", default_value_t = 1500)]
    pub demo_scale: usize,

    /// Seed of the demo data generator (same seed, same data).
    #[arg(long, env = "KOLABORASI_DEMO_SEED", default_value_t = crate::demo::DEFAULT_SEED)]
    pub demo_seed: u64,

    /// Days a commitment keeps its quantities reserved before, undelivered,
    /// it expires and they return to the pool.
    #[arg(long, env = "KOLABORASI_COMMITMENT_EXPIRY_DAYS", default_value_t = 14,
          value_parser = clap::value_parser!(u32).range(1..=365))]
    pub commitment_expiry_days: u32,

    /// Hours a commitment whose contact is not confirmed holds its
    /// quantities. Confirming the e-mail address (a link sent to it), an
    /// account with a confirmed address, or staff give it the full period.
    #[arg(long, env = "KOLABORASI_UNCONFIRMED_HOLD_HOURS", default_value_t = 6,
          value_parser = clap::value_parser!(u32).range(1..=72))]
    pub unconfirmed_hold_hours: u32,

    /// The largest share, in percent, of what a place still needs of a
    /// package that one commitment without a confirmed contact may take
    /// (at least one unit): one anonymous request cannot take it all.
    #[arg(long, env = "KOLABORASI_UNCONFIRMED_SHARE_PERCENT", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub unconfirmed_share_percent: u32,

    /// Open commitments awaiting confirmation one e-mail address may have.
    #[arg(long, env = "KOLABORASI_UNCONFIRMED_PER_CONTACT", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub unconfirmed_per_contact: u32,

    /// Commitments without a confirmed contact one client network (an IPv4
    /// address, an IPv6 /64, or a kiosk) may make per hour. Many mobile
    /// users share one carrier address, so keep it well above one person's.
    #[arg(long, env = "KOLABORASI_UNCONFIRMED_PER_NETWORK_HOUR", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub unconfirmed_per_network_hour: u32,

    /// SMTP server for e-mail to donors, e.g.
    /// `smtp://user:password@mail.example.id:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@mail.example.id` (TLS). Give it in the
    /// environment, not on the command line, to keep the password out of
    /// the process list. Without it, messages are written to `--mail-dir`.
    #[arg(long, env = "KOLABORASI_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of e-mail to donors.
    #[arg(
        long,
        env = "KOLABORASI_MAIL_FROM",
        default_value = "Kolaborasi <kolaborasi@localhost>"
    )]
    pub mail_from: String,

    /// Where e-mail is written as `.eml` files when no SMTP server is set.
    #[arg(long, env = "KOLABORASI_MAIL_DIR", default_value = "data/mail")]
    pub mail_dir: PathBuf,

    /// Seconds before an e-mail that could not be sent is tried again;
    /// doubled at each failure, up to an hour. Nothing is dropped.
    #[arg(long, env = "KOLABORASI_MAIL_RETRY_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub mail_retry_secs: u64,

    /// The local time of the deployment as minutes east of UTC (times in
    /// e-mail; Jakarta, WIB, is 420).
    #[arg(long, env = "KOLABORASI_UTC_OFFSET_MINUTES", default_value_t = 420,
          allow_hyphen_values = true,
          value_parser = clap::value_parser!(i32).range(-720..=840))]
    pub utc_offset_minutes: i32,

    /// Longest time between sweeps that expire overdue commitments (the
    /// sweeper also wakes at each reservation's expiry; this catches
    /// reservations made by other instances).
    #[arg(long, env = "KOLABORASI_EXPIRY_SWEEP_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub expiry_sweep_secs: u64,

    /// MiB of public answers kept in memory (the map list for each filter,
    /// places, programs, ...); least recently used ones are dropped beyond.
    #[arg(long, env = "KOLABORASI_READ_MODEL_MIB", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub read_model_mib: u64,

    /// Seconds between checks of the public log for changes made by other
    /// processes, a fallback: changes in this process are pushed at once,
    /// and on PostgreSQL other instances' changes arrive by LISTEN/NOTIFY.
    #[arg(long, env = "KOLABORASI_LIVE_POLL_SECS", default_value_t = 2,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub live_poll_secs: u64,

    /// Mark the session cookie `Secure`. Turn on behind HTTPS; plain-HTTP
    /// deployments (a kiosk LAN, localhost) need it off.
    #[arg(long, env = "KOLABORASI_COOKIE_SECURE", default_value_t = false)]
    pub cookie_secure: bool,

    /// Directory for delivery evidence (photos, handover certificates),
    /// stored under content-addressed names. Instances sharing a PostgreSQL
    /// database must share this directory too (e.g. a network mount).
    #[arg(long, env = "KOLABORASI_UPLOAD_DIR", default_value = "data/uploads")]
    pub upload_dir: PathBuf,

    /// The Ed25519 key that signs the public log's heads, made at first
    /// start. Kept out of the database so its dump cannot sign; instances
    /// sharing a PostgreSQL database must share this file. Back it up.
    #[arg(
        long,
        env = "KOLABORASI_SIGNING_KEY",
        default_value = "data/log-signing.key"
    )]
    pub signing_key: PathBuf,

    /// MiB of delivery evidence kept in all; uploads beyond are refused with
    /// a clear message (and the server logs it). Files no report uses are
    /// removed after a day.
    #[arg(long, env = "KOLABORASI_UPLOAD_QUOTA_MIB", default_value_t = 10_240,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub upload_quota_mib: u64,

    /// Days a place's one-time confirmation code stays valid.
    #[arg(long, env = "KOLABORASI_RECEIPT_CODE_DAYS", default_value_t = 14,
          value_parser = clap::value_parser!(u32).range(1..=365))]
    pub receipt_code_days: u32,

    /// Days after which an open commitment without a delivery report is
    /// listed as overdue in the console.
    #[arg(long, env = "KOLABORASI_OVERDUE_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..=365))]
    pub overdue_days: u32,

    /// The address users reach the app at (e.g. `https://kolaborasi.example.id`),
    /// for links printed as QR codes. Without it, the request's Host is used.
    #[arg(long, env = "KOLABORASI_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Open connections one client address may hold (an IPv6 client counts
    /// by its /64); more are closed at once. Many phones behind one carrier
    /// address share it, so keep it generous.
    #[arg(long, env = "KOLABORASI_CONNECTIONS_PER_ADDRESS", default_value_t = 256,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub connections_per_address: u64,

    /// Seconds a connection may stay without a byte read or written before
    /// it is closed: half-sent requests, silent sockets, clients that stop
    /// reading (live streams send a keep-alive every 15 seconds).
    #[arg(long, env = "KOLABORASI_CONNECTION_IDLE_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub connection_idle_secs: u64,

    /// Seconds a request's header may take to arrive in full; its body may
    /// take as long and must then keep arriving at 1 KiB/s on average. A
    /// client trickling bytes to hold connections gets 408 and is closed.
    #[arg(long, env = "KOLABORASI_REQUEST_READ_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_read_secs: u64,

    /// Take the client address for rate limits from the last
    /// `X-Forwarded-For` entry (only behind a reverse proxy that sets it).
    #[arg(long, env = "KOLABORASI_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// Seconds without a touch after which a kiosk returns to its start
    /// screen and forgets everything typed.
    #[arg(long, env = "KOLABORASI_KIOSK_IDLE_SECS", default_value_t = 90,
          value_parser = clap::value_parser!(u32).range(15..=3600))]
    pub kiosk_idle_secs: u32,

    /// Networks of kiosks that share an address (an office LAN behind NAT):
    /// CIDRs or single addresses, IPv4 or IPv6, repeated or comma-separated.
    /// There rate limits count per kiosk (a device cookie) under a ceiling
    /// of ten times the limit for the whole address.
    #[arg(long, env = "KOLABORASI_KIOSK_NETWORK", value_delimiter = ',',
          value_parser = clap::value_parser!(IpNetwork))]
    pub kiosk_network: Vec<IpNetwork>,

    /// Without a command, the server runs.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Recompute the public log's hash chain and the public totals from the
    /// log in the database, and compare them with the stored head and the
    /// live counters. Changes nothing; exits 1 on any difference.
    VerifyLog {
        /// An earlier head, `SEQ:HASH` (from a signed head someone kept):
        /// also check that today's log extends it.
        #[arg(long, value_name = "SEQ:HASH")]
        since: Option<String>,
    },
    /// Print the public key that signs the log's heads (making the key file
    /// when there is none): publish it with the deployment.
    SigningKey,
    /// Replace the signing key. Appends a `signing_key_rotated` entry
    /// signed by the old key, then writes the new key to the file. Stop
    /// the instances first; copy the new file to each before starting them.
    RotateSigningKey,
    /// Create a staff admin (the first one, or another). Reads the password
    /// from standard input (one line), so it never appears in the process
    /// list or the shell history.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

impl Config {
    /// Defaults for tests and embedding: everything as documented, no CLI.
    #[must_use]
    pub fn with_database(database_url: impl Into<String>) -> Self {
        let mut c = Self::parse_from(["kolaborasi-server"]);
        c.database_url = database_url.into();
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        Config::try_parse_from(std::iter::once("kolaborasi-server").chain(args.iter().copied()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_kiosk_idle_timeout_defaults_to_90_and_accepts_15_to_3600_seconds() {
        assert_eq!(parse(&[]).unwrap().kiosk_idle_secs, 90);
        assert_eq!(
            parse(&["--kiosk-idle-secs", "15"]).unwrap().kiosk_idle_secs,
            15
        );
        assert_eq!(
            parse(&["--kiosk-idle-secs", "3600"])
                .unwrap()
                .kiosk_idle_secs,
            3600
        );
        for bad in ["14", "3601", "0", "-5", "ninety"] {
            let error = parse(&[&format!("--kiosk-idle-secs={bad}")]).unwrap_err();
            assert!(
                error.contains("--kiosk-idle-secs") && error.contains(bad),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn kiosk_networks_are_repeatable_and_comma_separated() {
        assert!(parse(&[]).unwrap().kiosk_network.is_empty());
        let config = parse(&[
            "--kiosk-network",
            "192.168.1.0/24, 10.0.0.7",
            "--kiosk-network",
            "fd00::/8",
        ])
        .unwrap();
        let shown: Vec<String> = config
            .kiosk_network
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["192.168.1.0/24", "10.0.0.7/32", "fd00::/8"]);
    }

    #[test]
    fn a_bad_kiosk_network_is_a_startup_error_naming_flag_value_and_reason() {
        for (bad, says) in [
            ("192.168.1.0/33", "from 0 to 32"),
            ("office-lan", "not an IP address"),
            ("10.0.0.0/8,300.1.1.1", "not an IP address"),
            ("fd00::/200", "from 0 to 128"),
        ] {
            let error = parse(&["--kiosk-network", bad]).unwrap_err();
            assert!(
                error.contains("--kiosk-network") && error.contains(says),
                "{bad}: {error}"
            );
        }
    }
}
