#!/usr/bin/env bash
# Renders the nginx site template for a host without containers, filling only the GANGLIOSIDE_*
# placeholders (nginx's own $variables stay as they are):
#
#   GANGLIOSIDE_SERVER_NAME=lipids.example.org deploy/nginx/render.sh > /etc/nginx/sites-available/ganglioside.conf
#
# Defaults suit the systemd layout of docs/DEPLOYMENT.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

: "${GANGLIOSIDE_SERVER_NAME:?set GANGLIOSIDE_SERVER_NAME to the public host name}"
export GANGLIOSIDE_SERVER_NAME
export GANGLIOSIDE_UPSTREAM="${GANGLIOSIDE_UPSTREAM:-127.0.0.1:8000}"
export GANGLIOSIDE_STATIC_ROOT="${GANGLIOSIDE_STATIC_ROOT:-/var/lib/ganglioside/static}"
export GANGLIOSIDE_TLS_DIR="${GANGLIOSIDE_TLS_DIR:-/etc/letsencrypt/live/$GANGLIOSIDE_SERVER_NAME}"
export GANGLIOSIDE_MEDIA_ROOT="${GANGLIOSIDE_MEDIA_ROOT:-/var/lib/ganglioside/media}"

# The single quotes are deliberate: envsubst receives the list of names to replace, not values.
# shellcheck disable=SC2016
envsubst '${GANGLIOSIDE_SERVER_NAME} ${GANGLIOSIDE_UPSTREAM} ${GANGLIOSIDE_STATIC_ROOT} ${GANGLIOSIDE_TLS_DIR} ${GANGLIOSIDE_MEDIA_ROOT}' \
    < "$here/templates/ganglioside.conf.template"
