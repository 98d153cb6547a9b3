#!/usr/bin/env bash
# Stops what start-slurm.sh started: cancels every job, then stops only the daemons it recorded.
set -u; S=${POLYLOSS_SLURM_STATE:-/run/polyloss-slurm}
if [ -s "$S/slurmctld.pid" ] && scontrol ping >/dev/null 2>&1; then
  ids=$(squeue -h -o %A | sort -u)
  if [ -n "$ids" ]; then scancel $ids
    for _ in $(seq 100); do [ -z "$(squeue -h)" ] && break; sleep .2; done; fi
fi
for n in slurmd slurmctld munged; do
  [ -s "$S/$n.pid" ] || continue; p=$(cat "$S/$n.pid")
  if [ "$(cat /proc/$p/comm 2>/dev/null)" = $n ]; then
    kill $p; for _ in $(seq 100); do kill -0 $p 2>/dev/null || break; sleep .1; done
    kill -0 $p 2>/dev/null && kill -9 $p; echo "stopped $n ($p)"
  fi
  for f in /run/$n.pid /run/munge/$n.pid; do grep -qx $p $f 2>/dev/null && rm -f $f; done
  rm -f "$S/$n.pid"
done
