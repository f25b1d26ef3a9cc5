#!/usr/bin/env bash
# Starts Elasticsearch the way the official image does: every environment
# variable whose name contains a dot is a setting (-E name=value), and
# ELASTIC_PASSWORD becomes the bootstrap password of the elastic user.
set -euo pipefail

settings=()
while IFS='=' read -r name value; do
  case "$name" in
    *.*) settings+=("-E" "$name=$value") ;;
  esac
done < <(env)

if [ ! -f config/elasticsearch.keystore ]; then
  elasticsearch-keystore create >/dev/null
fi
if [ -n "${ELASTIC_PASSWORD:-}" ]; then
  printf '%s' "$ELASTIC_PASSWORD" | elasticsearch-keystore add -x -f bootstrap.password
fi

exec elasticsearch "${settings[@]}" "$@"
