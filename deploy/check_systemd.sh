#!/usr/bin/env bash
# Checks the units of deploy/systemd/ with `systemd-analyze verify` (syntax, known keys,
# dependencies, executables) and scores their sandbox with `systemd-analyze security`.
#
#   deploy/check_systemd.sh [VENV]       # VENV defaults to the repository's .venv
#
# The units name the production virtualenv, /opt/ganglioside/venv, and `verify` insists that
# every ExecStart executable exists.  Rather than faking that path, the check copies the units to
# a throwaway directory and points them at VENV, a real installation of the package with its
# `web` extra (here: the one `make install` built).  So a pass also means the commands the units
# run (uvicorn, celery) are installed by the `web` extra under those names.  The shared drop-in
# directory is copied alongside; `verify` reads it from there just as systemd would.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$(cd "${1:-$here/../.venv}" && pwd)"
command -v systemd-analyze >/dev/null || { echo "check_systemd: systemd-analyze missing (apt-get install systemd)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$here/systemd/." "$work/"
sed -i "s|/opt/ganglioside/venv/|$venv/|g" "$work"/*.service

cd "$work"
units=(ganglioside-web.service ganglioside-worker.service ganglioside-beat.service ganglioside.target)
# verify exits 0 on some problems it only prints (unknown keys, for one), so any output fails.
out="$(systemd-analyze verify "${units[@]/#/./}" 2>&1)" || { echo "$out" >&2; exit 1; }
if [ -n "$out" ]; then echo "$out" >&2; echo "check_systemd: verify printed warnings" >&2; exit 1; fi

# Exposure is scored 0 (locked down) to 10 (unprotected); --threshold takes tenths.  2.0 is the
# ceiling: the services need the network and a writable state directory, little else.
for unit in ganglioside-web.service ganglioside-worker.service ganglioside-beat.service; do
    score="$(systemd-analyze security --offline=yes --threshold=20 "./$unit" 2>&1 | tail -n 1)" \
        || { echo "check_systemd: $unit is exposed beyond 2.0: $score" >&2; exit 1; }
    echo "check_systemd: $unit ${score#*level for *: }"
done
echo "check_systemd: systemd-analyze verify accepts deploy/systemd/ (executables from $venv)"
