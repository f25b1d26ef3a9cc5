#!/usr/bin/env bash
# The logstash role with logstash_manage_credentials against the test node, for passwords (the users and roles
# of Logstash's documentation) and for API keys (one per purpose): check mode writes nothing; each credential
# the host's keystore holds is proven with es_credential_check for its purpose (publishing, reading, filtering,
# monitoring, central management) and refused what its purpose does not need; a re-run writes nothing to
# Elasticsearch (the security index's write counter) nor to the host (changed=0); an API key the host holds
# that stops working is replaced, with no state on the controller.
set -eux
workdir=$(mktemp -d)
run() { ANSIBLE_ROLES_PATH=.. ansible-playbook -i inventory.ini -e @../../integration_config.yml "$@"; }
trap 'rm -rf "$workdir"' EXIT

for auth in basic api_key; do
  dir=$workdir/$auth
  run converge.yml -e "workdir=$dir auth=$auth" --check
  [ -z "$(find "$dir" -type f)" ]
  run converge.yml -e "workdir=$dir auth=$auth first_run=true"
  run verify.yml -e "workdir=$dir auth=$auth"
  run converge.yml -e "workdir=$dir auth=$auth" | tee "$workdir/rerun.log"
  grep -qE 'localhost +: ok=[0-9]+ +changed=0 ' "$workdir/rerun.log"
done
run invalidate.yml
run converge.yml -e "workdir=$workdir/api_key auth=api_key first_run=true" | tee "$workdir/replaced.log"
grep -qE 'localhost +: ok=[0-9]+ +changed=[1-9]' "$workdir/replaced.log"
run verify.yml -e "workdir=$workdir/api_key auth=api_key"
