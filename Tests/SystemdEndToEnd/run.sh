#!/usr/bin/env bash
# End-to-end suite: the installed service under a real (private) systemd, driven with systemctl
# and journalctl as an administrator would. Every wait polls with a deadline; nothing sleeps
# for a fixed time to synchronise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$here/namespace.sh"

if [ "$(id -u)" != 0 ] || ! unshare --pid --fork --mount --uts true 2>/dev/null; then
    echo "SKIP: the systemd end-to-end suite needs root and Linux namespaces (unshare failed)"
    echo "0 passed, 0 failed"
    exit 0
fi
for tool in /lib/systemd/systemd systemd-sysusers systemd-tmpfiles setpriv python3; do
    if ! command -v "$tool" >/dev/null; then
        apt-get install -y -qq systemd util-linux python3 >/dev/null
        break
    fi
done

passed=0
failed=0
failures=()
started=$SECONDS
trap e2e_shutdown EXIT

state=/var/lib/userimportd
inbox=$state/inbox

# wait_for SECONDS DESCRIPTION COMMAND…: polls COMMAND until it succeeds or the deadline passes.
wait_for() {
    local timeout=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + timeout))
    while [ $SECONDS -lt "$deadline" ]; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.05
    done
    "$@" >/dev/null 2>&1 && return 0
    echo "    timed out after ${timeout}s waiting for: $what" >&2
    return 1
}

check() { # check DESCRIPTION COMMAND…
    local what=$1
    shift
    if "$@"; then return 0; fi
    echo "    failed: $what" >&2
    return 1
}

scenario() { # scenario NAME FUNCTION
    local name=$1 t0=$SECONDS
    if "$2"; then
        passed=$((passed + 1))
        echo "ok - $name ($((SECONDS - t0))s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "not ok - $name ($((SECONDS - t0))s)"
        ns journalctl -u userimportd --no-pager -n 30 2>/dev/null | sed 's/^/    journal: /' >&2
        # The short form leaves out the fields; the error of a failure is one of them.
        ns journalctl -u userimportd --no-pager -n 5 -o verbose 2>/dev/null | grep -E '^ *ERROR=' | sed 's/^ */    journal: /' >&2
    fi
}

share=""
seed_file() { # seed_file NAME CONTENT: a file readable by the test users
    printf '%s' "$2" >"$share/$1"
    chmod 0644 "$share/$1"
}

# drop_as USER NAME: the way a careful dropper does it, temp name then rename.
drop_as() {
    ns setpriv --reuid="$1" --regid="$1" --init-groups sh -c \
        "cp '$share/$2' '$inbox/.$2.part' && mv '$inbox/.$2.part' '$inbox/$2'"
}

exists() { ns test -e "$1"; }
active() { [ "$(ns systemctl show -P ActiveState userimportd)" = "$1" ]; }
sql() { ns python3 -c "import sqlite3,sys; c=sqlite3.connect('file:$state/userimportd.sqlite?mode=ro', uri=True); print(c.execute(sys.argv[1]).fetchone()[0])" "$1"; }
main_pid() { ns systemctl show -P MainPID userimportd; }

sample='Email ID, First Name, Last Name, Alternate ID, Work Phone, Title, Department, User Status
john.doe@example.com, John, Doe, , 800-555-1212, President, Executive, New
jane.doe@example.com, Jane, Doe, , 800-555-5555, VicePresident, Executive, New
'

test_security_score() {
    local score
    score=$(systemd-analyze security --offline=yes "$repo/systemd/userimportd.service" 2>/dev/null |
        sed -n 's/.*Overall exposure level for userimportd.service: \([0-9.]*\).*/\1/p')
    echo "    exposure: $score"
    check "exposure $score <= 2.0" python3 -c "import sys; sys.exit(0 if float('$score') <= 2.0 else 1)"
}

test_start_and_import_as_group_member() {
    ns systemctl start userimportd || return 1
    check "active" active active || return 1
    check "status text" bash -c "[[ \"\$(nsenter -t $E2E_PID -m -p -u systemctl show -P StatusText userimportd)\" == idle* ]]" || return 1
    seed_file sample.csv "$sample"
    check "a member of the userimport group can drop" drop_as dropper sample.csv || return 1
    wait_for 10 "report in done/" exists "$inbox/../done/sample.csv.report.txt" || return 1
    ns userimportctl users --json --state-dir "$state" >"$E2E_ROOT/users.json" || return 1
    check "both users invited" python3 -c "
import json; users = json.load(open('$E2E_ROOT/users.json'))
assert sorted((u['email'], u['state']) for u in users) == [('jane.doe@example.com', 'invited'), ('john.doe@example.com', 'invited')], users"
    check "owner uid recorded is the dropper's" bash -c "[ \"\$(nsenter -t $E2E_PID -m -p -u id -u dropper)\" = \"$(sql 'SELECT owner_uid FROM imports WHERE id = 1')\" ]"
}

test_journal_fields() {
    seed_file broken.csv 'Email, Name
a@example.com, A
'
    drop_as dropper broken.csv || return 1
    wait_for 10 "failed report" exists "$state/failed/broken.csv.report.txt" || return 1
    wait_for 10 "journal entries" bash -c "nsenter -t $E2E_PID -m -p -u journalctl -u userimportd -o json --no-pager | grep -q 'import failed'"
    ns journalctl -u userimportd -o json --no-pager >"$E2E_ROOT/journal.json"
    check "structured fields for a done and a failed file" python3 - "$E2E_ROOT/journal.json" <<'PY'
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1])]
done = [e for e in entries if e.get("MESSAGE") == "import finished"]
failed = [e for e in entries if e.get("MESSAGE") == "import failed"]
assert done and failed, (len(done), len(failed))
d, f = done[0], failed[0]
assert d["IMPORT_ID"] == "1" and d["FILE"] == "sample.csv" and d["DISPOSITION"] == "done", d
assert d["ROWS_CREATED"] == "2" and d["ROWS_TOTAL"] == "2" and len(d["SHA256"]) == 64, d
assert d["PRIORITY"] == "6" and d["MESSAGE_ID"] == "5b3c0f2a8e6d4c1f9a7b2e4d6c8a0f13", d
assert d["SYSLOG_IDENTIFIER"] == "userimportd" and "CODE_FILE" in d and "CODE_LINE" in d, d
assert f["FILE"] == "broken.csv" and f["DISPOSITION"] == "failed" and f["PRIORITY"] == "4", f
assert f["MESSAGE_ID"] == "c2e81d4b7a9f4e03b6d5a1c9e7f20b48" and "no column for" in f["ERROR"], f
started = [e for e in entries if e.get("MESSAGE") == "daemon started"]
assert started and started[0]["MESSAGE_ID"] == "1e7c3a5b9d2f4e68b0a4c6e8f1d3b5a7", started
for e in entries:
    if e.get("PRIORITY") == "6":
        assert "@example.com" not in json.dumps(e), e
PY
}

test_held_file_released_by_a_member() {
    local directory feed id
    directory=$(printf 'Email ID,First Name,Last Name,User Status\n'; for i in $(seq 1 60); do printf 'guard%s@example.com,G%s,L,New\n' "$i" "$i"; done)
    feed=$(printf 'Email ID,First Name,Last Name,User Status\n'; for i in $(seq 1 20); do printf 'guard%s@example.com,G%s,L,Delete\n' "$i" "$i"; done)
    seed_file guard-directory.csv "$directory"$'\n'
    seed_file guard-feed.csv "$feed"$'\n'
    drop_as dropper guard-directory.csv || return 1
    wait_for 10 "directory imported" exists "$state/done/guard-directory.csv.report.txt" || return 1
    drop_as dropper guard-feed.csv || return 1
    wait_for 10 "feed held" exists "$state/held/guard-feed.csv.report.txt" || return 1
    id=$(sql "SELECT id FROM imports WHERE disposition = 'held'")
    check "nothing of the held file applied" [ "$(sql "SELECT count(*) FROM users WHERE state = 'deleted'")" = 0 ] || return 1
    wait_for 10 "journal entry" bash -c "nsenter -t $E2E_PID -m -p -u journalctl -u userimportd -o json --no-pager | grep -q 'import held'"
    ns journalctl -u userimportd -o json --no-pager >"$E2E_ROOT/journal-held.json"
    check "a warning with its own MESSAGE_ID" python3 - "$E2E_ROOT/journal-held.json" <<'PY' || return 1
import json, sys
held = [e for e in map(json.loads, open(sys.argv[1])) if e.get("MESSAGE", "").startswith("import held")]
assert held and held[0]["MESSAGE_ID"] == "7e2dc18c106f4114b6a5c067e7379483" and held[0]["PRIORITY"] == "4", held
assert held[0]["DISPOSITION"] == "held" and "would delete 20 of the" in held[0]["REASON"], held
PY
    check "status shows it" bash -c "nsenter -t $E2E_PID -m -p -u setpriv --reuid=dropper --regid=dropper --init-groups userimportctl status | grep -q 'Held: .*guard-feed.csv would delete 20 users'" || return 1
    check "a member releases it" ns setpriv --reuid=dropper --regid=dropper --init-groups userimportctl release --timeout 20 "$id" || return 1
    check "applied once" [ "$(sql "SELECT count(*) FROM users WHERE state = 'deleted'")" = 20 ] || return 1
    check "the history keeps who released it" bash -c "[ \"\$(nsenter -t $E2E_PID -m -p -u id -u dropper)\" = \"$(sql "SELECT decided_by_uid FROM imports WHERE id = $id")\" ]" || return 1
    check "in done/ with its report" exists "$state/done/guard-feed.csv.report.txt" || return 1
    check "held/ is empty" [ -z "$(ns ls -A "$state/held")" ]
}

test_outsider_is_refused() {
    seed_file outsider.csv "$sample"
    if ns setpriv --reuid=outsider --regid=outsider --init-groups cp "$share/outsider.csv" "$inbox/outsider.csv" 2>/dev/null; then
        echo "    an outsider could write into the inbox" >&2
        return 1
    fi
    check "nothing arrived" bash -c "! nsenter -t $E2E_PID -m -p -u test -e $inbox/outsider.csv"
}

test_reload() {
    local bad_row="${sample}nobody@example.com, No, Body, , , , , Update
"
    ns mkdir -p /etc/userimportd/userimportd.conf.d
    ns sh -c 'printf "[Import]\nStrict=yes\n" > /etc/userimportd/userimportd.conf.d/50-strict.conf'
    ns systemctl reload userimportd || return 1
    check "active after reload" active active || return 1
    seed_file strict.csv "$bad_row"
    drop_as dropper strict.csv || return 1
    wait_for 10 "strict mode fails the file" exists "$state/failed/strict.csv.report.txt" || return 1

    ns sh -c 'printf "[Import]\nStrict=perhaps\n" > /etc/userimportd/userimportd.conf.d/50-strict.conf'
    ns systemctl reload userimportd
    wait_for 10 "the error is logged" bash -c "nsenter -t $E2E_PID -m -p -u journalctl -u userimportd --no-pager | grep -q 'configuration not reloaded'" || return 1
    check "still active" active active || return 1
    seed_file strict2.csv "${bad_row}x@example.com, X, Y, , , , , New
"
    drop_as dropper strict2.csv || return 1
    wait_for 10 "old (strict) configuration still in force" exists "$state/failed/strict2.csv.report.txt" || return 1
    ns rm /etc/userimportd/userimportd.conf.d/50-strict.conf
    ns systemctl reload userimportd
}

big_file() { # big_file NAME ROWS FIRST
    python3 - "$share/$1" "$2" "$3" <<'PY'
import sys
path, rows, first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as f:
    f.write("Email ID,First Name,Last Name,User Status\n")
    for i in range(first, first + rows):
        f.write(f"bulk{i}@example.com,First{i},Last{i},New\n")
PY
    chmod 0644 "$share/$1"
}

test_stop_during_large_import() {
    big_file million.csv 1000000 0
    local before
    before=$(sql "SELECT count(*) FROM users")
    drop_as dropper million.csv || return 1
    wait_for 30 "import in progress" bash -c "nsenter -t $E2E_PID -m -p -u systemctl show -P StatusText userimportd | grep -q '^importing million.csv'" || return 1
    local t0=$SECONDS
    ns systemctl stop userimportd || return 1
    echo "    stopped in $((SECONDS - t0))s"
    check "stopped within TimeoutStopSec" [ $((SECONDS - t0)) -lt 60 ] || return 1
    check "inactive, not failed" active inactive || return 1
    check "nothing half applied" [ "$(sql 'SELECT count(*) FROM users')" = "$before" ] || return 1
    check "the file stays claimed" exists "$state/work/million.csv" || return 1
    ns systemctl start userimportd || return 1
    wait_for 600 "re-imported after start" exists "$state/done/million.csv.report.txt" || return 1
    check "a million users more" [ "$(sql 'SELECT count(*) FROM users')" = "$((before + 1000000))" ] || return 1
    check "imported once" [ "$(sql "SELECT count(*) FROM imports WHERE file_name = 'million.csv'")" = 1 ]
}

test_kill_9_restarts_and_reconciles() {
    big_file kill.csv 200000 2000000
    local pid
    pid=$(main_pid)
    drop_as dropper kill.csv || return 1
    wait_for 30 "claimed" exists "$state/work/kill.csv" || return 1
    ns kill -9 "$pid"
    wait_for 30 "restarted with a new PID" bash -c "p=\$(nsenter -t $E2E_PID -m -p -u systemctl show -P MainPID userimportd); [ \"\$p\" != 0 ] && [ \"\$p\" != $pid ]" || return 1
    wait_for 300 "the reconciler finished the file" exists "$state/done/kill.csv.report.txt" || return 1
    check "imported once" [ "$(sql "SELECT count(*) FROM imports WHERE file_name = 'kill.csv'")" = 1 ] || return 1
    check "rows applied once" [ "$(sql "SELECT count(*) FROM users WHERE email LIKE 'bulk2%'")" = 200000 ] || return 1
    check "work folder empty" bash -c "[ -z \"\$(nsenter -t $E2E_PID -m -p -u ls -A $state/work)\" ]"
}

test_watchdog_restarts_a_stalled_daemon() {
    ns mkdir -p /run/systemd/system/userimportd.service.d
    ns sh -c "printf '[Service]\nWatchdogSec=2s\nEnvironment=USERIMPORTD_TEST_STALL_TOKEN=$state/stall-token\n' > /run/systemd/system/userimportd.service.d/watchdog.conf"
    # /run/systemd/system is not on our private unit path: link the drop-in where systemd looks.
    mkdir -p "$E2E_ROOT/units/userimportd.service.d"
    ns cp /run/systemd/system/userimportd.service.d/watchdog.conf "$E2E_ROOT/units/userimportd.service.d/"
    ns systemctl daemon-reload
    ns systemctl restart userimportd || return 1
    local pid restarts
    pid=$(main_pid)
    restarts=$(ns systemctl show -P NRestarts userimportd)
    ns sh -c "touch $state/stall-token && chown userimport $state/stall-token"
    seed_file stall.csv "$sample"
    drop_as dropper stall.csv || return 1
    local t0=$SECONDS
    wait_for 15 "watchdog restart" bash -c "[ \"\$(nsenter -t $E2E_PID -m -p -u systemctl show -P NRestarts userimportd)\" -gt $restarts ]" || return 1
    echo "    restarted $((SECONDS - t0))s after the stall began (WatchdogSec=2s)"
    check "journal names the watchdog" bash -c "nsenter -t $E2E_PID -m -p -u journalctl -u userimportd --no-pager | grep -qi 'watchdog timeout'" || return 1
    wait_for 20 "the stalled file is imported after the restart" exists "$state/done/stall.csv.report.txt" || return 1
    rm -rf "$E2E_ROOT/units/userimportd.service.d"
    ns systemctl daemon-reload
    ns systemctl restart userimportd
}

e2e_boot "$repo" || { echo "0 passed, 1 failed"; exit 1; }
share="$E2E_ROOT/share"
chmod 0755 "$share"

scenario "systemd-analyze security exposure is at most 2.0" test_security_score
scenario "systemctl start; a group member drops a file; users listed" test_start_and_import_as_group_member
scenario "journal carries IMPORT_ID, FILE, DISPOSITION, MESSAGE_ID, PRIORITY" test_journal_fields
scenario "a held file: a journal warning, status, released once by a group member" test_held_file_released_by_a_member
scenario "a user outside the group cannot drop files" test_outsider_is_refused
scenario "reload applies a good config and keeps the old one on a bad one" test_reload
scenario "kill -9: systemd restarts, the reconciler finishes the file once" test_kill_9_restarts_and_reconciles
scenario "watchdog: a stalled daemon is killed and restarted" test_watchdog_restarts_a_stalled_daemon
scenario "stop during a 1M-row import: nothing half applied, re-imported after start" test_stop_during_large_import

echo "systemd end-to-end suite: $((SECONDS - started))s"
for name in "${failures[@]}"; do echo "FAILED: $name"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
