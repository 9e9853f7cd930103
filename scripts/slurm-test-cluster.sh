#!/usr/bin/env bash
# A one-node Slurm cluster on this machine for CI: Debian's `slurm-wlm` and `munge` (installed
# if missing), a configuration, state and spool of its own in a temporary folder, `slurmctld` and
# `slurmd` as root. Prints the SLURM_CONF the Slurm commands read.
#   eval "$(bash scripts/slurm-test-cluster.sh start)"   # exports SLURM_CONF
#   bash scripts/slurm-test-cluster.sh stop
set -euo pipefail
dir=${PILOTZONE_SLURM_DIR:-/tmp/pilotzone-slurm}
conf=$dir/slurm.conf
case "${1:-start}" in
  start)
    if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
    fi
    if [ ! -s /etc/munge/munge.key ]; then
      mkdir -p /etc/munge
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
      chmod 400 /etc/munge/munge.key
    fi
    # A fresh state each time: a controller that recovers an earlier session's jobs waits on them.
    rm -rf "$dir/state" "$dir/spool"
    mkdir -p /run/munge "$dir/state" "$dir/spool"
    # --force: munged refuses to run as root otherwise; this cluster is root's alone.
    pgrep -x munged >/dev/null || munged --force
    host=$(hostname -s)
    cpus=$(nproc)
    mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
    cat >"$conf" <<EOF
ClusterName=pilotzone-ci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF=$conf
    pgrep -x slurmctld >/dev/null || slurmctld -c -f "$conf"
    pgrep -x slurmd >/dev/null || slurmd -f "$conf"
    # The node registers within seconds; a cluster without an idle node would hang the jobs.
    SECONDS=0
    while [ "$SECONDS" -lt 60 ]; do
      state=$(timeout 5 sinfo -h -N -o '%t' 2>/dev/null | head -1 || true)
      case "$state" in idle | mix | alloc) break ;; esac
      sleep 1
    done
    case "$state" in
      idle | mix | alloc) ;;
      *)
        echo "the Slurm node did not come up (state '${state:-none}'); logs in $dir" >&2
        tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
        exit 1
        ;;
    esac
    echo "export SLURM_CONF=$conf"
    ;;
  stop)
    pkill -x slurmd 2>/dev/null || true
    pkill -x slurmctld 2>/dev/null || true
    # slurmctld saves its state on the way out; a start right after must not find it still there.
    for _ in $(seq 30); do
      pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null || break
      sleep 1
    done
    pkill -9 -x slurmd 2>/dev/null || true
    pkill -9 -x slurmctld 2>/dev/null || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
