//! Routing for pilotzone: the road graph, shortest paths and travel-time searches for
//! dispatch, and the 3D airspace planner for drones. Pure algorithms: no bevy, no rapier.

pub mod airspace;
pub mod cch;
pub mod customize;
pub mod dijkstra;
pub mod geom;
pub mod graph;
pub mod order;
pub mod query;

pub use airspace::{AirspacePlanner, NoPath, Obstacle, Waypoint};
pub use cch::Cch;
pub use customize::CchMetric;
pub use dijkstra::{UNREACHED, Workspace};
pub use geom::Vec2;
pub use graph::{ArcSpec, CLOSED, Metric, RoadGraph};
pub use query::{Query, Table, Targets, UNREACHABLE};
