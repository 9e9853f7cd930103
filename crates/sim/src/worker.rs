//! The simulation's own worker thread, for pieces of a tick handed over while the simulation's
//! thread goes on (the drones' physics step, the road's look ahead for near misses) and taken
//! back later in the same tick.
//!
//! At city scale such pieces come every few hundred microseconds. A thread pool's worker that
//! sleeps between them has to be woken by a system call each time, and in a virtual machine
//! that cost the simulation's thread about a twentieth of its time. This worker waits for the
//! next piece by spinning for about a millisecond (yielding the core at every turn, so that
//! another thread ready to run can have it) before it sleeps, so that handing a piece over is
//! a push onto a queue; taking one back likewise spins before it sleeps. A small town hands
//! nothing over and never starts the thread. Which thread computes a piece changes nothing in
//! what it computes.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use bevy::prelude::Resource;

/// Turns a waiting thread spins (each a few short pauses, then yielding the core) before it
/// sleeps: about a millisecond here (0.97 ms measured; more on a machine with longer pauses or
/// busier cores), longer than the gap between two pieces of a busy tick.
const SPIN_TURNS: u32 = 2_000;
/// Pauses in one turn of spinning.
const PAUSES: u32 = 32;

type Job = Box<dyn FnOnce() + Send>;

/// The queue of pieces, and whether the worker sleeps or should quit.
#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    asleep: bool,
    quit: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    /// Pieces queued, read without the lock while spinning.
    queued: AtomicUsize,
    /// Told to quit, read without the lock while spinning.
    quitting: AtomicBool,
    wake: Condvar,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks: pieces run outside them, under `catch_unwind`.
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
    /// The next piece, spinning a little and then sleeping until there is one; none once told
    /// to quit.
    fn next(&self) -> Option<Job> {
        spin_until(|| self.queued.load(Ordering::Acquire) > 0 || self.quitting.load(Ordering::Acquire));
        let mut queue = lock(&self.queue);
        loop {
            if let Some(job) = queue.jobs.pop_front() {
                self.queued.fetch_sub(1, Ordering::AcqRel);
                return Some(job);
            }
            if queue.quit {
                return None;
            }
            queue.asleep = true;
            queue = self.wake.wait(queue).unwrap_or_else(std::sync::PoisonError::into_inner);
            queue.asleep = false;
        }
    }
}

/// The worker thread, started on the first piece handed over and stopped when dropped.
#[derive(Resource, Default)]
pub struct Worker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("started", &self.thread.is_some()).finish()
    }
}

impl Worker {
    /// Hands `job` over; its result (or its panic) is taken back with [`Handed::take`].
    pub fn hand_over<T: Send + 'static>(&mut self, job: impl FnOnce() -> T + Send + 'static) -> Handed<T> {
        if self.thread.is_none() {
            let shared = Arc::clone(&self.shared);
            let thread = std::thread::Builder::new().name("pilotzone tick".into()).spawn(move || {
                while let Some(job) = shared.next() {
                    job();
                }
            });
            // Without a thread of its own, each piece is done here and now.
            self.thread = thread.ok();
        }
        let slot = Arc::new(Slot::default());
        let filled = Arc::clone(&slot);
        let job: Job = Box::new(move || filled.fill(catch_unwind(AssertUnwindSafe(job))));
        if self.thread.is_none() {
            job();
            return Handed { slot };
        }
        let mut queue = lock(&self.shared.queue);
        queue.jobs.push_back(job);
        self.shared.queued.fetch_add(1, Ordering::AcqRel);
        let asleep = queue.asleep;
        drop(queue);
        if asleep {
            self.shared.wake.notify_one();
        }
        Handed { slot }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let Some(thread) = self.thread.take() else { return };
        lock(&self.shared.queue).quit = true;
        self.shared.quitting.store(true, Ordering::Release);
        self.shared.wake.notify_one();
        // Pieces still queued are done first; a panic in one was caught and is dropped with it.
        let _ = thread.join();
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
            lock(&worker.shared.queue).asleep
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

    /// Dropping the worker finishes what was handed over and stops its thread.
    #[test]
    fn dropping_the_worker_finishes_its_pieces_and_stops_it() {
        let mut worker = Worker::default();
        let done = Arc::new(AtomicUsize::new(0));
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
