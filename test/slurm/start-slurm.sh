#!/usr/bin/env bash
# Starts a real single-node Slurm cluster (munged + slurmctld + slurmd) for the Slurm tests.
# Idempotent: daemons that already run are kept; packages are installed when missing (needs root).
# PIDs of what this script started are kept in $POLYLOSS_SLURM_STATE (default /run/polyloss-slurm),
# so stop-slurm.sh stops only those. Extra slurm.conf lines: $SLURM_EXTRA_CONF.
set -euo pipefail
S=${POLYLOSS_SLURM_STATE:-/run/polyloss-slurm}; H=$(hostname -s); mkdir -p "$S"
miss=$(for p in slurmctld slurmd slurm-client munge; do
  dpkg-query -W -f='${db:Status-Abbrev}' $p 2>/dev/null | grep -q ^ii || echo $p; done)
if [ -n "$miss" ]; then
  [ "$(id -u)" = 0 ] || { echo "Slurm packages missing ($miss) and not root to install them" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive; apt-get update -qq
  # Not slurm-wlm-emulator: it would replace the real slurmctld.
  apt-get install -y -qq --no-install-recommends $miss >/dev/null
fi
alive() { local p; p=$(cat "$1" 2>/dev/null) && [ "$(cat /proc/$p/comm 2>/dev/null)" = "$2" ]; }
start() {
  local n=$1 f=$2; shift 2; alive $f $n && return 0; rm -f $f; "$@"
  for _ in $(seq 100); do alive $f $n && { cp $f "$S/$n.pid"; return 0; }; sleep .1; done
  echo "$n failed to start" >&2; exit 1; }
[ -s /etc/munge/munge.key ] || mungekey -c
chown munge: /etc/munge/munge.key; chmod 400 /etc/munge/munge.key
install -d -o munge -g munge /run/munge
munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || start munged /run/munge/munged.pid runuser -u munge -- munged
install -d -o slurm -g slurm /var/spool/slurmctld /var/log/slurm
mkdir -p /etc/slurm
# batch_sched_delay=0: tasks start at once instead of ~3 s later. No cgroups, no accounting daemon:
# the job-completion log is where ended jobs are found after squeue forgets them.
cat > /etc/slurm/slurm.conf.new <<CONF
ClusterName=local
SlurmctldHost=$H(127.0.0.1)
SlurmUser=slurm
StateSaveLocation=/var/spool/slurmctld
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
ReturnToService=2
KillWait=10
NodeName=$H NodeAddr=127.0.0.1 CPUs=$(nproc) $(slurmd -C | grep -o 'RealMemory=[0-9]*')
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE
${SLURM_EXTRA_CONF:-}
CONF
if cmp -s /etc/slurm/slurm.conf.new /etc/slurm/slurm.conf; then rm /etc/slurm/slurm.conf.new
else mv /etc/slurm/slurm.conf.new /etc/slurm/slurm.conf
  if alive /run/slurmctld.pid slurmctld; then scontrol reconfigure; fi; fi
start slurmctld /run/slurmctld.pid slurmctld
start slurmd /run/slurmd.pid slurmd
for _ in $(seq 150); do case $(sinfo -h -n $H -o %T 2>/dev/null) in
  idle|mixed|allocated) echo "slurm: node $H $(sinfo -h -n $H -o %T), $(nproc) CPUs"; exit 0 ;;
  down*|drained*) scontrol update nodename=$H state=resume 2>/dev/null || true ;; esac; sleep .2; done
echo "node $H not ready" >&2; tail /var/log/slurm/slurm*.log >&2; exit 1
