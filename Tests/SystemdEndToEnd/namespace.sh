#!/usr/bin/env bash
# Boots a private systemd as PID 1 of a new PID + mount + UTS namespace, with the build installed
# into overlays of /etc, /usr/local and /var/lib, so nothing reaches the host.
# Sourced by run.sh. Sets E2E_ROOT and E2E_PID; `ns CMD…` runs a command inside.

e2e_boot() {
    local repo=$1
    E2E_ROOT=$(mktemp -d /tmp/userimportd-e2e.XXXXXX)
    chmod 0755 "$E2E_ROOT"
    mkdir -p "$E2E_ROOT"/{units,etc.upper,etc.work,usrlocal.upper,usrlocal.work,varlib.upper,varlib.work,share}
    local unit
    for unit in systemd-journald.service systemd-journald.socket systemd-journald-dev-log.socket \
        exit.target systemd-exit.service shutdown.target umount.target final.target; do
        cp "/lib/systemd/system/$unit" "$E2E_ROOT/units/"
    done
    # Empty stand-ins for the targets a service's default dependencies name: the host's own would
    # pull in the host's services (and its tmpfiles --remove, which empties /tmp).
    local target
    for target in sysinit.target basic.target local-fs.target multi-user.target; do
        printf '[Unit]\nDescription=%s (end-to-end stand-in)\n' "$target" >"$E2E_ROOT/units/$target"
    done
    cat >"$E2E_ROOT/units/e2e.target" <<'UNIT'
[Unit]
Description=userimportd end-to-end test target
Wants=systemd-journald.socket systemd-journald-dev-log.socket systemd-journald.service
After=systemd-journald.socket systemd-journald.service
UNIT
    cat >"$E2E_ROOT/boot.sh" <<BOOT
set -e
mount -t tmpfs tmpfs /run
if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
mount -t overlay overlay -o lowerdir=/etc,upperdir=$E2E_ROOT/etc.upper,workdir=$E2E_ROOT/etc.work /etc
mount -t overlay overlay -o lowerdir=/usr/local,upperdir=$E2E_ROOT/usrlocal.upper,workdir=$E2E_ROOT/usrlocal.work /usr/local
mount -t overlay overlay -o lowerdir=/var/lib,upperdir=$E2E_ROOT/varlib.upper,workdir=$E2E_ROOT/varlib.work /var/lib
# The README's install steps, for real, inside the overlays.
make -s -C "$repo" install CONFIGURATION=debug >/dev/null
systemd-sysusers /usr/local/lib/sysusers.d/userimportd.conf
useradd --create-home --home-dir /var/lib/dropper-home --groups userimport dropper
useradd --no-create-home outsider
systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/userimportd.conf
exec env container=userimportd-e2e SYSTEMD_UNIT_PATH=$E2E_ROOT/units:/usr/local/lib/systemd/system \
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

ns() {
    nsenter -t "$E2E_PID" -m -p -u "$@"
}

e2e_shutdown() {
    if [ -n "${E2E_PID:-}" ] && kill -0 "$E2E_PID" 2>/dev/null; then
        ns systemctl exit 0 >/dev/null 2>&1 || true
        local deadline=$((SECONDS + 30))
        while kill -0 "$E2E_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
        kill -9 "$E2E_PID" 2>/dev/null || true
    fi
    if [ -n "${E2E_ROOT:-}" ]; then
        rm -rf "$E2E_ROOT"
        rm -rf /tmp/systemd-private-*-userimportd.service-* 2>/dev/null || true
    fi
}
