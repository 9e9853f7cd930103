//! Conditions that last (two drones too close, a drone inside a volume, a vehicle speeding)
//! are one incident per episode: logged when the condition begins, over when it clears.

use std::collections::BTreeSet;

/// The episodes of one kind of condition, by key (a pair of entities, an entity and a volume).
///
/// Each check notes every key the condition holds for with [`Episodes::begins`] and ends with
/// [`Episodes::close`]; a key not noted in a check has cleared.
#[derive(Debug)]
pub struct Episodes<K> {
    /// Keys the condition held for at the last check.
    open: BTreeSet<K>,
    /// Keys it holds for at this check, so far.
    now: BTreeSet<K>,
}

impl<K> Default for Episodes<K> {
    fn default() -> Self {
        Episodes { open: BTreeSet::new(), now: BTreeSet::new() }
    }
}

impl<K: Ord + Copy> Episodes<K> {
    /// Notes that the condition holds for `key` now; true when this begins an episode (log the
    /// incident then).
    pub fn begins(&mut self, key: K) -> bool {
        self.now.insert(key);
        !self.open.contains(&key)
    }

    /// Ends the check: episodes whose condition was not noted are over.
    pub fn close(&mut self) {
        std::mem::swap(&mut self.open, &mut self.now);
        self.now.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_incident_per_episode() {
        let mut e = Episodes::default();
        assert!(e.begins(1), "a condition that starts begins an episode");
        e.close();
        assert!(!e.begins(1), "still holding at the next check: the same episode");
        e.close();
        e.close();
        assert!(e.begins(1), "cleared for a check, then back: a new episode");
    }
}
