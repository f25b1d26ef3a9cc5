#!/usr/bin/env bash
# The logstash role for every Logstash generation and authentication mode: every pipeline it writes
# passes Logstash's grammar (tests/shippers/logstash-config-check) and the option allowlist of its
# version; a second run changes nothing; what a version cannot take is refused before any change.
set -eux
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

ansible-playbook catalogue.yml -e "workdir=$workdir" "$@"
# Check mode writes nothing, and reports the changes the real run makes.
ansible-playbook matrix.yml --check -e "workdir=$workdir" -e '{"versions": ["9.1.0"]}' "$@" | tee "$workdir/check.log"
grep -qE 'localhost +: ok=[0-9]+ +changed=[1-9]' "$workdir/check.log"
[ -z "$(find "$workdir" -type f ! -name check.log)" ]
ansible-playbook matrix.yml -e "workdir=$workdir" "$@"
# Idempotence, with and without a keystore password.
ansible-playbook matrix.yml -e "workdir=$workdir" -e '{"versions": ["7.17.29", "9.1.0"]}' "$@" | tee "$workdir/rerun.log"
grep -qE 'localhost +: ok=[0-9]+ +changed=0 ' "$workdir/rerun.log"
# A pipeline the role wrote and no longer asked for is removed, in check mode only reported.
stale() { ansible-playbook stale.yml -e "workdir=$workdir/stale" -e "{\"pipelines\": $1, \"expect\": $2}" "${@:3}"; }
stale '[{"name": "main"}, {"name": "enrich"}]' '["enrich.conf", "main.conf", "own.conf"]' "$@"
stale '[{"name": "main"}]' '["enrich.conf", "main.conf", "own.conf"]' --check "$@"
stale '[{"name": "main"}]' '["main.conf", "own.conf"]' "$@" | tee "$workdir/stale.log"
grep -qE 'localhost +: ok=[0-9]+ +changed=[1-9]' "$workdir/stale.log"
stale '[{"name": "main"}]' '["main.conf", "own.conf"]' "$@" | tee "$workdir/stale-rerun.log"
grep -qE 'localhost +: ok=[0-9]+ +changed=0 ' "$workdir/stale-rerun.log"
stale '[]' '["own.conf"]' "$@"
ansible-playbook refused.yml -e "workdir=$workdir/refused" "$@"
