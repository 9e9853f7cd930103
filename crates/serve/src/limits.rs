//! Rate limits: a token bucket per participant and per client address for every change. A
//! bucket holds `burst` changes and refills at `per_minute`; an empty one answers 429 with the
//! seconds to wait. Buckets live in memory: a restart forgives everyone, which is harmless.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::http::request::Parts;
use tokio::time::Instant;

use crate::ApiError;

/// How fast changes may come.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Changes at once.
    pub burst: f64,
    /// Changes per minute, sustained.
    pub per_minute: f64,
}

/// The service's limits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Per participant.
    pub participant: Rate,
    /// Per client address (a meeting room behind one router shares one).
    pub address: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { participant: Rate { burst: 10.0, per_minute: 20.0 }, address: Rate { burst: 60.0, per_minute: 600.0 } }
    }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Buckets beyond which full ones are dropped.
const MAX_BUCKETS: usize = 100_000;

/// The buckets.
#[derive(Debug, Default)]
pub struct Limiter {
    limits: Limits,
    participants: Mutex<BTreeMap<i64, Bucket>>,
    addresses: Mutex<BTreeMap<IpAddr, Bucket>>,
}

impl Limiter {
    /// Buckets for these limits.
    pub fn new(limits: Limits) -> Self {
        Limiter { limits, ..Limiter::default() }
    }

    /// Takes one change from the participant's bucket.
    pub fn check_participant(&self, id: i64) -> Result<(), ApiError> {
        take(&self.participants, id, self.limits.participant, "you are")
    }

    /// Takes one change from the address's bucket; a request with no known address (a test
    /// calling the router directly) is not limited by address.
    pub fn check_address(&self, addr: Option<IpAddr>) -> Result<(), ApiError> {
        addr.map_or(Ok(()), |a| take(&self.addresses, a, self.limits.address, "your network is"))
    }
}

fn take<K: Ord + Copy>(buckets: &Mutex<BTreeMap<K, Bucket>>, key: K, rate: Rate, who: &str) -> Result<(), ApiError> {
    let now = Instant::now();
    let mut buckets = buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if buckets.len() > MAX_BUCKETS {
        buckets.retain(|_, b| refill(*b, rate, now) < rate.burst);
    }
    let bucket = buckets.entry(key).or_insert(Bucket { tokens: rate.burst, at: now });
    let tokens = refill(*bucket, rate, now);
    if tokens < 1.0 {
        let wait_s = ((1.0 - tokens) * 60.0 / rate.per_minute).ceil();
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("{who} sending changes faster than {} a minute; wait {wait_s} s and send again", rate.per_minute),
        ));
    }
    *bucket = Bucket { tokens: tokens - 1.0, at: now };
    Ok(())
}

fn refill(b: Bucket, rate: Rate, now: Instant) -> f64 {
    (b.tokens + now.duration_since(b.at).as_secs_f64() * rate.per_minute / 60.0).min(rate.burst)
}

/// The client's address, from the connection (never from a header a client can write).
pub fn address(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let limiter = Limiter::new(Limits {
            participant: Rate { burst: 3.0, per_minute: 60.0 },
            address: Rate { burst: 1.0, per_minute: 1.0 },
        });
        for _ in 0..3 {
            limiter.check_participant(7).expect("within the burst");
        }
        let err = limiter.check_participant(7).expect_err("burst spent");
        assert_eq!(err.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(err.message.contains("wait 1 s"), "{}", err.message);
        limiter.check_participant(8).expect("another participant has their own bucket");
        tokio::time::advance(std::time::Duration::from_millis(1100)).await;
        limiter.check_participant(7).expect("one change refilled after a second");
        assert!(limiter.check_participant(7).is_err());
        limiter.check_address(None).expect("no address, no address limit");
    }
}
