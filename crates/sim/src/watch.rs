//! Entities a system must look at every tick, kept without visiting the whole roster.
//!
//! At city scale most of the 10,000 vehicles stand parked for hours and most of the 2,000
//! drones stand on their pads, yet charging, dwells, the fleet's tallies, the physics and the
//! flights each looked every one up ten times a simulated second. An entity's state only
//! changes through a mutable borrow, which bevy stamps; so a system keeps the entities for
//! which its condition held when it last looked, and learns of every other one that may now
//! meet it from the stamps of those changed since it last ran. It visits them in id order, the
//! order of the rosters, so what they log and plan comes out as before.

use bevy::prelude::*;

/// Entities (id, entity) in id order for which a system's condition held when it last looked,
/// and which ids those are: a busy vehicle is changed every tick it drives, and is found kept
/// at a glance rather than merged in again.
#[derive(Debug, Default)]
pub struct Watched {
    list: Vec<(u32, Entity)>,
    kept: Vec<bool>,
}

impl Watched {
    /// Adds entities that changed since the system last ran and now meet its condition; those
    /// already kept are kept once.
    pub fn learn(&mut self, changed: impl IntoIterator<Item = (u32, Entity)>) {
        let old = self.list.len();
        // Driven from inside (`for_each`, not a `for` loop): a query then runs its own tight
        // loop over each table rather than being stepped entity by entity, and at city scale
        // this goes through every vehicle each tick.
        changed.into_iter().for_each(|(id, e)| {
            let i = id as usize;
            if i >= self.kept.len() {
                self.kept.resize(i + 1, false);
            }
            if !self.kept[i] {
                self.kept[i] = true;
                self.list.push((id, e));
            }
        });
        if self.list.len() > old {
            // The new ones sorted, then two sorted runs merged in one pass.
            self.list[old..].sort_unstable_by_key(|&(id, _)| id);
            if self.list[..old].last().map(|&(id, _)| id) > self.list.get(old).map(|&(id, _)| id) {
                self.list.sort_by_key(|&(id, _)| id);
            }
        }
    }

    /// Visits the kept entities in id order; `still` acts on one and says whether the
    /// condition still holds for it afterwards, or it is dropped.
    pub fn visit(&mut self, mut still: impl FnMut(Entity) -> bool) {
        let kept = &mut self.kept;
        self.list.retain(|&(id, e)| {
            let stays = still(e);
            kept[id as usize] = stays;
            stays
        });
    }

    /// How many are kept.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vehicles_are_visited_once_each_in_id_order_until_their_condition_ends() {
        let e = |i: u32| Entity::from_raw_u32(i).expect("a valid index");
        let mut w = Watched::default();
        w.learn([(5, e(50)), (2, e(20))]);
        w.learn([(9, e(90)), (2, e(20)), (4, e(40))]);
        let mut seen = Vec::new();
        w.visit(|x| {
            seen.push(x);
            x != e(40)
        });
        assert_eq!(seen, [e(20), e(40), e(50), e(90)]);
        seen.clear();
        w.learn([(1, e(10))]);
        w.visit(|x| {
            seen.push(x);
            true
        });
        assert_eq!(seen, [e(10), e(20), e(50), e(90)], "the one whose condition ended is gone");
        assert_eq!(w.len(), 4);
        // Changed again: the kept ones stay once, the dropped one comes back in its place.
        seen.clear();
        w.learn([(90, e(900)), (9, e(90)), (4, e(40)), (1, e(10))]);
        w.visit(|x| {
            seen.push(x);
            true
        });
        assert_eq!(seen, [e(10), e(20), e(40), e(50), e(90), e(900)], "once each, in id order");
        assert_eq!(w.len(), 6);
    }
}
