//! Who is in the simulation, in id order: the rosters every order-sensitive system visits
//! entities in. Ids run taxis, drones, residents' cars, people.

use bevy::prelude::*;

/// Taxi entities in id order: the order every order-sensitive system visits them in.
#[derive(Resource, Debug, Default)]
pub struct TaxiRoster(pub Vec<Entity>);

/// Drone entities in id order.
#[derive(Resource, Debug, Default)]
pub struct DroneRoster(pub Vec<Entity>);

/// The residents' cars, in id order (ids follow the drones').
#[derive(Resource, Debug, Default)]
pub struct CarRoster(pub Vec<Entity>);

/// The pedestrian pool, in id order (ids follow the cars').
#[derive(Resource, Debug, Default)]
pub struct PedestrianRoster(pub Vec<Entity>);

/// Every roster, in the order entity ids follow: taxis, drones, residents' cars, people.
#[derive(bevy::ecs::system::SystemParam)]
pub struct Rosters<'w> {
    /// Robotaxis.
    pub taxis: Res<'w, TaxiRoster>,
    /// Drones.
    pub drones: Res<'w, DroneRoster>,
    /// Residents' cars.
    pub cars: Res<'w, CarRoster>,
    /// People.
    pub people: Res<'w, PedestrianRoster>,
}

impl Rosters<'_> {
    /// The id of the first drone (ids before it are taxis').
    pub fn first_drone(&self) -> u32 {
        self.taxis.0.len() as u32
    }

    /// The id of the first resident's car.
    pub fn first_car(&self) -> u32 {
        self.first_drone() + self.drones.0.len() as u32
    }

    /// The id of the first person.
    pub fn first_person(&self) -> u32 {
        self.first_car() + self.cars.0.len() as u32
    }
}
