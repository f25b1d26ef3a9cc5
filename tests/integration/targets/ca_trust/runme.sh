#!/usr/bin/env bash
# The ca_trust role on this host, in a scratch directory: refusals, check mode, placement, a re-run
# that changes nothing (from the play recap), removal.
set -eu
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
run() { ansible-playbook -i inventory.ini -e "workdir=$workdir" "$@"; }

run place.yml --check --diff
run checks.yml
run place.yml
run place.yml | tee "$workdir/rerun.log"
grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' "$workdir/rerun.log"
run verify.yml
run place.yml -e ca_trust_state=absent
run verify.yml -e ca_trust_state=absent
