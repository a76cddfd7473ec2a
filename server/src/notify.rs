//! LISTEN / NOTIFY / UNLISTEN and `pg_notify()`: asynchronous
//! notifications between sessions, transactional as in PostgreSQL.
//!
//! Rules (PostgreSQL's `async.c`, "Asynchronous notification"):
//!
//! 1. `NOTIFY channel [, payload]` and `pg_notify(channel, payload)` queue
//!    a notification in the current transaction. Nothing is sent before
//!    the transaction commits; an abort (or `ROLLBACK TO` a savepoint set
//!    before it) discards it. Identical channel+payload pairs within one
//!    transaction are sent once, in first-queued order.
//! 2. `LISTEN` and `UNLISTEN` also take effect at commit: a session starts
//!    receiving notifications of transactions that commit after its own
//!    LISTEN committed.
//! 3. At commit the notifications go to every session listening on their
//!    channel, the notifying session included, each as a
//!    NotificationResponse carrying the notifier's backend pid.
//! 4. A session receives them only between transactions: the protocol
//!    loop sends what arrived just before a ReadyForQuery that reports
//!    "idle", and whatever arrives while it waits idle for the client's
//!    next message. A session inside a transaction block gets them after
//!    that block ends.
//!
//! ```text
//!   session A                      hub                      session B
//!   LISTEN c; (commit) ──────▶ A listens on c
//!                                                  BEGIN; NOTIFY c, 'x'
//!                                                  (queued in B's txn)
//!                            ◀──────────────────── COMMIT: deliver
//!   NotificationResponse ◀── A's queue (pid of B, "c", "x")
//! ```
//!
//! Not done: the 8 GB on-disk notification queue of PostgreSQL; a
//! session's queue here is in memory and unbounded (a listener that never
//! reads grows it).

use std::collections::{HashMap, HashSet};

use parking_lot::Mutex;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::error::{SqlError, SqlResult};

/// The longest payload PostgreSQL accepts (bytes).
const MAX_PAYLOAD: usize = 7999;

/// The longest channel name (bytes): NAMEDATALEN - 1.
const MAX_CHANNEL: usize = 63;

/// One notification, as sent to a listening client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The backend pid of the session that sent it.
    pub pid: i32,
    /// The channel.
    pub channel: String,
    /// The payload (empty if none was given).
    pub payload: String,
}

/// One connected session's entry in the hub.
struct Listener {
    /// Channels it listens on (committed LISTENs).
    channels: HashSet<String>,
    /// Where its notifications go; the protocol loop holds the receiver.
    tx: UnboundedSender<Notification>,
}

/// Server-wide: which session listens on which channel, and the way to
/// each session's queue.
#[derive(Default)]
pub struct NotifyHub {
    listeners: Mutex<HashMap<i32, Listener>>,
}

impl NotifyHub {
    /// Registers a new session by pid; the receiver yields its
    /// notifications.
    pub fn register(&self, pid: i32) -> UnboundedReceiver<Notification> {
        let (tx, rx) = unbounded_channel();
        self.listeners.lock().insert(
            pid,
            Listener {
                channels: HashSet::new(),
                tx,
            },
        );
        rx
    }

    /// Forgets a session that ended.
    pub fn unregister(&self, pid: i32) {
        self.listeners.lock().remove(&pid);
    }

    /// The channels `pid` listens on, sorted (for `pg_listening_channels()`).
    pub fn channels_of(&self, pid: i32) -> Vec<String> {
        let mut v: Vec<String> = self
            .listeners
            .lock()
            .get(&pid)
            .map(|l| l.channels.iter().cloned().collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Applies a committed transaction's LISTEN/UNLISTEN actions, then
    /// sends its notifications to every session listening on their
    /// channel.
    pub fn commit(&self, pid: i32, pending: PendingNotify) {
        let mut listeners = self.listeners.lock();
        if let Some(me) = listeners.get_mut(&pid) {
            for action in pending.actions {
                match action {
                    ListenAction::Listen(c) => {
                        me.channels.insert(c);
                    }
                    ListenAction::Unlisten(c) => {
                        me.channels.remove(&c);
                    }
                    ListenAction::UnlistenAll => me.channels.clear(),
                }
            }
        }
        for (channel, payload) in pending.notifies {
            for l in listeners.values() {
                if l.channels.contains(&channel) {
                    // A session that is going away has dropped its
                    // receiver; it no longer needs the message.
                    let _ = l.tx.send(Notification {
                        pid,
                        channel: channel.clone(),
                        payload: payload.clone(),
                    });
                }
            }
        }
    }
}

/// A LISTEN or UNLISTEN waiting for its transaction to commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenAction {
    /// `LISTEN channel`
    Listen(String),
    /// `UNLISTEN channel`
    Unlisten(String),
    /// `UNLISTEN *`
    UnlistenAll,
}

/// What the current transaction will do to notifications when it commits.
#[derive(Clone, Debug, Default)]
pub struct PendingNotify {
    /// LISTEN/UNLISTEN, in order.
    pub actions: Vec<ListenAction>,
    /// Notifications (channel, payload), without duplicates, in order.
    pub notifies: Vec<(String, String)>,
}

impl PendingNotify {
    /// Queues a notification, checking it as PostgreSQL does (22023).
    pub fn notify(&mut self, channel: &str, payload: &str) -> SqlResult<()> {
        check_channel(channel)?;
        if payload.len() > MAX_PAYLOAD {
            return Err(SqlError::new("22023", "payload string too long"));
        }
        let entry = (channel.to_string(), payload.to_string());
        if !self.notifies.contains(&entry) {
            self.notifies.push(entry);
        }
        Ok(())
    }

    /// Queues a LISTEN or UNLISTEN.
    pub fn action(&mut self, action: ListenAction) -> SqlResult<()> {
        if let ListenAction::Listen(c) | ListenAction::Unlisten(c) = &action {
            check_channel(c)?;
        }
        self.actions.push(action);
        Ok(())
    }

    /// How much is queued, to roll back to with [`Self::truncate`].
    pub fn mark(&self) -> (usize, usize) {
        (self.actions.len(), self.notifies.len())
    }

    /// Forgets what was queued after `mark` (ROLLBACK TO SAVEPOINT).
    pub fn truncate(&mut self, mark: (usize, usize)) {
        self.actions.truncate(mark.0);
        self.notifies.truncate(mark.1);
    }

    /// True if nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty() && self.notifies.is_empty()
    }
}

fn check_channel(channel: &str) -> SqlResult<()> {
    if channel.is_empty() {
        return Err(SqlError::new("22023", "channel name cannot be empty"));
    }
    if channel.len() > MAX_CHANNEL {
        return Err(SqlError::new("22023", "channel name too long"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_reach_committed_listeners_only() {
        let hub = NotifyHub::default();
        let mut a = hub.register(1);
        let mut b = hub.register(2);
        let mut listen = PendingNotify::default();
        listen.action(ListenAction::Listen("c".into())).unwrap();
        hub.commit(1, listen);
        let mut n = PendingNotify::default();
        n.notify("c", "x").unwrap();
        n.notify("c", "x").unwrap();
        n.notify("other", "y").unwrap();
        hub.commit(2, n);
        assert_eq!(
            a.try_recv().unwrap(),
            Notification {
                pid: 2,
                channel: "c".into(),
                payload: "x".into()
            }
        );
        assert!(a.try_recv().is_err(), "duplicates are folded");
        assert!(b.try_recv().is_err(), "b does not listen");
        assert_eq!(hub.channels_of(1), vec!["c".to_string()]);
        let mut unlisten = PendingNotify::default();
        unlisten.action(ListenAction::UnlistenAll).unwrap();
        hub.commit(1, unlisten);
        assert!(hub.channels_of(1).is_empty());
    }

    #[test]
    fn bad_channels_and_payloads_are_22023() {
        let mut p = PendingNotify::default();
        assert_eq!(p.notify("", "x").unwrap_err().code, "22023");
        assert_eq!(p.notify(&"c".repeat(64), "").unwrap_err().code, "22023");
        assert_eq!(p.notify("c", &"x".repeat(8000)).unwrap_err().code, "22023");
        let m = p.mark();
        p.notify("c", "1").unwrap();
        p.truncate(m);
        assert!(p.is_empty());
    }
}
