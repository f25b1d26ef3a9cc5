#!/usr/bin/env bash
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The admin's password and an API key of the admin's (encoded) are in the environment of
# ansible-playbook itself, as an AWX job injects them, and so in the modules' environment (local
# connection): given with the environment keyword they would show in each module's command line at
# -vvv. The tasks' environment keyword adds only what is not secret, or empties a variable.
set -eu
workdir=$(mktemp -d)
run() { ANSIBLE_ROLES_PATH=.. ansible-playbook -i inventory.ini -e @../../integration_config.yml -e "workdir=$workdir" "$@"; }
trap 'run admin_key.yml -e key_state=absent "$@"; rm -rf "$workdir"' EXIT

run admin_key.yml -e key_state=present "$@"
ELASTICSEARCH_PASSWORD=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["es_password"])' \
  ../../integration_config.yml)
ELASTICSEARCH_API_KEY=$(tr -d '\n' < "$workdir/admin.key" | base64 -w0)
export ELASTICSEARCH_PASSWORD ELASTICSEARCH_API_KEY
run connection.yml "$@"
