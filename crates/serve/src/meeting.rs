//! Meeting mode: an official or researcher presents (option, seed, moment, speed, where the
//! map looks) and every page that opened the study's meeting view follows, by server-sent
//! events. The last state is kept, so a projector that joins late starts where the room is.

use std::convert::Infallible;
use std::sync::Arc;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_core::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::WatchStream;

/// Most presenters' states a service keeps channels for (one per study).
pub const MAX_CHANNELS: usize = 1000;

/// Where the presenter is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presented {
    /// Rule option shown (on the left when comparing).
    pub option: String,
    /// Second option, when comparing.
    #[serde(default)]
    pub compare: Option<String>,
    /// Seed.
    pub seed: u64,
    /// Moment, ms since the run's start.
    pub t_ms: u64,
    /// Whether the replay plays.
    #[serde(default)]
    pub playing: bool,
    /// Playback speed (×1 … ×600).
    #[serde(default = "one")]
    pub speed: f64,
    /// Centre of the map view, m, and its scale in metres per 100 pixels.
    #[serde(default)]
    pub view: Option<[f64; 3]>,
}

fn one() -> f64 {
    1.0
}

/// What followers receive: the presented state, who presents, and a sequence number.
#[derive(Clone, Debug, Serialize)]
pub struct MeetingState {
    /// The state.
    #[serde(flatten)]
    pub presented: Presented,
    /// The presenter's name.
    pub presenter: String,
    /// Increases with every change.
    pub seq: u64,
}

/// One study's channel.
#[derive(Debug)]
pub struct Channel {
    tx: watch::Sender<Option<Arc<String>>>,
    seq: u64,
}

impl Default for Channel {
    fn default() -> Self {
        Channel { tx: watch::channel(None).0, seq: 0 }
    }
}

impl Channel {
    /// Sends a new state to every follower; returns what they received.
    pub fn present(&mut self, presented: Presented, presenter: &str) -> MeetingState {
        self.seq += 1;
        let state = MeetingState { presented, presenter: presenter.to_owned(), seq: self.seq };
        let json = serde_json::to_string(&state).expect("a meeting state is plain values");
        self.tx.send_replace(Some(Arc::new(json)));
        state
    }

    /// The events a follower reads: the current state (if any), then every change.
    pub fn follow(&self) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
        let stream = WatchStream::new(self.tx.subscribe())
            .filter_map(|state| state.map(|json| Ok(Event::default().event("state").data(json.as_str()))));
        Sse::new(stream).keep_alive(KeepAlive::default())
    }
}
