#!/usr/bin/env bash
# playbooks/site.yml against the test node for one Filebeat host on the controller, in each authentication
# mode in turn (api_key, pki, basic, api_key): after each change of mode the credentials of the earlier mode
# are gone (API keys invalidated, user and role mapping deleted, certificate files and keystore entries
# removed) and the new one is proven; a client certificate is made through a signing request (the key made
# where the host is); each second run changes nothing and writes nothing to the security index.
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
  previous=$auth
done
