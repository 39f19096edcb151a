#!/usr/bin/env bash
# Checks the nginx configuration of deploy/nginx/ with the real nginx (`nginx -t`): renders the
# site template, wraps it in a minimal main configuration in a throwaway directory, and points it
# at a self-signed certificate made for the occasion.  Nothing outside that directory is touched
# and no server is started.
#
#   deploy/check_nginx.sh            # exit 0 when nginx accepts the configuration
#
# With GANGLIOSIDE_NGINX_WORKDIR set, that (empty) directory is used instead and kept, so a test
# can start nginx on the checked configuration (tests/deploy/test_nginx.py does).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
nginx_bin="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
[ -x "$nginx_bin" ] || { echo "check_nginx: nginx is not installed (apt-get install nginx)" >&2; exit 2; }

if [ -n "${GANGLIOSIDE_NGINX_WORKDIR:-}" ]; then
    work="$GANGLIOSIDE_NGINX_WORKDIR"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/tls" "$work/static" "$work/logs" "$work/media/exports"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=ganglioside.test" \
    -keyout "$work/tls/privkey.pem" -out "$work/tls/fullchain.pem" 2>/dev/null

GANGLIOSIDE_SERVER_NAME=ganglioside.test \
GANGLIOSIDE_UPSTREAM="${GANGLIOSIDE_UPSTREAM:-127.0.0.1:8000}" \
GANGLIOSIDE_STATIC_ROOT="$work/static" \
GANGLIOSIDE_TLS_DIR="$work/tls" \
GANGLIOSIDE_MEDIA_ROOT="$work/media" \
    "$here/nginx/render.sh" > "$work/ganglioside.conf"

# Relative includes resolve against the directory of the main file, as they do in /etc/nginx.
cp -r "$here/nginx/snippets" "$work/snippets"
cp /etc/nginx/mime.types "$work/mime.types"
cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log stderr;
events {}
http {
    include mime.types;
    access_log off;
    client_body_temp_path $work/client_body;
    proxy_temp_path $work/proxy;
    include ganglioside.conf;
}
CONF

"$nginx_bin" -t -p "$work" -c "$work/nginx.conf" -e stderr
echo "check_nginx: nginx $("$nginx_bin" -v 2>&1 | sed 's/.*\///') accepts deploy/nginx/ (rendered for ganglioside.test)"
