#!/usr/bin/env bash
# playbooks/site.yml against the test node for one Filebeat host on the controller, in each authentication
# mode in turn (api_key, pki, basic, api_key): after each change of mode the credentials of the earlier mode
# are gone (API keys invalidated, user and role mapping deleted, certificate files and keystore entries
# removed) and the new one is proven; a client certificate is made through a signing request (the key made
# where the host is); each second run changes nothing and writes nothing to the security index. In PKI mode,
# the CA rollover's retire step refuses the host's certificate of the current CA. Then the drift report
# against drift made by hand, and site.yml's repair of it.
set -eu
# The real Filebeat checks each configuration (`test config`) when it is built; the flow runs without it too.
beats_dir=${ESGUARD_BEATS_DIR:-${ESGUARD_CACHE:-/var/cache/esguard}/beats/8.16.0}
workdir=$(mktemp -d)
mkdir -p "$workdir/etc" "$workdir/data" "$workdir/home"
# The administrator's credential and the node's CA (and its key, which signs the client certificates)
# as AWX would inject them.
config=../../integration_config.yml
value() { python3 -c 'import sys, yaml; v = yaml.safe_load(open(sys.argv[1]))[sys.argv[2]]; print(v[0] if isinstance(v, list) else v)' "$config" "$1"; }
ELASTICSEARCH_HOSTS=$(value es_hosts) ELASTICSEARCH_USERNAME=$(value es_username) ELASTICSEARCH_PASSWORD=$(value es_password)
ELASTICSEARCH_CA_CERTS=$(value es_ca_certs)
ESGUARD_CA_KEY=$(dirname "$ELASTICSEARCH_CA_CERTS")/ca.key
export ELASTICSEARCH_HOSTS ELASTICSEARCH_USERNAME ELASTICSEARCH_PASSWORD ELASTICSEARCH_CA_CERTS ESGUARD_CA_KEY
# ansible-test runs this script from a copy of the target; the collection under test is on the collections path.
playbooks=${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/esguard/security/playbooks
site=$playbooks/site.yml
run() { ANSIBLE_ROLES_PATH=.. ansible-playbook -i inventory.yml -e @"$config" -e "workdir=$workdir beats_dir=$beats_dir playbooks_dir=$playbooks" "$@"; }
# Offboarding removes whatever the runs (or an interrupted earlier run) left in the cluster.
offboard() { run "$playbooks/offboard.yml" -e esguard_offboard_hosts=site-it-filebeat -e esguard_auth=basic; }
trap 'offboard; rm -rf "$workdir"' EXIT
offboard

previous=none
for auth in api_key pki basic api_key; do
  run "$site" -e "esguard_auth=$auth"
  run check.yml -e "phase=count esguard_auth=$auth"
  run "$site" -e "esguard_auth=$auth" | tee "$workdir/rerun.log"
  grep -Eq 'site-it-filebeat +: ok=[0-9]+ +changed=0 ' "$workdir/rerun.log"
  run check.yml -e "phase=verify esguard_auth=$auth previous=$previous"
  if [ "$auth" = pki ]; then
    # The rollover's retire step refuses while the host's client certificate is the current CA's; once the new
    # CA issued it, that check passes (and Elasticsearch's certificate, still the current CA's, is refused).
    run rollover.yml -e phase=new_ca
    retire() {
      run "$playbooks/rollover_ca.yml" --check -e "esguard_auth=pki esguard_ca_rollover_step=retire" \
        -e "esguard_ca_new_cert_path=$workdir/new-ca.crt esguard_ca_new_key_path=$workdir/new-ca.key" \
        > "$workdir/retire.log" 2>&1
    }
    if retire; then echo "retire passed with the current CA's client certificate on the host" >&2; exit 1; fi
    grep -q "client certificate .* was not issued by the new CA" "$workdir/retire.log"
    run rollover.yml -e phase=reissued
    if retire; then echo "retire passed while Elasticsearch's certificate is the current CA's" >&2; exit 1; fi
    if grep -q "was not issued by the new CA" "$workdir/retire.log"; then
      echo "retire refused a client certificate the new CA issued" >&2; exit 1
    fi
    grep -q "does not verify with the new CA" "$workdir/retire.log"
    # Neither refusal wrote to the security index.
    run check.yml -e "phase=verify esguard_auth=$auth previous=$previous"
  fi
  previous=$auth
done

# Drift made behind the collection's back (a role privilege added, the host's key removed from its keystore):
# the drift report names both, fails and changes nothing; site.yml then undoes both and the report is clean.
run drift.yml -e phase=tamper
run check.yml -e "phase=count esguard_auth=api_key"
drift_report() { run "$playbooks/drift_report.yml" --check --diff -e esguard_auth=api_key; }
status=0
drift_report > "$workdir/drift.log" || status=$?
cat "$workdir/drift.log"
[ "$status" -eq 2 ] || { echo "the drift report exited $status, not 2 (hosts failed: drift)" >&2; exit 1; }
grep -q 'DRIFT site-it-filebeat: role esguard_filebeat_writer changed' "$workdir/drift.log"
grep -q 'DRIFT site-it-filebeat: Beats configuration or keystore' "$workdir/drift.log"
run drift.yml -e phase=untouched
run "$site" -e esguard_auth=api_key
run drift.yml -e phase=repaired
drift_report
