#!/usr/bin/env bash
# The installed programs on a server without the Swift toolchain: `make install` into a temporary
# DESTDIR, then, in a private mount namespace, an empty tmpfs over the toolchain's runtime
# libraries, and the programs checked (no Swift library needed, no RUNPATH into the toolchain,
# stripped with their debug files installed apart) and run: --help, an import with --once, the
# history. Outside it, the manual pages (rendered by man) and the shell completions (the bash one
# loaded and asked to complete). Every command runs under a deadline (timeout); nothing sleeps.
#   CONFIGURATION=debug Tests/Install/run.sh   installs .build/debug instead: it must fail.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$repo/Tests/Support/checks.sh" # check, summary
prefix=/usr/local
debugdir=$prefix/lib/debug




# --- inside the private mount namespace -----------------------------------------------------

forbidden_libraries='libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu'

no_swift_library_needed() { # PROGRAM
    ! readelf -d "$1" | grep NEEDED | grep -E "$forbidden_libraries" >&2
}

no_runpath_into_toolchain() { # PROGRAM TOOLCHAIN
    local runpath
    runpath=$(readelf -d "$1" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p')
    echo "    runpath: ${runpath:-none}"
    ! tr ':' '\n' <<<"$runpath" | grep -q "^$2"
}

ldd_resolves_without_swift() { # PROGRAM
    local out
    out=$(ldd "$1" 2>&1) || { echo "$out" | sed 's/^/    ldd: /' >&2; return 1; }
    echo "    ldd:" $(awk '{ print $1 }' <<<"$out")
    ! grep -E "not found|$forbidden_libraries" <<<"$out" >&2
}

stripped_with_debug_file() { # PROGRAM DEBUG_FILE
    local sections debug_sections link
    sections=$(readelf -S -W "$1") || return 1
    if grep -qE '\.symtab|\.debug_info' <<<"$sections"; then
        echo "    not stripped: has .symtab or .debug_info" >&2
        return 1
    fi
    link=$(readelf -p .gnu_debuglink "$1" 2>/dev/null | sed -n 's/^ *\[ *0\] *//p')
    if [ "$link" != "$(basename "$2")" ]; then
        echo "    .gnu_debuglink is '${link}', expected $(basename "$2")" >&2
        return 1
    fi
    debug_sections=$(readelf -S -W "$2" 2>/dev/null) || { echo "    no debug file $2" >&2; return 1; }
    grep -q '\.debug_info' <<<"$debug_sections" || { echo "    $2 has no .debug_info" >&2; return 1; }
    [ "$(build_id "$1")" = "$(build_id "$2")" ] || { echo "    build IDs differ" >&2; return 1; }
}

build_id() { readelf -n "$1" 2>/dev/null | sed -n 's/.*Build ID: //p'; }

runs() { # runs COMMAND…: exit status 0 within 60 s
    local out status
    out=$(timeout 60 "$@" 2>&1)
    status=$?
    [ "$status" -eq 0 ] && return 0
    echo "    exit status $status:" >&2
    head -20 <<<"$out" | sed 's/^/    /' >&2
    return 1
}

history_shows_import() { # CTL CONFIG STATE OUTPUT
    runs "$1" history --config "$2" --state-dir "$3" --json || return 1
    timeout 60 "$1" history --config "$2" --state-dir "$3" --json >"$4" 2>/dev/null
    python3 - "$4" <<'PY'
import json, sys
entries = json.load(open(sys.argv[1]))
assert len(entries) == 1, entries
e = entries[0]
assert e["file"] == "sample.csv" and e["disposition"] == "done", e
assert e["rows_total"] == 2 and e["counts"]["created"] == 2, e
PY
}

inside() { # inside TMP SWIFT_LIBRARY_FOLDER TOOLCHAIN
    local tmp=$1 swiftlib=$2 toolchain=$3
    local root=$tmp/root state=$tmp/state
    local daemon=$root$prefix/sbin/userimportd ctl=$root$prefix/bin/userimportctl
    local config=$root/etc/userimportd/userimportd.conf
    unset LD_LIBRARY_PATH
    mount -t tmpfs -o size=1m,mode=0755 tmpfs "$swiftlib" || { echo "cannot mount over $swiftlib"; exit 1; }
    check "the toolchain's runtime ($swiftlib) is hidden" test ! -e "$swiftlib/linux/libswiftCore.so"

    local program
    for program in "$daemon" "$ctl"; do
        local name
        name=$(basename "$program")
        check "$name needs no Swift or Foundation library" no_swift_library_needed "$program"
        check "$name has no RUNPATH into $toolchain" no_runpath_into_toolchain "$program" "$toolchain"
        check "$name: ldd resolves every library, none from Swift" ldd_resolves_without_swift "$program"
        check "$name is stripped, its debug file installed apart" \
            stripped_with_debug_file "$program" "$root$debugdir${program#"$root"}.debug"
        check "$name --help exits 0" runs "$program" --help
    done

    mkdir -p "$state/inbox"
    printf '%s\n' 'Email ID, First Name, Last Name, User Status' \
        'john.doe@example.com, John, Doe, New' 'jane.doe@example.com, Jane, Doe, New' \
        >"$state/inbox/sample.csv"
    check "userimportd --once imports a file" runs "$daemon" --config "$config" --state-dir "$state" --once
    check "the file is in done/ with its report" \
        test -f "$state/done/sample.csv" -a -f "$state/done/sample.csv.report.txt"
    check "the report says done" grep -q '^Disposition: done$' "$state/done/sample.csv.report.txt"
    check "userimportctl history --json shows the import" \
        history_shows_import "$ctl" "$config" "$state" "$tmp/history.json"
    echo "$passed $failed" >"$tmp/inside.counts"
    printf '%s\n' "${failures[@]}" >"$tmp/inside.failures"
}

if [ "${1:-}" = --inside ]; then
    inside "$2" "$3" "$4"
    exit
fi

# --- outside: install, then enter the namespace ---------------------------------------------

renders() { # PAGE OUTPUT: man renders it (with its NAME section) and groff warns of nothing
    local warnings
    warnings=$(MANWIDTH=80 timeout 60 man --warnings -l "$1" 2>&1 >"$2") || return 1
    [ -z "$warnings" ] || { sed 's/^/    /' <<<"$warnings" >&2; return 1; }
    grep -q '^NAME' "$2" || { echo "    no NAME in the rendering of $1" >&2; return 1; }
}

found_by_man() { # MANDIR SECTION NAME
    local found
    found=$(MANPATH=$1 timeout 60 man -w "$2" "$3" 2>&1)
    [ "$found" = "$1/man$2/$3.$2" ] || { echo "    man -w: $found" >&2; return 1; }
}

bash_registers() { # COMPLETION
    local registered
    registered=$(timeout 60 bash -c 'source "$1" && complete -p userimportctl' _ "$1" 2>&1)
    echo "    $registered"
    grep -q -- '-F _userimportctl userimportctl$' <<<"$registered"
}

bash_completes() { # COMPLETION EXPECTED WORD…: the completion function, called as bash calls it
    local completion=$1 expected=$2
    shift 2
    local replies
    replies=$(timeout 60 bash -c '
        source "$1" || exit 1
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        _userimportctl userimportctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}"' _ "$completion" "$@" 2>&1)
    echo "    COMPREPLY:" $replies
    grep -qx -- "$expected" <<<"$replies"
}

if [ "$(id -u)" != 0 ] || ! unshare --mount --propagation private true 2>/dev/null; then
    echo "SKIP: the install test needs root and a private mount namespace (unshare --mount failed)"
    echo "0 passed, 0 failed"
    exit 0
fi

swift=${SWIFT:-swift}
runtime=$("$swift" -print-target-info | python3 -c 'import json, sys; print(json.load(sys.stdin)["paths"]["runtimeLibraryPaths"][0])')
swiftlib=$(dirname "$runtime")     # …/usr/lib/swift: the shared runtime of every platform
toolchain=$(dirname "$(dirname "$swiftlib")") # …/usr
if [ ! -e "$runtime/libswiftCore.so" ]; then
    echo "no libswiftCore.so in $runtime: hiding it would prove nothing"
    echo "0 passed, 1 failed"
    exit 1
fi

tmp=$(mktemp -d /tmp/userimportd-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
started=$SECONDS
if ! make -s -C "$repo" install DESTDIR="$tmp/root" PREFIX="$prefix" DEBUGDIR="$debugdir" \
    SYSCONFDIR=/etc >"$tmp/install.log" 2>&1; then
    tail -30 "$tmp/install.log"
    echo "FAILED: make install"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "make install (${CONFIGURATION:-release}): $((SECONDS - started))s"
check "sendmail-transport.conf is installed in the docs folder" \
    cmp -s "$repo/systemd/sendmail-transport.conf" "$tmp/root$prefix/share/doc/userimportd/sendmail-transport.conf"
mandir=$tmp/root$prefix/share/man
for page in man8/userimportd.8 man1/userimportctl.1 man5/userimportd.conf.5; do
    check "$(basename "$page") is installed in share/man/$(dirname "$page")" \
        cmp -s "$repo/Sources/man/$(basename "$page")" "$mandir/$page"
    check "man -l renders the installed $(basename "$page") without a warning" renders "$mandir/$page" "$tmp/page.txt"
done
check "man finds userimportd.conf(5) by name in the installed tree" found_by_man "$mandir" 5 userimportd.conf
bash_completion=$tmp/root$prefix/share/bash-completion/completions/userimportctl
zsh_completion=$tmp/root$prefix/share/zsh/vendor-completions/_userimportctl
fish_completion=$tmp/root$prefix/share/fish/vendor_completions.d/userimportctl.fish
check "the bash completion loads and registers userimportctl" bash_registers "$bash_completion"
check "the bash completion completes 'userimportctl hi' to history" \
    bash_completes "$bash_completion" history userimportctl hi
check "the bash completion completes 'userimportctl history --disp' to --disposition" \
    bash_completes "$bash_completion" --disposition userimportctl history --disp
check "the zsh completion is installed as _userimportctl, a #compdef for userimportctl" \
    grep -qx '#compdef userimportctl' "$zsh_completion"
check "the fish completion is installed and offers the subcommands" \
    grep -q "complete -c 'userimportctl' .*-fa 'history'" "$fish_completion"
unshare --mount --propagation private "$0" --inside "$tmp" "$swiftlib" "$toolchain"
status=$?
if read -r inside_passed inside_failed <"$tmp/inside.counts" 2>/dev/null; then
    passed=$((passed + inside_passed))
    failed=$((failed + inside_failed))
    while read -r name; do [ -n "$name" ] && failures+=("$name"); done <"$tmp/inside.failures"
else
    failed=$((failed + 1))
    failures+=("the checks in the private mount namespace did not finish (exit status $status)")
fi
uninstalled() {
    make -s -C "$repo" uninstall DESTDIR="$tmp/root" PREFIX="$prefix" DEBUGDIR="$debugdir" \
        SYSCONFDIR=/etc >"$tmp/uninstall.log" 2>&1 || { cat "$tmp/uninstall.log"; return 1; }
    local left
    left=$(cd "$tmp/root" && find . -path ./etc -prune -o ! -type d -print)
    [ -z "$left" ] || { echo "    left after uninstall:" $left >&2; return 1; }
}
check "make uninstall removes every installed file but the configuration" uninstalled
summary
