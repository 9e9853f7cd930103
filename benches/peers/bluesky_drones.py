"""Flies pilotzone's drones in BlueSky: the drones aloft in a snapshot written by
`cargo bench --bench airspace -- --snapshot FILE` become BlueSky aircraft at the same places,
heights, courses and speeds, and BlueSky runs them with conflict detection on for the same
simulated seconds. Prints one JSON line: drones, simulated seconds, wall seconds, step.

    python bluesky_drones.py SNAPSHOT SECONDS

Run it with the Python of a virtual environment holding `bluesky-simulator==1.1.1`.
"""

import json
import math
import sys
import time

import bluesky as bs

# Where the town's origin is put on the globe (the Netherlands, BlueSky's home ground).
LAT0, LON0 = 52.0, 4.0
M_PER_DEG_LAT = 111_320.0
FT = 0.3048
KT = 1852.0 / 3600.0
# Conflict detection as in the peers' notes: a 50 m / ±15 m protected zone, 30 s look-ahead,
# 0.05 s step, no resolution.
SETUP = ["DT 0.05", "ASAS ON", "ZONER 0.027", "ZONEDH 49", "DTLOOK 30", "RESO OFF"]


def main():
    snapshot, seconds = sys.argv[1], float(sys.argv[2])
    drones = json.load(open(snapshot))
    bs.init(mode="sim", detached=True)
    for command in SETUP:
        bs.stack.stack(command)
    m_per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians(LAT0))
    for i, d in enumerate(drones):
        (x, y, z), (vx, vy, _) = d["pos"], d["vel"]
        lat, lon = LAT0 + y / M_PER_DEG_LAT, LON0 + x / m_per_deg_lon
        heading = math.degrees(math.atan2(vx, vy)) % 360.0
        speed_kt = math.hypot(vx, vy) / KT
        bs.stack.stack(f"CRE D{i} M600 {lat:.7f} {lon:.7f} {heading:.1f} {max(z, 1.0) / FT:.0f} {speed_kt:.1f}")
    bs.stack.process()
    assert bs.traf.ntraf == len(drones), f"BlueSky made {bs.traf.ntraf} of {len(drones)} drones"
    start = bs.sim.simt
    steps = 0
    t = time.monotonic()
    while bs.sim.simt - start < seconds - 1e-9:
        bs.sim.step()
        steps += 1
    wall = time.monotonic() - t
    print(json.dumps({
        "drones": int(bs.traf.ntraf),
        "seconds": bs.sim.simt - start,
        "wall_s": wall,
        "step_s": (bs.sim.simt - start) / max(steps, 1),
        "conflicts_now": int(len(bs.traf.cd.confpairs)) // 2,
    }))


if __name__ == "__main__":
    main()
