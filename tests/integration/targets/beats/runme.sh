#!/usr/bin/env bash
# The beats role against the test node with the real Heartbeat, Metricbeat and Filebeat
# (tests/shippers/beats builds them): check mode writes nothing; for a writer's password, an API key and a client certificate, the rendered
# configuration and keystore pass the Beats' `test config` and `test output`, no secret is in a
# configuration file, a re-run changes nothing (from the play recap), and a configuration
# the Beat's `test config` refuses does not replace the current one. Then the role makes the credentials
# itself on the controller (an API key, or a writer user, per Beat and host, and a monitoring key): the Beats
# publish with them (Heartbeat runs its monitor once), a re-run writes nothing to Elasticsearch or the Beats'
# files, and a changed keystore value, a loosened mode and an invalidated key are each repaired.
set -eu
beats_dir=${ESGUARD_BEATS_DIR:-${ESGUARD_CACHE:-/var/cache/esguard}/beats/8.16.0}
if [ -z "${ESGUARD_BEATS_DIR:-}" ] && [ ! -x "$beats_dir/filebeat" ]; then
  echo "skipped: the Beats are not built (eval \"\$(tests/shippers/beats)\" builds them)"
  exit 0
fi
workdir=$(mktemp -d)
run() { ANSIBLE_ROLES_PATH=.. ansible-playbook -i inventory.ini -e @../../integration_config.yml -e "workdir=$workdir beats_dir=$beats_dir" "$@"; }
trap 'run cleanup.yml; run cleanup_managed.yml; rm -rf "$workdir"' EXIT

run setup.yml
run converge.yml -e auth=basic --check --diff
for beat in heartbeat metricbeat filebeat; do
  [ ! -e "$workdir/$beat/etc/$beat.yml" ] && [ ! -e "$workdir/$beat/data/$beat.keystore" ]
done
for auth in basic api_key pki; do
  run converge.yml -e "auth=$auth"
  run converge.yml -e "auth=$auth" | tee "$workdir/rerun.log"
  grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' "$workdir/rerun.log"
  run verify.yml -e "auth=$auth"
done
run refused.yml

converge_twice() {
  run managed.yml "$@"
  run managed.yml -e rerun=true "$@" | tee "$workdir/rerun.log"
  grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' "$workdir/rerun.log"
}
for auth in api_key basic; do
  converge_twice -e "auth=$auth"
  run verify_managed.yml -e "auth=$auth"
done
run tamper.yml
converge_twice -e auth=basic
run verify_managed.yml -e auth=basic
# The same role, keystores and credentials with the 7.17 Beats, when they are built.
beats717_dir=${ESGUARD_BEATS717_DIR:-${ESGUARD_CACHE:-/var/cache/esguard}/beats/7.17.29}
if [ -x "$beats717_dir/filebeat" ]; then
  converge_twice -e auth=api_key -e "beats_dir=$beats717_dir"
  run verify_managed.yml -e auth=api_key -e "beats_dir=$beats717_dir"
fi
