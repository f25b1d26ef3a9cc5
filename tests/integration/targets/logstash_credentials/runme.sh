#!/usr/bin/env bash
# The logstash role with logstash_manage_credentials against the test node: check mode writes nothing; the
# run makes the roles and users of Logstash's documentation; each credential is proven with
# es_credential_check for its purpose (publishing, reading, monitoring, central management); a re-run
# writes nothing to Elasticsearch (the security documents' write counter) nor to the host (changed=0).
set -eux
workdir=$(mktemp -d)
run() { ANSIBLE_ROLES_PATH=.. ansible-playbook -i inventory.ini -e @../../integration_config.yml -e "workdir=$workdir" "$@"; }
trap 'rm -rf "$workdir"' EXIT

run converge.yml -e auth=basic --check
[ -z "$(find "$workdir" -type f)" ]
run converge.yml -e auth=basic -e first_run=true
run verify.yml -e auth=basic
run converge.yml -e auth=basic | tee "$workdir/rerun.log"
grep -qE 'localhost +: ok=[0-9]+ +changed=0 ' "$workdir/rerun.log"
