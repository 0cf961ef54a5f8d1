#!/usr/bin/env bash
# The Debian packages (`make deb`, in .build-deb/) as an administrator meets them, under a real
# private systemd: dpkg -i creates the user and folders and starts the service, which imports a
# dropped file; an upgrade to a higher version keeps the database and an edited conffile and
# restarts the daemon (which migrates its database on start); dpkg -r stops it and keeps the
# configuration and the state; dpkg -P leaves nothing of ours. Run by `make test-deb` (after
# `make deb`). Every wait polls with a deadline; nothing sleeps for a fixed time to synchronise.
#
# The upgrade installs the same package repacked with a higher version (dpkg-deb -R, Version:
# edited, dpkg-deb -b): what dpkg does on an upgrade depends on the two versions and on the
# packages' files and maintainer scripts, and a repack changes only the version, in ~3 s where a
# second `make deb DEB_VERSION=…` takes a minute (most of it xz and lintian over 125 MB).
#
# Nothing reaches the host: /etc, /usr and /var are overlays inside the namespace (dpkg's
# database, the passwd files, the unit and the programs all land in them), and only our own unit
# folders are visible to the private systemd.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$repo/Tests/Support/checks.sh" # check, summary
source "$repo/Tests/SystemdEndToEnd/namespace.sh" # ns, e2e_shutdown

if [ "$(id -u)" != 0 ] || ! unshare --pid --fork --mount --uts true 2>/dev/null; then
    echo "SKIP: the Debian package suite needs root and Linux namespaces (unshare failed)"
    echo "0 passed, 0 failed"
    exit 0
fi

version=${DEB_VERSION:-$(sed -n 's/.*static let string = "\(.*\)".*/\1/p' \
    "$repo/Sources/UserImportService/Support/ProductVersion.swift")}
arch=$(dpkg --print-architecture)
deb=$repo/.build-deb/userimportd_${version}_${arch}.deb
cockpit_deb=$repo/.build-deb/cockpit-userimport_${version}_all.deb
upgrade_version=$version+upgradetest1
for file in "$deb" "$cockpit_deb"; do
    if [ ! -f "$file" ]; then
        echo "no $file: run make deb first (make test-deb does)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

started=$SECONDS
trap e2e_shutdown EXIT

state=/var/lib/userimportd
inbox=$state/inbox
conf=/etc/userimportd/userimportd.conf
unit=/lib/systemd/system/userimportd.service

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND…: polls COMMAND until it succeeds or the deadline passes
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


# dpkg inside the namespace, under a deadline, stdin closed (a conffile prompt fails, not hangs).
ns_dpkg() {
    local log=$E2E_ROOT/dpkg.log
    if ! ns timeout 120 dpkg "$@" </dev/null >"$log" 2>&1; then
        sed 's/^/    dpkg: /' "$log" >&2
        return 1
    fi
}

active() { [ "$(ns systemctl show -P ActiveState userimportd)" = "$1" ]; }
main_pid() { ns systemctl show -P MainPID userimportd; }
installed_version() { ns dpkg-query -W -f='${Status} ${Version}' userimportd 2>/dev/null; }

mode_owner() { # mode_owner PATH EXPECTED ("2770 userimport userimport")
    local got
    got=$(ns stat -c '%a %U %G' "$1") || return 1
    [ "$got" = "$2" ] || { echo "    $1: $got, expected $2" >&2; return 1; }
}

folders_created() {
    local ok=0
    mode_owner $state "750 userimport userimport" || ok=1
    mode_owner $inbox "2770 userimport userimport" || ok=1
    mode_owner $state/done "2750 userimport userimport" || ok=1
    mode_owner $state/failed "2750 userimport userimport" || ok=1
    mode_owner $state/held "2750 userimport userimport" || ok=1
    mode_owner $state/work "700 userimport userimport" || ok=1
    return $ok
}

system_user_created() {
    local entry
    entry=$(ns getent passwd userimport) || { echo "    no userimport user" >&2; return 1; }
    echo "    passwd: $entry"
    IFS=: read -r _ _ uid _ _ home shell <<<"$entry"
    [ "$uid" -lt 1000 ] && [ "$home" = $state ] && [ "$shell" = /usr/sbin/nologin ] &&
        ns getent group userimport >/dev/null
}

is_conffile() { ns dpkg-query -W -f='${Conffiles}\n' userimportd | grep -q "^ $1 "; }

# drop_as USER NAME: temp name, then rename into the inbox.
drop_as() {
    ns setpriv --reuid="$1" --regid="$1" --init-groups sh -c \
        "cp '$E2E_ROOT/share/$2' '$inbox/.$2.part' && mv '$inbox/.$2.part' '$inbox/$2'"
}

history_has_sample() { # the history (userimportctl, through the installed configuration) holds sample.csv, done
    ns timeout 30 userimportctl history --json >"$E2E_ROOT/history.json" 2>"$E2E_ROOT/history.err" ||
        { sed 's/^/    userimportctl: /' "$E2E_ROOT/history.err" >&2; return 1; }
    python3 - "$E2E_ROOT/history.json" <<'PY'
import json, sys
entries = [e for e in json.load(open(sys.argv[1])) if e["file"] == "sample.csv"]
assert len(entries) == 1 and entries[0]["disposition"] == "done", entries
assert entries[0]["counts"]["created"] == 2, entries
PY
}

nothing_named_userimportd_under() { # DIR…
    local left
    left=$(ns find "$@" -name '*userimport*' 2>/dev/null)
    [ -z "$left" ] || { echo "    left:" $left >&2; return 1; }
}

boot() {
    E2E_ROOT=$(mktemp -d /tmp/userimportd-deb.XXXXXX)
    chmod 0755 "$E2E_ROOT"
    mkdir -p "$E2E_ROOT"/{units,share,etc.upper,etc.work,usr.upper,usr.work,var.upper,var.work}
    chmod 0755 "$E2E_ROOT/share"
    local name
    for name in systemd-journald.service systemd-journald.socket systemd-journald-dev-log.socket \
        exit.target systemd-exit.service shutdown.target umount.target final.target; do
        cp "/lib/systemd/system/$name" "$E2E_ROOT/units/"
    done
    for name in sysinit.target basic.target local-fs.target multi-user.target; do
        printf '[Unit]\nDescription=%s (package test stand-in)\n' "$name" >"$E2E_ROOT/units/$name"
    done
    cat >"$E2E_ROOT/units/e2e.target" <<'UNIT'
[Unit]
Description=userimportd package test target
Wants=systemd-journald.socket systemd-journald-dev-log.socket systemd-journald.service
After=systemd-journald.socket systemd-journald.service
UNIT
    # /usr/lib/systemd/system and /etc/systemd/system are empty tmpfs inside: the package's unit
    # and its enablement symlink land there, and systemd sees no host unit (the host's
    # sysinit.target.wants would run tmpfiles --remove, which empties /tmp).
    cat >"$E2E_ROOT/boot.sh" <<BOOT
set -e
mount -t tmpfs tmpfs /run
mount -t overlay overlay -o lowerdir=/etc,upperdir=$E2E_ROOT/etc.upper,workdir=$E2E_ROOT/etc.work /etc
mount -t overlay overlay -o lowerdir=/usr,upperdir=$E2E_ROOT/usr.upper,workdir=$E2E_ROOT/usr.work /usr
mount -t overlay overlay -o lowerdir=/var,upperdir=$E2E_ROOT/var.upper,workdir=$E2E_ROOT/var.work /var
mount -t tmpfs tmpfs /var/log
mkdir /var/log/journal
mount -t tmpfs -o mode=0755 tmpfs /usr/lib/systemd/system
mount -t tmpfs -o mode=0755 tmpfs /etc/systemd/system
# This machine is a container image whose policy-rc.d forbids maintainer scripts to start or
# stop services (exit 101); a server has none.
rm -f /usr/sbin/policy-rc.d
exec env container=userimportd-deb SYSTEMD_UNIT_PATH=$E2E_ROOT/units:/etc/systemd/system:/run/systemd/system:/usr/lib/systemd/system \
    /lib/systemd/systemd --system --unit=e2e.target
BOOT
    setsid unshare --pid --fork --mount --mount-proc --uts --propagation private \
        bash "$E2E_ROOT/boot.sh" >"$E2E_ROOT/boot.log" 2>&1 </dev/null &
    local unshare_pid=$! deadline=$((SECONDS + 60))
    E2E_PID=""
    while [ $SECONDS -lt $deadline ]; do
        E2E_PID=$(pgrep -P "$unshare_pid" -x systemd || true)
        if [ -n "$E2E_PID" ] && ns systemctl is-active --quiet systemd-journald.service 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "private systemd did not come up; boot log:" >&2
    cat "$E2E_ROOT/boot.log" >&2
    return 1
}

repack() { # repack DEB VERSION OUT: the same package with another version
    local tree=$E2E_ROOT/repack
    rm -rf "$tree"
    dpkg-deb -R "$1" "$tree" &&
        sed -i "s/^Version: .*/Version: $2/" "$tree/DEBIAN/control" &&
        dpkg-deb -Znone -b "$tree" "$3" >/dev/null &&
        rm -rf "$tree"
}

boot || { echo "0 passed, 1 failed"; exit 1; }
echo "private systemd up: $((SECONDS - started))s"
printf '%s\n' 'Email ID, First Name, Last Name, User Status' \
    'john.doe@example.com, John, Doe, New' 'jane.doe@example.com, Jane, Doe, New' >"$E2E_ROOT/share/sample.csv"
chmod 0644 "$E2E_ROOT/share/sample.csv"

# --- install --------------------------------------------------------------------------------
t0=$SECONDS
cockpit_packages=()
# cockpit-userimport depends on cockpit-bridge: installed on the host when missing (as the browser
# suite does), else cockpit-userimport is left out and the suite says so.
if ! dpkg-query -W -f='${Status}' cockpit-bridge 2>/dev/null | grep -q "install ok installed"; then
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq cockpit-bridge >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq cockpit-bridge >/dev/null 2>&1; }
fi
if dpkg-query -W -f='${Status}' cockpit-bridge 2>/dev/null | grep -q "install ok installed"; then
    cockpit_packages=("$cockpit_deb")
else
    echo "# cockpit-bridge is not installed here: cockpit-userimport is not installed"
fi
check "dpkg -i userimportd ${cockpit_packages:+cockpit-userimport }$version" ns_dpkg -i "$deb" "${cockpit_packages[@]}"
echo "    dpkg -i: $((SECONDS - t0))s"
check "installed: $(installed_version)" [ "$(installed_version)" = "install ok installed $version" ]
check "the userimport system user and group exist (sysusers.d)" system_user_created
check "the state folders exist with their modes and owner (tmpfiles.d)" folders_created
check "the unit is enabled" [ "$(ns systemctl is-enabled userimportd 2>&1)" = enabled ]
check "the service is active" wait_for 20 "userimportd active" active active
check "$conf is a conffile" is_conffile $conf
check "the templates are conffiles" is_conffile /etc/userimportd/templates/invitation.txt
if [ ${#cockpit_packages[@]} -gt 0 ]; then
    check "the Cockpit page is installed" ns test -f /usr/share/cockpit/userimport/manifest.json
fi
ns useradd --no-create-home --groups userimport dropper
check "a group member drops a file into the inbox" drop_as dropper sample.csv
check "it is imported (report in done/)" wait_for 20 "done/sample.csv.report.txt" ns test -f $state/done/sample.csv.report.txt
check "userimportctl history shows it" history_has_sample

# --- upgrade --------------------------------------------------------------------------------
ns sh -c "printf '\n# edited by the package test\n[Log]\nLevel=debug\n' >>$conf"
ns mkdir -p /etc/userimportd/userimportd.conf.d
ns sh -c "printf '[Import]\nStrict=no\n' >/etc/userimportd/userimportd.conf.d/50-local.conf"
# The database as the previous schema left it: version 12 added the search index's tables, so
# without them and with user_version 11 it is what a version-11 daemon wrote.
# The upgrade must start the daemon (stopped here for the change), which migrates it. (When a
# migration is added, undo the newest one here instead.)
schema() { # schema SQL…: runs SQL on the installed database, prints the last result
    ns python3 - "$state/userimportd.sqlite" "$@" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
result = None
for statement in sys.argv[2:]:
    result = db.execute(statement).fetchall()
db.commit()
print(result[0][0] if result else "")
PY
}
schema_version_now=$(schema "PRAGMA user_version")
check "the installed daemon is at schema version 12" [ "$schema_version_now" = 12 ]
ns systemctl stop userimportd
check "the database set back to schema version 11" [ "$(schema "DROP TABLE user_search" "DROP TABLE user_search_progress" "PRAGMA user_version = 11" "PRAGMA user_version")" = 11 ]
pid_before=$(main_pid)
t0=$SECONDS
check "repack userimportd as $upgrade_version" repack "$deb" "$upgrade_version" "$E2E_ROOT/upgrade.deb"
check "dpkg -i $upgrade_version (upgrade)" ns_dpkg -i "$E2E_ROOT/upgrade.deb"
echo "    repack + upgrade: $((SECONDS - t0))s"
check "installed: $(installed_version)" [ "$(installed_version)" = "install ok installed $upgrade_version" ]
check "the upgrade started the daemon again (new PID; it migrates its database on start)" \
    wait_for 20 "a new active daemon" bash -c "[ \"\$(nsenter -t $E2E_PID -m -p -u systemctl show -P ActiveState userimportd)\" = active ] && p=\$(nsenter -t $E2E_PID -m -p -u systemctl show -P MainPID userimportd) && [ \"\$p\" != 0 ] && [ \"\$p\" != $pid_before ]"
check "the edited conffile is kept" ns grep -q '^# edited by the package test$' $conf
check "no .dpkg-dist or .dpkg-new beside it" bash -c "[ -z \"\$(nsenter -t $E2E_PID -m -p -u find /etc/userimportd -name '*.dpkg-*')\" ]"
check "the database still holds the import" history_has_sample
check "the upgraded daemon migrated it to version 12" wait_for 20 "schema 12" bash -c "[ \"\$(nsenter -t $E2E_PID -m -p -u python3 -c 'import sqlite3; print(sqlite3.connect(\"$state/userimportd.sqlite\").execute(\"PRAGMA user_version\").fetchone()[0])')\" = 12 ]"
check "with the tables migration 12 adds" [ "$(schema "SELECT count(*) FROM sqlite_master WHERE name IN ('user_search', 'user_search_progress')")" = 2 ]
check "and the daemon indexed the users for search while idle" wait_for 20 "users indexed" bash -c "[ \"\$(nsenter -t $E2E_PID -m -p -u python3 -c 'import sqlite3; print(sqlite3.connect(\"$state/userimportd.sqlite\").execute(\"SELECT users_after IS NULL AND (SELECT count(*) FROM user_search) = (SELECT count(*) FROM users) FROM user_search_progress\").fetchone()[0])')\" = 1 ]"
check "userimportctl users --search finds the sample's users through it" bash -c "nsenter -t $E2E_PID -m -p -u timeout 30 userimportctl users --search doe@example --json | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == 2'"

# --- backup and restore, as userimportctl(1) says ---------------------------------------------
ns mkdir -p /var/backups # an overlay, like all of /var here: the backup stays in the namespace
check "userimportctl backup while the daemon runs" ns timeout 60 userimportctl backup /var/backups/userimportd.sqlite
ns sh -c "printf 'Email ID,First Name,Last Name,User Status\nlater@example.com,L,L,New\n' >$state/inbox/later.csv"
check "a later import, not in the backup" wait_for 20 "later.csv imported" ns test -f $state/done/later.csv.report.txt
restore() {
    ns systemctl stop userimportd &&
        ns install -o userimport -g userimport -m 0640 /var/backups/userimportd.sqlite $state/userimportd.sqlite &&
        ns rm -f $state/userimportd.sqlite-wal $state/userimportd.sqlite-shm &&
        ns systemctl start userimportd
}
check "the documented restore (stop, install -o userimport -g userimport, start)" restore
check "active on the restored database" wait_for 20 "userimportd active" active active
check "the restored history holds the sample, not the later import" bash -c "nsenter -t $E2E_PID -m -p -u timeout 30 userimportctl history --json | python3 -c 'import json,sys; files=[e[\"file\"] for e in json.load(sys.stdin)]; assert \"sample.csv\" in files and \"later.csv\" not in files, files'"
check "the unit is still enabled" [ "$(ns systemctl is-enabled userimportd 2>&1)" = enabled ]

# --- remove ---------------------------------------------------------------------------------
pid_before=$(main_pid)
packages=(userimportd)
[ ${#cockpit_packages[@]} -gt 0 ] && packages=(cockpit-userimport userimportd)
check "dpkg -r ${packages[*]}" ns_dpkg -r "${packages[@]}"
check "the service is stopped" active inactive
check "the daemon is gone" bash -c "! nsenter -t $E2E_PID -m -p -u kill -0 $pid_before 2>/dev/null"
check "the programs are gone" bash -c "! nsenter -t $E2E_PID -m -p -u test -e /usr/sbin/userimportd && ! nsenter -t $E2E_PID -m -p -u test -e /usr/bin/userimportctl"
check "the configuration is kept" ns grep -q '^# edited by the package test$' $conf
check "the database is kept" ns test -f $state/userimportd.sqlite
check "dpkg: config-files" [ "$(installed_version)" = "deinstall ok config-files $upgrade_version" ]

# --- purge ----------------------------------------------------------------------------------
check "dpkg -P userimportd" ns_dpkg -P userimportd
check "/etc/userimportd is gone" bash -c "! nsenter -t $E2E_PID -m -p -u test -e /etc/userimportd"
check "/var/lib/userimportd is gone" bash -c "! nsenter -t $E2E_PID -m -p -u test -e $state"
check "the unit file is gone" bash -c "! nsenter -t $E2E_PID -m -p -u test -e $unit"
check "no enablement or mask symlink is left" nothing_named_userimportd_under /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked
check "systemd no longer knows the unit" bash -c "ns_state=\$(nsenter -t $E2E_PID -m -p -u systemctl show -P LoadState userimportd); [ \"\$ns_state\" = not-found ] || { echo \"    LoadState: \$ns_state\" >&2; false; }"
check "dpkg knows no userimportd" bash -c "! nsenter -t $E2E_PID -m -p -u dpkg-query -W userimportd >/dev/null 2>&1"
check "no file of ours is left in /usr" nothing_named_userimportd_under /usr/sbin /usr/bin /usr/lib/sysusers.d /usr/lib/tmpfiles.d /usr/lib/systemd/system /usr/share/doc /usr/share/cockpit
# Kept on purpose, as Debian keeps system users: see Sources/debian/userimportd.postrm.
echo "# the userimport user is kept: $(ns getent passwd userimport || echo gone)"

echo "Debian package suite: $((SECONDS - started))s"
for name in "${failures[@]}"; do echo "FAILED: $name"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
