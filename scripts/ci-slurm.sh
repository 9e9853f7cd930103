#!/usr/bin/env bash
# A study on a real Slurm cluster, submitted with deploy/slurm/ exactly as the README says, must
# merge into the same study.csv and summary.csv, byte for byte, as one machine's batch.
# Needs the release binary (cargo build --release) and a cluster (scripts/slurm-test-cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/target/release/pilotzone
work=$PWD/target/ci-slurm
rm -rf "$work"
mkdir -p "$work/logs"
export SCENARIO=scenarios/demo.ron RULES=scenarios/rules/school-10.ron SEEDS=seeds/ci.ron

started=$(date +%s)
out=$(STUDY_DIR=$work/cluster PILOTZONE=$bin deploy/slurm/submit.sh)
echo "$out"
merge=$(sed -n 's/.*their merge as job \([0-9]*\);.*/\1/p' <<<"$out")
test -n "$merge"

# Completed jobs stay in slurmctld's memory for MinJobAge (300 s), long enough to read their end.
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }
for _ in $(seq 600); do
  state=$(job_state "$merge")
  case "$state" in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;; esac
  sleep 1
done
mv slurm-*.out "$work/logs/" 2>/dev/null || true
echo "merge job $merge ended ${state:-unknown} after $(( $(date +%s) - started )) s"
if [ "$state" != COMPLETED ]; then
  squeue || true
  tail -n 20 "$work"/logs/* >&2 || true
  exit 1
fi
shards=$(ls -d "$work"/logs/slurm-*_*.out | wc -l)
echo "the array ran $shards shards"

$bin batch "$SCENARIO" --rules "$RULES" --seeds "$SEEDS" --out "$work/one" --quiet
for table in study.csv summary.csv; do
  cmp "$work/cluster/$table" "$work/one/$table"
  echo "$table: the cluster's merge equals one machine's batch ($(wc -l <"$work/one/$table") lines)"
done
