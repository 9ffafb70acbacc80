#!/usr/bin/env bash
# A one-node Slurm cluster for TestSlurmPlan (cmd/tuneprep/slurm_test.go),
# on Debian as root:
#
#   .ci/slurm.sh start   install slurm-wlm and munge if missing, write the
#                        munge key and /etc/slurm/slurm.conf, start munged,
#                        slurmctld and slurmd, wait until the node is idle
#   .ci/slurm.sh stop    cancel the cluster's jobs, stop the daemons that
#                        start started (by their recorded PIDs) and remove
#                        the state directory
#
# start exits 3 if Slurm cannot be installed, 1 if the cluster does not
# come up.
#
# Everything the daemons keep (state, spool, logs, PID files, the munge
# socket) lives in $TMPDIR/tuneprep-slurm; its pids file lists the daemons
# started, one "name pid" a line.
set -euo pipefail

state=${TMPDIR:-/tmp}/tuneprep-slurm
pids=$state/pids
conf=/etc/slurm/slurm.conf
host=$(hostname -s)

say() { echo "slurm.sh: $*"; }
die() { echo "slurm.sh: $*" >&2; exit 1; }

# running NAME PID reports whether PID is a live NAME (not a zombie, not a
# reused PID).
running() {
  [ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$1" ] &&
    ! grep -q '^State:[[:space:]]*Z' "/proc/$2/status" 2>/dev/null
}

# alive reports whether every daemon in the pids file is running.
alive() {
  [ -s "$pids" ] || return 1
  local name pid
  while read -r name pid; do
    running "$name" "$pid" || return 1
  done <"$pids"
  return 0
}

# node_state prints the node's state as sinfo sees it (idle, mix, down*...).
node_state() {
  timeout 10 sinfo -h -N -n "$host" -o '%t' 2>/dev/null | head -n 1
}

install() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
    command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return 0
  fi
  command -v apt-get >/dev/null || { echo "slurm.sh: slurm-wlm is not installed and there is no apt-get" >&2; exit 3; }
  say "installing slurm-wlm and munge (apt-get)"
  local t0=$SECONDS
  timeout 180 sh -c 'export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 &&
      apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null 2>&1; }' ||
    { echo "slurm.sh: apt-get install slurm-wlm munge failed" >&2; exit 3; }
  say "installed in $((SECONDS - t0)) s"
}

# started NAME PID records a daemon.
started() {
  echo "$1 $2" >>"$pids"
  say "started $1 (pid $2)"
}

# logs prints the daemons' logs (after a failure).
logs() {
  local f
  for f in "$state"/log/*.log; do
    [ -f "$f" ] || continue
    echo "--- $f (last 30 lines)" >&2
    tail -n 30 "$f" >&2
  done
}

start() {
  [ "$(id -u)" = 0 ] || die "start: run as root"
  install
  if alive && [ "$(node_state)" = idle ]; then
    say "already running (state in $state)"
    return 0
  fi
  stop_daemons # leftovers of a start that failed, or daemons that died

  mkdir -p "$state"/{ctld,spool,log,munge}
  chmod 0755 "$state"
  : >"$pids"

  # The munge key: keep one that is there, else make one. munged wants it
  # owned by the user it runs as (root here) and readable by nobody else.
  mkdir -p /etc/munge
  if [ ! -s /etc/munge/munge.key ]; then
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile=/etc/munge/munge.key --force
    else
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    fi
    say "wrote /etc/munge/munge.key"
  fi
  chown root:root /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key

  # munged on a socket of its own, so that a munged the package may have
  # started (or a system one) does not get in the way.
  local socket=$state/munge/munge.socket
  nohup munged --foreground --force --key-file=/etc/munge/munge.key \
    --socket="$socket" --pid-file="$state/munge/munged.pid" \
    --log-file="$state/log/munged.log" --seed-file="$state/munge/munged.seed" \
    </dev/null >>"$state/log/munged.out.log" 2>&1 &
  started munged $!
  local i
  for i in $(seq 50); do
    [ -S "$socket" ] && break
    sleep 0.2
  done
  [ -S "$socket" ] || { logs; die "munged did not create $socket"; }

  mkdir -p /etc/slurm
  cat >"$conf" <<EOF
# Written by tuneprep's .ci/slurm.sh: a one-node cluster for CI.
ClusterName=tuneprep-ci
SlurmctldHost=$host
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=300
MailProg=/bin/true
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  say "wrote $conf"

  nohup slurmctld -D -i </dev/null >>"$state/log/slurmctld.out.log" 2>&1 &
  started slurmctld $!
  nohup slurmd -D </dev/null >>"$state/log/slurmd.out.log" 2>&1 &
  started slurmd $!

  local t0=$SECONDS s=
  while [ $((SECONDS - t0)) -lt 60 ]; do
    alive || { logs; die "a daemon exited (see the logs above)"; }
    s=$(node_state)
    [ "$s" = idle ] && break
    sleep 1
  done
  if [ "$s" != idle ]; then
    timeout 10 sinfo -N -l >&2 || true
    logs
    die "node $host is not idle after 60 s (state: ${s:-unknown})"
  fi
  say "node $host is idle after $((SECONDS - t0)) s"
  sinfo
}

# stop_daemons stops the daemons in the pids file: TERM, then KILL after
# ten seconds.
stop_daemons() {
  [ -f "$pids" ] || return 0
  local name pid i d left list=()
  while read -r name pid; do
    if running "$name" "$pid"; then
      say "stopping $name (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      list+=("$name $pid")
    fi
  done <"$pids"
  for i in $(seq 50); do
    left=0
    for d in "${list[@]}"; do
      if running $d; then left=1; fi
    done
    if [ $left = 0 ]; then break; fi
    sleep 0.2
  done
  for d in "${list[@]}"; do
    if running $d; then
      say "killing $d"
      kill -KILL "${d#* }" 2>/dev/null || true
    fi
  done
  rm -f "$pids"
}

stop() {
  # Cancel the jobs left on this cluster (a test that timed out), so that
  # no job step outlives the daemons.
  if alive; then
    local jobs
    jobs=$(timeout 10 squeue -h -o %i 2>/dev/null || true)
    if [ -n "$jobs" ]; then
      say "cancelling jobs $(echo $jobs)"
      timeout 10 scancel $jobs || true
      sleep 2
    fi
  fi
  stop_daemons
  rm -rf "$state"
  say "stopped; removed $state"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
