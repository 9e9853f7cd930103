//! The simulation's own worker thread, for pieces of a tick done beside the simulation's
//! thread: the air's lane of movement, run while this thread drives the road and joined before
//! the tick goes on ([`Worker::beside`]); the road's look ahead for near misses, handed over and
//! taken back later in the tick, and the state hash, taken back in the next
//! ([`Worker::hand_over`]).
//!
//! At city scale such pieces come every few hundred microseconds. A thread pool's worker that
//! sleeps between them has to be woken by a system call each time, and in a virtual machine
//! that cost the simulation's thread about a twentieth of its time. This worker waits for the
//! next piece by spinning for about a millisecond (yielding the core at every turn, so that
//! another thread ready to run can have it) before it sleeps, so that handing a piece over is
//! a push onto a queue; taking one back likewise spins before it sleeps. The thread is a
//! one-thread rayon pool's, whose scopes let a piece borrow what the tick holds; it runs one
//! long job that takes the pool's pieces as they come, and so never falls into rayon's own
//! sleep. A small town hands nothing over and never starts the thread. Which thread computes a
//! piece changes nothing in what it computes.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use bevy::prelude::Resource;
use rayon_core::{ThreadPool, ThreadPoolBuilder, Yield};

/// Turns a waiting thread spins (each a few short pauses, then yielding the core) before it
/// sleeps: about a millisecond here (0.97 ms measured; more on a machine with longer pauses or
/// busier cores), longer than the gap between two pieces of a busy tick.
const SPIN_TURNS: u32 = 2_000;
/// Pauses in one turn of spinning.
const PAUSES: u32 = 32;

/// What the simulation's thread and the worker share besides the pool's own queue.
#[derive(Default)]
struct Shared {
    /// Counts the pieces queued, each counted once it is in the pool's queue; read without the
    /// lock while spinning.
    queued: AtomicU64,
    /// Told to quit, read without the lock while spinning.
    quitting: AtomicBool,
    /// Whether the worker sleeps.
    asleep: Mutex<bool>,
    wake: Condvar,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks: pieces run outside them, under `catch_unwind`
    // or in a rayon scope, which catches a piece's panic and raises it where the scope ends.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Spins until `ready` says so, for at most [`SPIN_TURNS`] turns; the caller then looks under
/// its lock, and sleeps if need be.
fn spin_until(ready: impl Fn() -> bool) {
    for _ in 0..SPIN_TURNS {
        for _ in 0..PAUSES {
            if ready() {
                return;
            }
            std::hint::spin_loop();
        }
        std::thread::yield_now();
    }
}

impl Shared {
    /// Says a piece is in the pool's queue, waking the worker if it sleeps.
    fn nudge(&self) {
        self.queued.fetch_add(1, Ordering::AcqRel);
        // Read under the lock the worker holds from its last look to its sleep: either it sees
        // the count move, or it is asleep by now and is woken.
        if *lock(&self.asleep) {
            self.wake.notify_one();
        }
    }

    /// The worker's one job: it does the pool's pieces as they are queued, spinning a little
    /// and then sleeping between them, until told to quit; what was queued before is done first.
    fn serve(&self) {
        loop {
            let seen = self.queued.load(Ordering::Acquire);
            // Every piece counted so far is in the queue: do them all.
            while rayon_core::yield_now() == Some(Yield::Executed) {}
            if self.quitting.load(Ordering::Acquire) {
                while rayon_core::yield_now() == Some(Yield::Executed) {}
                return;
            }
            let moved = || self.queued.load(Ordering::Acquire) != seen || self.quitting.load(Ordering::Acquire);
            spin_until(moved);
            let mut asleep = lock(&self.asleep);
            while !moved() {
                *asleep = true;
                asleep = self.wake.wait(asleep).unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            *asleep = false;
        }
    }
}

/// The worker: a one-thread pool, started on the first piece handed over and stopped when
/// dropped.
#[derive(Resource, Default)]
pub struct Worker {
    shared: Arc<Shared>,
    started: Option<Started>,
    /// The thread could not be started: each piece is done on the caller's thread.
    failed: bool,
}

/// The running pool, and the job that serves it, taken back when the worker stops.
struct Started {
    pool: ThreadPool,
    serving: Handed<()>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("started", &self.started.is_some()).finish()
    }
}

impl Worker {
    /// The pool, started if need be; none if no thread can be started.
    fn pool(&mut self) -> Option<&ThreadPool> {
        if self.started.is_none() && !self.failed {
            let pool = ThreadPoolBuilder::new().num_threads(1).thread_name(|_| "pilotzone tick".into()).build();
            match pool {
                Ok(pool) => {
                    let shared = Arc::clone(&self.shared);
                    let (slot, filled) = Slot::pair();
                    pool.spawn(move || filled.fill(catch_unwind(AssertUnwindSafe(|| shared.serve()))));
                    self.started = Some(Started { pool, serving: Handed { slot } });
                }
                Err(_) => self.failed = true,
            }
        }
        self.started.as_ref().map(|s| &s.pool)
    }

    /// Hands `job` over; its result (or its panic) is taken back with [`Handed::take`].
    pub fn hand_over<T: Send + 'static>(&mut self, job: impl FnOnce() -> T + Send + 'static) -> Handed<T> {
        let (slot, filled) = Slot::pair();
        let job = move || filled.fill(catch_unwind(AssertUnwindSafe(job)));
        let shared = Arc::clone(&self.shared);
        match self.pool() {
            Some(pool) => {
                pool.spawn(job);
                shared.nudge();
            }
            // Without a thread of its own, the piece is done here and now.
            None => job(),
        }
        Handed { slot }
    }

    /// Runs `away` on the worker while this thread runs `here`, and returns both results once
    /// both are done. `away` may borrow what the caller holds; a panic in either is raised here,
    /// after both have ended.
    pub fn beside<A, B: Send>(&mut self, here: impl FnOnce() -> A, away: impl FnOnce() -> B + Send) -> (A, B) {
        let shared = Arc::clone(&self.shared);
        let Some(pool) = self.pool() else {
            let b = away();
            return (here(), b);
        };
        let (mut done, finished) = (None, AtomicBool::new(false));
        let a = pool.in_place_scope(|scope| {
            scope.spawn(|_| {
                done = Some(away());
                finished.store(true, Ordering::Release);
            });
            shared.nudge();
            let a = here();
            // The scope's own end sleeps until the piece is done; a thread woken from sleep in a
            // virtual machine starts late, and here it is what the tick waits for.
            spin_until(|| finished.load(Ordering::Acquire));
            a
        });
        (a, done.expect("a scope ends once its pieces are done"))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let Some(started) = self.started.take() else { return };
        self.shared.quitting.store(true, Ordering::Release);
        self.shared.nudge();
        // Pieces still queued are done first; a panic in one was caught and is dropped with it.
        let _ = catch_unwind(AssertUnwindSafe(|| started.serving.take()));
        drop(started.pool);
    }
}

/// Where a handed-over piece's result will be.
struct Slot<T> {
    done: AtomicBool,
    state: Mutex<SlotState<T>>,
    ready: Condvar,
}

struct SlotState<T> {
    result: Option<std::thread::Result<T>>,
    waiting: bool,
}

impl<T> Default for SlotState<T> {
    fn default() -> Self {
        SlotState { result: None, waiting: false }
    }
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot { done: AtomicBool::new(false), state: Mutex::new(SlotState::default()), ready: Condvar::new() }
    }
}

impl<T> Slot<T> {
    /// A slot, and the handle its piece fills it through.
    fn pair() -> (Arc<Self>, Arc<Self>) {
        let slot = Arc::new(Slot::default());
        let filled = Arc::clone(&slot);
        (slot, filled)
    }

    fn fill(&self, result: std::thread::Result<T>) {
        let mut state = lock(&self.state);
        state.result = Some(result);
        self.done.store(true, Ordering::Release);
        let waiting = state.waiting;
        drop(state);
        if waiting {
            self.ready.notify_one();
        }
    }
}

/// A piece handed to the worker, to be taken back.
pub struct Handed<T> {
    slot: Arc<Slot<T>>,
}

impl<T> std::fmt::Debug for Handed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handed").field("done", &self.slot.done.load(Ordering::Acquire)).finish()
    }
}

impl<T> Handed<T> {
    /// Waits for the piece and returns its result; a panic in it is raised here.
    pub fn take(self) -> T {
        spin_until(|| self.slot.done.load(Ordering::Acquire));
        let mut state = lock(&self.slot.state);
        loop {
            if let Some(result) = state.result.take() {
                return result.unwrap_or_else(|panic| resume_unwind(panic));
            }
            state.waiting = true;
            state = self.slot.ready.wait(state).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pieces come back with their own results, whether the worker spins or has gone to sleep
    /// between them, and in any order they are taken back.
    #[test]
    fn each_piece_comes_back_with_its_result() {
        let mut worker = Worker::default();
        let handed: Vec<_> = (0..200u64).map(|k| worker.hand_over(move || (0..=k).sum::<u64>())).collect();
        let sums: Vec<u64> = handed.into_iter().rev().map(Handed::take).collect();
        assert!(sums.iter().rev().enumerate().all(|(k, &s)| s == (k as u64) * (k as u64 + 1) / 2));
        // Once spinning has found nothing the worker sleeps, and handing over must wake it.
        let asleep = (0..1_000).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            *lock(&worker.shared.asleep)
        });
        assert!(asleep, "the worker went to sleep");
        assert_eq!(worker.hand_over(|| "awake").take(), "awake");
    }

    /// A piece that panics raises its panic where it is taken back, and the worker goes on.
    #[test]
    fn a_panic_in_a_piece_is_raised_where_it_is_taken_back() {
        let mut worker = Worker::default();
        let failed = worker.hand_over(|| -> u32 { panic!("a broken piece") });
        let raised = catch_unwind(AssertUnwindSafe(|| failed.take())).expect_err("the panic is raised");
        assert_eq!(raised.downcast_ref::<&str>(), Some(&"a broken piece"));
        assert_eq!(worker.hand_over(|| 7).take(), 7);
    }

    /// A piece done beside this thread borrows what the caller holds, on the worker's thread,
    /// while this thread does its own part; whether the worker spins or has gone to sleep.
    #[test]
    fn a_piece_beside_borrows_and_runs_on_the_worker() {
        let mut worker = Worker::default();
        let (mut left, mut right) = (vec![1u64; 1_000], vec![2u64; 1_000]);
        let here = std::thread::current().id();
        for round in 0..3u64 {
            let (a, (b, there)) = worker.beside(
                || {
                    left.iter_mut().for_each(|x| *x += round);
                    left.iter().sum::<u64>()
                },
                || {
                    right.iter_mut().for_each(|x| *x *= 2);
                    (right.iter().sum::<u64>(), std::thread::current().id())
                },
            );
            assert_ne!(there, here, "the piece beside ran on the worker");
            assert_eq!(a, 1_000 * (1 + (0..=round).sum::<u64>()));
            assert_eq!(b, 1_000 * 2 * 2u64.pow(round as u32 + 1));
            std::thread::sleep(std::time::Duration::from_millis(if round == 0 { 0 } else { 50 }));
        }
        assert_eq!(worker.hand_over(|| 5).take(), 5);
    }

    /// A panic in the piece beside is raised here once this thread's part is done too.
    #[test]
    fn a_panic_beside_is_raised_after_both_parts() {
        let mut worker = Worker::default();
        let mut here_done = false;
        let raised =
            catch_unwind(AssertUnwindSafe(|| worker.beside(|| here_done = true, || -> u8 { panic!("a broken lane") })))
                .expect_err("the panic is raised");
        assert!(here_done, "this thread's part ran to its end");
        assert_eq!(raised.downcast_ref::<&str>(), Some(&"a broken lane"));
        assert_eq!(worker.beside(|| 1, || 2), (1, 2));
    }

    /// Dropping the worker finishes what was handed over and stops its thread.
    #[test]
    fn dropping_the_worker_finishes_its_pieces_and_stops_it() {
        let mut worker = Worker::default();
        let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _ in 0..10 {
            let done = Arc::clone(&done);
            let _ = worker.hand_over(move || {
                std::thread::sleep(std::time::Duration::from_millis(2));
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        drop(worker);
        assert_eq!(done.load(Ordering::SeqCst), 10);
    }
}
