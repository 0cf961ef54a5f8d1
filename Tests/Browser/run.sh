#!/usr/bin/env bash
# The Import page in a real browser: the debug binaries, a daemon on a temporary state directory,
# Cockpit's web service serving the page from this tree, and headless Chromium driven by
# Selenium (page_test.py). Run as root on Debian 12 (`make test-browser`); installs what is missing.
# Prints "N passed, N failed" and exits non-zero on any failure.
# `run.sh --bench` runs page_bench.py instead (the page's timings on large histories and reports;
# `make bench`, with BIN=.build/release). `run.sh --postgresql` runs the checks with the daemon
# and userimportctl on a PostgreSQL server of its own ([Database] Backend=postgresql), all but the
# one about file permissions (on the server, access is the server's roles').
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/${BIN:-.build/debug}
script=page_test.py
backend=sqlite
[ "${1:-}" = --bench ] && script=page_bench.py
[ "${1:-}" = --postgresql ] && backend=postgresql
for tool in userimportd userimportctl; do
    [ -x "$bin/$tool" ] || { echo "run.sh: $bin/$tool is missing; run swift build first" >&2; exit 1; }
done

# Debian's Cockpit, Chromium and its driver; Selenium from PyPI (in a venv when the system Python
# lacks it: Debian's Python refuses pip installs outside one).
missing=""
for package in cockpit-ws cockpit-bridge chromium chromium-driver; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
if [ -n "$missing" ]; then
    [ "$(id -u)" = 0 ] || { echo "run.sh: missing:$missing — run: sudo apt-get install -y --no-install-recommends$missing" >&2; exit 1; }
    echo "installing$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
python=python3
if ! python3 -c 'import selenium' 2>/dev/null; then
    venv=$root/.build/browser-venv
    if ! "$venv/bin/python" -c 'import selenium' 2>/dev/null; then
        rm -rf "$venv"
        if ! python3 -m venv "$venv" 2>/dev/null; then
            rm -rf "$venv"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
            python3 -m venv "$venv"
        fi
        "$venv/bin/pip" install -q selenium
    fi
    python=$venv/bin/python
fi

# Everything temporary lives here; the directory itself is world-traversable so that the test's
# second web service, running as nobody, reaches the package and the wrapper, but the state
# directory is root's alone (0750), as /var/lib/userimportd is the userimport group's.
work=$(mktemp -d /tmp/userimport-browser.XXXXXX)
chmod 0755 "$work"
state=$work/state
mkdir -m 0750 "$state"
mkdir -p "$work/bin" "$work/xdg/cockpit" "$work/xdg-home" "$work/nobody-home" "$work/nobody-runtime"
chown 65534:65534 "$work/nobody-home" "$work/nobody-runtime"
chmod 0700 "$work/nobody-runtime"
ln -s "$root/Sources/cockpit-userimport" "$work/xdg/cockpit/userimport"

# With --postgresql, the configuration every run of the daemon and the tool shares.
config=$work/base.conf
: >"$config"
chmod 0644 "$config"

# Each background process leads its own process group; on exit we end those groups and no others.
groups=()
cleanup() {
    local status=$?
    [ -s "$work/daemon.pid" ] && groups+=("$(cat "$work/daemon.pid")")
    for group in "${groups[@]}"; do kill -TERM -- "-$group" 2>/dev/null || true; done
    for group in "${groups[@]}"; do
        for _ in $(seq 50); do kill -0 -- "-$group" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$group" 2>/dev/null || true
    done
    if [ "$status" -ne 0 ] && [ -s "$work/daemon.log" ]; then
        echo "--- daemon log (last lines)" >&2
        tail -n 20 "$work/daemon.log" >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

free_port() {
    "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# `userimportctl` as the page finds it on PATH: the real one on our state directory.
printf '#!/bin/sh\nexec %q --state-dir %q --config %q "$@"\n' "$bin/userimportctl" "$state" "$config" \
    >"$work/bin/userimportctl"
chmod 0755 "$work/bin/userimportctl"

if [ "$backend" = postgresql ]; then
    # Debian's server, its own cluster in $work reached by a Unix socket there, as the Swift
    # tests start theirs (as the postgres account: the server refuses to run as root).
    pgbin=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
    mkdir -m 0755 "$work/pg"
    chown postgres: "$work/pg"
    runuser -u postgres -- "$pgbin/initdb" -D "$work/pg/data" -U userimport -A trust -E UTF8 --locale=C \
        --no-sync >"$work/pg-initdb.log" 2>&1 || { cat "$work/pg-initdb.log" >&2; exit 1; }
    setsid runuser -u postgres -- "$pgbin/postgres" -D "$work/pg/data" -k "$work/pg" -c listen_addresses= \
        -c fsync=off >"$work/pg.log" 2>&1 &
    groups+=($!)
    for _ in $(seq 300); do
        "$pgbin/pg_isready" -q -h "$work/pg" -U userimport -d postgres && break
        sleep 0.1
    done
    "$pgbin/createdb" -h "$work/pg" -U userimport userimport
    printf '[Database]\nBackend=postgresql\nURL=host=%s dbname=userimport user=userimport\n' "$work/pg" >"$config"
fi

setsid "$bin/userimportd" --state-dir "$state" --config "$config" >>"$work/daemon.log" 2>&1 &
echo $! >"$work/daemon.pid"

export PATH="$work/bin:$PATH" XDG_DATA_DIRS="$work/xdg:/usr/local/share:/usr/share" XDG_DATA_HOME="$work/xdg-home"
port=$(free_port)
setsid /usr/lib/cockpit/cockpit-ws --no-tls --local-session=cockpit-bridge -p "$port" -a 127.0.0.1 \
    >"$work/cockpit-ws.log" 2>&1 &
groups+=($!)

nobody_port=$(free_port)
setsid setpriv --reuid=65534 --regid=65534 --clear-groups \
    env HOME="$work/nobody-home" XDG_RUNTIME_DIR="$work/nobody-runtime" \
    /usr/lib/cockpit/cockpit-ws --no-tls --local-session=cockpit-bridge -p "$nobody_port" -a 127.0.0.1 \
    >"$work/cockpit-ws-nobody.log" 2>&1 &
groups+=($!)

mkdir -p "$root/.build/browser-screenshots"
USERIMPORT_STATE="$state" \
    USERIMPORT_WORK="$work" \
    USERIMPORT_DAEMON="$bin/userimportd" \
    USERIMPORT_DAEMON_PID_FILE="$work/daemon.pid" \
    USERIMPORT_URL="http://127.0.0.1:$port/cockpit/@localhost/userimport/index.html" \
    USERIMPORT_NOBODY_URL="http://127.0.0.1:$nobody_port/cockpit/@localhost/userimport/index.html" \
    USERIMPORT_SCREENSHOTS="$root/.build/browser-screenshots" \
    USERIMPORT_BASE_CONFIG="$config" \
    USERIMPORT_BROWSER_CHECKS="${USERIMPORT_BROWSER_CHECKS:-$([ "$backend" = postgresql ] && echo 1,2,3,5,6,7,8 || true)}" \
    "$python" "$root/Tests/Browser/$script"

# The checks ran against the server, not a file beside the state: no SQLite store was made, and
# the server holds every import the page made.
if [ "$backend" = postgresql ]; then
    [ ! -e "$state/userimportd.sqlite" ] || { echo "FAIL: a SQLite store was made with Backend=postgresql" >&2; exit 1; }
    imports=$("$pgbin/psql" -h "$work/pg" -U userimport -d userimport -tAc "SELECT count(*) FROM imports")
    [ "$imports" -gt 0 ] || { echo "FAIL: the server holds no import" >&2; exit 1; }
    echo "the server holds $imports imports; no SQLite store"
fi
