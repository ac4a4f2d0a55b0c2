//! Group commit: reservations that arrive together share one transaction,
//! one log-chain update and one durable commit (one fsync), while each keeps
//! its own all-or-nothing outcome.
//!
//! A committer task takes whatever reservations are waiting (up to
//! [`MAX_GROUP`]) and runs them as one (`store::commit_group`): the group's
//! reads and inserts are one statement each for all of it, and each line
//! is its own conditional update, the statement that forbids
//! over-commitment. A reservation refused half-way gives back what it took
//! in the same transaction, so one donor's refusal never fails another's
//! commitment. The created ones' log entries are appended together, the
//! transaction commits, and only then is anyone answered: acknowledged
//! means durable. A single reservation is a group of one: there is one
//! way to reserve.
//!
//! If the group itself cannot be committed (a PostgreSQL deadlock or a lost
//! connection at commit), nothing of it was acknowledged; each reservation
//! is then run alone, where the idempotency key finds one that did commit.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::store::{Outcome, Request, commit_group, create_alone};
use crate::db::Db;
use crate::error::AppError;
use crate::log;

/// Most reservations in one transaction: large enough to share an fsync
/// among a crowd, small enough that a group is quick.
pub const MAX_GROUP: usize = 64;

/// Queue length; a request beyond it waits for room (back-pressure).
const QUEUE: usize = 4096;

type Reply = oneshot::Sender<Result<Outcome, AppError>>;

/// Where handlers hand reservations; cheap to clone.
#[derive(Clone)]
pub struct Committer {
    queue: mpsc::Sender<(Request, Reply)>,
}

impl Committer {
    /// Starts `workers` committer tasks on `db`. SQLite has one writer at
    /// a time, so one task; PostgreSQL takes a few groups at once (whichever
    /// task is free takes what is waiting).
    #[must_use]
    pub fn start(db: Db) -> Self {
        let workers = if db.engine() == "postgres" { 4 } else { 1 };
        let (queue, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        for _ in 0..workers {
            tokio::spawn(run(db.clone(), rx.clone()));
        }
        Self { queue }
    }

    /// Reserves, as part of the next group; answers once that group is
    /// durable (or once it is known that this reservation is not).
    pub async fn reserve(&self, request: Request) -> Result<Outcome, AppError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((request, reply))
            .await
            .map_err(|_| AppError::Internal("the committer stopped".into()))?;
        answer
            .await
            .map_err(|_| AppError::Internal("the committer dropped a reservation".into()))?
    }
}

async fn run(db: Db, rx: Arc<tokio::sync::Mutex<mpsc::Receiver<(Request, Reply)>>>) {
    loop {
        let mut group = Vec::new();
        {
            let mut rx = rx.lock().await;
            if rx.recv_many(&mut group, MAX_GROUP).await == 0 {
                return;
            }
        }
        // Places in ascending order: concurrent groups (other workers,
        // other instances) lock need rows in one order, as single
        // reservations lock their lines by package.
        group.sort_by_key(|(r, _)| r.checked.location_id);
        let (requests, replies): (Vec<Request>, Vec<Reply>) = group.into_iter().unzip();
        let started = std::time::Instant::now();
        let committed = commit_group(&db, &requests).await;
        tracing::debug!(size = requests.len(), took = ?started.elapsed(), "commit group");
        match committed {
            Ok((outcomes, changed)) => {
                // Every change is at the group's places (the reservations,
                // and the overdue ones they returned).
                if !changed.is_empty() {
                    log::announce_places(&changed);
                }
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                tracing::warn!(
                    ?e,
                    size = requests.len(),
                    "a commit group failed; running it one by one"
                );
                for (request, reply) in requests.iter().zip(replies) {
                    let _ = reply.send(create_alone(&db, request).await);
                }
            }
        }
    }
}
