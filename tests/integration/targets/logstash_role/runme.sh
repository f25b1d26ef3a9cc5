#!/usr/bin/env bash
# The logstash role for every Logstash generation and authentication mode: every pipeline it writes
# passes Logstash's grammar (tests/shippers/logstash-config-check) and the option allowlist of its
# version; a second run changes nothing; what a version cannot take is refused before any change.
set -eux
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

ansible-playbook catalogue.yml -e "workdir=$workdir" "$@"
ansible-playbook matrix.yml -e "workdir=$workdir" "$@"
ansible-playbook matrix.yml -e "workdir=$workdir" "$@" | tee "$workdir/rerun.log"
grep -qE 'localhost +: ok=[0-9]+ +changed=0 ' "$workdir/rerun.log"
ansible-playbook refused.yml -e "workdir=$workdir/refused" "$@"
