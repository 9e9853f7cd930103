#!/usr/bin/env python3
"""pilotzone against Eclipse SUMO on the same taxi study, in one run.

For each size: `pilotzone gen grid` writes the town (requests over the first two hours, riders
who never give up, greedy nearest dispatch every 60 s); `pilotzone run` simulates it with
physics and the safety monitor on; `pilotzone export sumo` hands the same network, fleet and
requests to SUMO, which runs them microscopically and mesoscopically. One table: wall seconds,
real-time factor, peak memory, riders served, mean and p90 wait, and pilotzone/SUMO ratios.

    python3 benches/peers/run.py [--sizes small,medium,large] [--timeout 2400] [--out target/peers]

`--sweep` runs the density sweep instead: one town (15 × 15 junctions, 200 m blocks) with 100
to 1,000 taxis, 20 requests per taxi over two hours, three hours run, pilotzone and SUMO micro
on the same export: riders served, served per vehicle-hour, mean wait, wall seconds, and
pilotzone's throughput against SUMO's.

    python3 benches/peers/run.py --sweep [--fleets 100,200,400,600,800,1000]

`--drones` runs the drones instead: `cargo bench --bench airspace` flies a 4 km × 4 km town
until 2,000 drones are aloft and times the next `--seconds` simulated seconds; BlueSky 1.1.1 then
flies the same drones (same places, heights, courses and speeds) with conflict detection on for
as long; one table of simulated seconds per wall second and the ratio.

    python3 benches/peers/run.py --drones [--seconds 120]

SUMO and BlueSky come from PyPI (`eclipse-sumo`, `bluesky-simulator`) into virtual environments
under the output folder.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# (name, grid size, taxis, requests): requests over two hours, runs of three hours.
SIZES = {
    "small": (20, 100, 2000),
    "medium": (30, 300, 6000),
    "large": (40, 600, 12000),
}
DURATION_S = 10800
DEMAND_S = 7200
SEED = 42
# The density sweep's town and its requests per taxi.
SWEEP_GRID = 15
SWEEP_REQUESTS_PER_TAXI = 20
SWEEP_SEED = 7


def measured(cmd, timeout, cwd=None, env=None):
    """Runs cmd; wall seconds and peak resident memory (MB) of it alone, or None on timeout."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.monotonic()\n"
        "r = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=float(sys.argv[1]))\n"
        "w = time.monotonic() - t\n"
        "sys.stderr.write(r.stderr.decode(errors='replace')[-2000:])\n"
        "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, r.returncode)\n"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", probe, str(timeout), *map(str, cmd)],
            capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout + 60,
        )
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0 or not out.stdout.strip():
        if "TimeoutExpired" in out.stderr:
            return None
        raise SystemExit(f"{cmd[0]} failed:\n{out.stderr}")
    wall, rss, code = out.stdout.split()
    if int(code) != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} exited {code}:\n{out.stderr}")
    return float(wall), float(rss)


def venv_python(venv, package):
    """The Python of a virtual environment holding `package`, made on first use."""
    py = venv / "bin" / "python"
    if not py.exists():
        print("installing", package, "into", venv, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", package], check=True)
    return py


def sumo_home(work):
    py = venv_python(work / "venv", "eclipse-sumo==1.28.0")
    return subprocess.run([str(py), "-c", "import sumo; print(sumo.SUMO_HOME)"],
                          check=True, capture_output=True, text=True).stdout.strip()


def drones(args, work):
    """2,000 drones aloft: pilotzone against BlueSky on the same drones."""
    py = venv_python(work / "bluesky-venv", "bluesky-simulator==1.1.1")
    snapshot, result = work / "drones-aloft.json", work / "airspace.json"
    print("pilotzone: flying the town until 2,000 drones are aloft", flush=True)
    subprocess.run(["cargo", "bench", "--locked", "--quiet", "--bench", "airspace", "--", "--seconds",
                    str(args.seconds), "--snapshot", str(snapshot), "--json", str(result)], cwd=ROOT, check=True)
    ours = json.loads(result.read_text())
    print("BlueSky: the same drones", flush=True)
    out = subprocess.run([str(py), str(Path(__file__).with_name("bluesky_drones.py")), str(snapshot),
                          str(args.seconds)], cwd=work, check=True, capture_output=True, text=True)
    theirs = json.loads(out.stdout.strip().splitlines()[-1])
    rate_ours = ours["seconds"] / ours["wall_s"]
    rate_theirs = theirs["seconds"] / theirs["wall_s"]
    print()
    print("| engine | drones aloft | step s | simulated s | wall s | simulated s per wall s |")
    print("|---|---|---|---|---|---|")
    print(f"| pilotzone (physics, flight control, tactical separation, safety monitor, recorder) | {ours['aloft_at_start']:,} "
          f"(at least {ours['aloft_fewest']:,}) | {ours['tick_ms'] / 1000:.2f} | {ours['seconds']} | "
          f"{ours['wall_s']:.2f} | {rate_ours:.1f} |")
    print(f"| BlueSky 1.1.1 (conflict detection on) | {theirs['drones']:,} | {theirs['step_s']:.2f} | "
          f"{theirs['seconds']:.0f} | {theirs['wall_s']:.2f} | {rate_theirs:.2f} |")
    print(f"\npilotzone / BlueSky: {rate_ours / rate_theirs:.1f}× (target ≥ 20×). pilotzone's window starts "
          f"{ours['start_s']} s into the run; over its whole run {ours['separation_losses']:,} losses of separation "
          f"and {ours['collisions']:,} collisions (strategic deconfliction off in both, tactical separation on in pilotzone); BlueSky saw "
          f"{theirs['conflicts_now']:,} conflicts at its last step.")


def sumo_results(tripinfo):
    waits, served = [], 0
    for ride in ET.parse(tripinfo).getroot().iter("ride"):
        if float(ride.get("depart", "-1")) >= 0:
            waits.append(float(ride.get("waitingTime")))
        if float(ride.get("arrival", "-1")) >= 0:
            served += 1
    return served, waits


def p90(values):
    if not values:
        return None
    s = sorted(values)
    return s[max(1, -(-9 * len(s) // 10)) - 1]


def grid_town(pz, d, size, taxis, requests, seed):
    """Writes the grid town of one run into folder d (200 m blocks, three hours, demand over two,
    riders who never give up, dispatch every 60 s); its scenario file."""
    d.mkdir(exist_ok=True)
    scenario = d / "scenario.ron"
    gen = [pz, "gen", "grid", "--size", size, "--block-m", 200, "--taxis", taxis, "--requests", requests,
           "--duration-s", DURATION_S, "--demand-s", DEMAND_S, "--max-wait-s", 100000,
           "--dispatch-period-s", 60, "--seed", seed, "--out", scenario]
    subprocess.run(list(map(str, gen)), check=True)
    return scenario


def sweep(args, pz, sumo, env, work):
    """The density sweep: one town, growing fleets; pilotzone against SUMO micro."""
    rows = []
    for taxis in map(int, args.fleets.split(",")):
        requests = taxis * SWEEP_REQUESTS_PER_TAXI
        d = work / f"sweep-{taxis}"
        scenario = grid_town(pz, d, SWEEP_GRID, taxis, requests, SWEEP_SEED)
        print(f"{taxis} taxis: pilotzone", flush=True)
        ours = measured([pz, "run", scenario, "--out", d / "pilotzone", "--quiet"], args.timeout)
        k = json.loads((d / "pilotzone" / "kpis.json").read_text())
        subprocess.run(list(map(str, [pz, "export", "sumo", scenario, "--out", d / "sumo"])), check=True, env=env,
                       stdout=subprocess.DEVNULL)
        print(f"{taxis} taxis: SUMO micro", flush=True)
        r = measured([sumo, "-c", "run.sumocfg", "--tripinfo-output", "tripinfo.xml"], args.timeout,
                     cwd=d / "sumo", env=env)
        theirs = None
        if r is not None:
            served, waits = sumo_results(d / "sumo" / "tripinfo.xml")
            theirs = (r[0], served, statistics.fmean(waits) if waits else None)
        rows.append((taxis, k["taxi"]["requests"], ours[0], k["taxi"]["served"], k["taxi"]["wait_s"]["mean"], theirs))

    def fmt(v, spec):
        return "—" if v is None else format(v, spec)

    hours = DURATION_S / 3600
    print()
    print("| taxis | requests | pilotzone served | per vehicle-hour | mean wait s | wall s |"
          " SUMO served | per vehicle-hour | mean wait s | wall s | pilotzone / SUMO throughput |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for taxis, requests, wall, served, wait, theirs in rows:
        sw, ss, swait = theirs if theirs else (None, None, None)
        ratio = None if not ss else served / ss
        print(f"| {taxis:,} | {requests:,} | {served:,} | {served / (taxis * hours):.2f} | {fmt(wait, '.0f')} | "
              f"{wall:.1f} | {fmt(ss, ',')} | {fmt(None if ss is None else ss / (taxis * hours), '.2f')} | "
              f"{fmt(swait, '.0f')} | {fmt(sw, '.1f') if sw is not None else f'> {args.timeout:.0f}'} | "
              f"{fmt(ratio, '.3f')} |")
    print(f"\n{SWEEP_GRID} × {SWEEP_GRID} junctions, 200 m blocks, 40 km/h; {SWEEP_REQUESTS_PER_TAXI} requests per "
          f"taxi over the first {DEMAND_S} s of {DURATION_S} s; seed {SWEEP_SEED}; greedy nearest dispatch every "
          "60 s; riders never give up; SUMO micro with teleporting off.")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="small,medium,large")
    ap.add_argument("--timeout", type=float, default=2400, help="seconds one SUMO run may take")
    ap.add_argument("--out", default=str(ROOT / "target" / "peers"))
    ap.add_argument("--no-meso", action="store_true", help="skip SUMO's mesoscopic runs")
    ap.add_argument("--sweep", action="store_true", help="run the density sweep instead of the sizes")
    ap.add_argument("--fleets", default="100,200,400,600,800,1000", help="fleet sizes of the density sweep")
    ap.add_argument("--drones", action="store_true", help="run 2,000 drones aloft against BlueSky instead")
    ap.add_argument("--seconds", type=int, default=120, help="simulated seconds each engine flies the drones")
    args = ap.parse_args()
    work = Path(args.out).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.drones:
        drones(args, work)
        return
    home = sumo_home(work)
    env = dict(os.environ, SUMO_HOME=home)
    sumo = Path(home) / "bin" / "sumo"
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    pz = ROOT / "target" / "release" / "pilotzone"
    if args.sweep:
        sweep(args, pz, sumo, env, work)
        return
    rows = []
    for name in args.sizes.split(","):
        size, taxis, requests = SIZES[name]
        d = work / name
        scenario = grid_town(pz, d, size, taxis, requests, SEED)
        label = f"{size}×{size}, {taxis} taxis, {requests:,} requests"
        print(f"{label}: pilotzone", flush=True)
        wall, rss = measured([pz, "run", scenario, "--out", d / "pilotzone", "--quiet"], args.timeout)
        k = json.loads((d / "pilotzone" / "kpis.json").read_text())
        rows.append((label, "pilotzone", wall, rss, k["taxi"]["served"], k["taxi"]["wait_s"]["mean"],
                     k["taxi"]["wait_s"]["p90"]))
        subprocess.run(list(map(str, [pz, "export", "sumo", scenario, "--out", d / "sumo"])), check=True, env=env,
                       stdout=subprocess.DEVNULL)
        for mode, extra in [("SUMO micro", []), ("SUMO meso", ["--mesosim"])]:
            if mode == "SUMO meso" and args.no_meso:
                continue
            print(f"{label}: {mode}", flush=True)
            tripinfo = d / "sumo" / ("tripinfo-meso.xml" if extra else "tripinfo.xml")
            r = measured([sumo, "-c", "run.sumocfg", "--tripinfo-output", tripinfo.name, *extra], args.timeout,
                         cwd=d / "sumo", env=env)
            if r is None:
                rows.append((label, mode, None, None, None, None, None))
                continue
            served, waits = sumo_results(tripinfo)
            rows.append((label, mode, r[0], r[1], served, statistics.fmean(waits) if waits else None, p90(waits)))

    def fmt(v, spec):
        return "—" if v is None else format(v, spec)

    print()
    print("| work | engine | wall s | simulated s per wall s | peak MB | served | mean wait s | p90 wait s |"
          " pilotzone speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, engine, wall, rss, served, mean, high in rows:
        ours = next(r for r in rows if r[0] == label and r[1] == "pilotzone")
        if engine == "pilotzone":
            ratio = ""
        elif wall is None:
            ratio = f"> {args.timeout / ours[2]:.0f}× (SUMO stopped at {args.timeout:.0f} s)"
        else:
            ratio = f"{wall / ours[2]:.1f}×"
        rtf = None if wall is None else DURATION_S / wall
        print(f"| {label} | {engine} | {fmt(wall, '.1f') if wall is not None else f'> {args.timeout:.0f}'} | "
              f"{fmt(rtf, ',.0f')} | {fmt(rss, '.0f')} | {fmt(served, ',')} | {fmt(mean, '.0f')} | "
              f"{fmt(high, '.0f')} | {ratio} |")
    print(f"\nEach run simulates {DURATION_S} s with requests over the first {DEMAND_S} s; seed {SEED}; "
          f"greedy nearest dispatch every 60 s; pickup 30 s, drop-off 45 s; riders never give up.")


if __name__ == "__main__":
    main()
