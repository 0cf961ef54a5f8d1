#!/usr/bin/env bash
# The manual pages (Sources/man) against the product they describe: each page lint-clean under
# mandoc and rendered by man without a warning; every key the configuration parser accepts in
# userimportd.conf(5) with the shipped example's default, and the example loadable by the tool;
# every userimportctl command and each of its options in userimportctl(1), every userimportd option
# and MESSAGE_ID in userimportd(8); every JSON field the built tool prints (after a real import
# with `userimportd --once`) in userimportctl(1)'s JSON OUTPUT. Nothing sleeps.
#   BIN=DIR Tests/Docs/run.sh   the programs to ask (default .build/debug: `make test-docs` builds them)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$repo/Tests/Support/checks.sh" # check, summary
bin=${BIN:-$repo/.build/debug}
ctl=$bin/userimportctl
daemon=$bin/userimportd
man=$repo/Sources/man
daemon_page=$man/userimportd.8
ctl_page=$man/userimportctl.1
conf_page=$man/userimportd.conf.5
pages=("$daemon_page" "$ctl_page" "$conf_page")
parser=$repo/Sources/UserImportService/Configuration/ConfigParser.swift
example=$repo/etc/userimportd.conf
message_ids=$repo/Sources/UserImportService/Logging/LogMessageID.swift
roff() { python3 "$here/roff.py" "$@"; }




for program in "$ctl" "$daemon"; do
    if [ ! -x "$program" ]; then
        echo "no $program: run swift build --product $(basename "$program") (make test-docs does)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done
tmp=$(mktemp -d /tmp/userimportd-docs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# --- the pages as roff ------------------------------------------------------------------------

lint_clean() { # PAGE
    local out
    out=$(mandoc -T lint -W warning "$1" 2>&1)
    local status=$?
    echo "    mandoc: $(grep -c . <<<"$out") warnings or errors"
    [ -z "$out" ] && [ "$status" -eq 0 ] || { sed 's/^/    /' <<<"$out" >&2; return 1; }
}

renders() { # PAGE: man renders it, with the NAME line, and groff has nothing to say
    local warnings
    warnings=$(MANWIDTH=80 man --warnings -l "$1" 2>&1 >"$tmp/rendered") || return 1
    [ -z "$warnings" ] || { sed 's/^/    /' <<<"$warnings" >&2; return 1; }
    grep -q "^NAME" "$tmp/rendered" || { echo "    no NAME section in the rendering" >&2; return 1; }
}

version_matches() { # PAGE: the .TH source field names the version the programs print
    local version source
    version=$("$ctl" --version) || return 1
    source=$(roff th "$1" | sed -n 4p)
    [ "$source" = "userimportd $version" ] || { echo "    .TH says '$source', the programs $version" >&2; return 1; }
}

for page in "${pages[@]}"; do
    name=$(basename "$page")
    check "$name: mandoc -T lint -W warning is clean" lint_clean "$page"
    check "$name: man --warnings -l renders it without a warning" renders "$page"
    check "$name: .TH names version $("$ctl" --version)" version_matches "$page"
done

names_no_missing_document() { # no reference to a document the repository does not hold
    ! grep -n -E 'SPEC|§' "${pages[@]}" "$repo/README.md" >&2
}
check "no page and not README.md mentions SPEC or a section sign" names_no_missing_document

readme_points_at_pages() {
    local page
    for page in userimportd.8 userimportctl.1 userimportd.conf.5; do
        grep -q "Sources/man/$page" "$repo/README.md" || { echo "    README.md does not name $page" >&2; return 1; }
    done
}
check "README.md points at the three pages" readme_points_at_pages

# --- userimportd.conf(5) against the parser and the shipped example ----------------------------

# "Section Key" for every key the parser's switch accepts; its section list.
grep -oE 'case \("[A-Za-z]+", "[A-Za-z]+"\)' "$parser" | sed -E 's/case \("([A-Za-z]+)", "([A-Za-z]+)"\)/\1 \2/' |
    sort >"$tmp/accepted"
sed -n 's/.*static let sections = \[\(.*\)\].*/\1/p' "$parser" | tr -d '" ' | tr ',' '\n' >"$tmp/sections"
roff conf-keys "$conf_page" | sort >"$tmp/documented"
# The example's keys, commented out or not, and their values.
awk '/^\[/ { gsub(/[][]/, ""); section = $0; next }
     match($0, /^#?[A-Za-z]+=/) { line = $0; sub(/^#/, "", line); eq = index(line, "=");
         print section, substr(line, 1, eq - 1), substr(line, eq + 1) }' "$example" >"$tmp/example"
cut -d' ' -f1,2 "$tmp/example" | sort >"$tmp/example.keys"
echo "    the parser accepts $(wc -l <"$tmp/accepted") keys in $(wc -l <"$tmp/sections") sections;" \
    "userimportd.conf.5 documents $(wc -l <"$tmp/documented"), the example lists $(wc -l <"$tmp/example.keys")"

same_lines() { # A B WHAT_A WHAT_B
    local only_a only_b
    only_a=$(comm -23 "$1" "$2")
    only_b=$(comm -13 "$1" "$2")
    [ -n "$only_a" ] && echo "    in $3 only:" $only_a >&2
    [ -n "$only_b" ] && echo "    in $4 only:" $only_b >&2
    [ -s "$1" ] && [ -z "$only_a$only_b" ]
}
check "every key the config parser accepts is in userimportd.conf.5, and no other" \
    same_lines "$tmp/accepted" "$tmp/documented" "ConfigParser.swift" "userimportd.conf.5"
check "every key the config parser accepts is in etc/userimportd.conf, and no other" \
    same_lines "$tmp/accepted" "$tmp/example.keys" "ConfigParser.swift" "etc/userimportd.conf"

every_section_has_a_heading() {
    local section ok=0
    [ -s "$tmp/sections" ] || return 1
    while read -r section; do
        grep -q "^\.SH \"\[$section\] SECTION\"$" "$conf_page" || { echo "    no section [$section]" >&2; ok=1; }
    done <"$tmp/sections"
    return $ok
}
check "every section the parser knows has its own heading in userimportd.conf.5" every_section_has_a_heading

defaults_match_example() { # every example value is the page's "Default:" for that key
    local section key value entry ok=0
    while read -r section key value; do
        entry=$(roff conf-entry "$conf_page" "$section" "$key" 2>&1 | tr '\n' ' ' | tr -s ' ')
        if [ -z "$value" ]; then
            grep -q "Default: empty" <<<"$entry" && continue
        else
            grep -qF -e "Default: $value." -e "Default: $value," -e "Default: $value " <<<"$entry" && continue
        fi
        echo "    [$section] $key: the example says '$value', the page: ${entry:0:160}" >&2
        ok=1
    done <"$tmp/example"
    return $ok
}
check "each key's default in userimportd.conf.5 is the example's ($(wc -l <"$tmp/example") keys)" defaults_match_example

says_when_it_applies() { # every key's item, or its section, says Reload: SIGHUP or Reload: restart
    local section key ok=0
    while read -r section key; do
        { roff conf-entry "$conf_page" "$section" "$key"; roff conf-section "$conf_page" "$section"; } |
            tr '\n' ' ' | grep -qE 'Reload: (SIGHUP|restart)' && continue
        echo "    [$section] $key: neither its item nor its section says Reload: SIGHUP or restart" >&2
        ok=1
    done <"$tmp/documented"
    return $ok
}
check "every key says whether SIGHUP applies it or it needs a restart" says_when_it_applies

# ConfigurationChange.swift lists every key with live: true (a reload applies it) or false (it
# waits for a restart); [Paths] StateDirectory, a shorthand for the paths, is not in it.
change=$repo/Sources/UserImportService/Configuration/ConfigurationChange.swift
reload_matches_code() {
    local section key name live said ok=0 count=0
    while read -r section key; do
        live=$(grep -oE "name: \"\[$section\] $key\", live: (true|false)" "$change" | grep -oE '(true|false)$')
        if [ -z "$live" ]; then
            [ "$section $key" = "Paths StateDirectory" ] && live=false || {
                echo "    [$section] $key is not in ConfigurationChange.swift" >&2
                ok=1
                continue
            }
        fi
        count=$((count + 1))
        said=$({ roff conf-entry "$conf_page" "$section" "$key"; roff conf-section "$conf_page" "$section"; } |
            tr '\n' ' ' | grep -oE 'Reload: (SIGHUP|restart)' | head -1)
        if [ "$live" = true ] && [ "$said" = "Reload: SIGHUP" ]; then continue; fi
        if [ "$live" = false ] && [ "$said" = "Reload: restart" ]; then continue; fi
        echo "    [$section] $key: the page says '$said', the code live: $live" >&2
        ok=1
    done <"$tmp/documented"
    echo "    $count keys' reload held to ConfigurationChange.swift"
    [ "$count" -gt 0 ] && return $ok
}
check "each key's Reload: SIGHUP or restart is what ConfigurationChange.swift does" reload_matches_code

# The example with every line uncommented must load (the tool reads the configuration as the
# daemon does, and a bad one is exit status 2); the probe itself must see an unknown key.
loads() { # CONFIG
    printf '%s\n' 'Email ID, First Name, Last Name, User Status' 'a@example.com, A, B, New' >"$tmp/probe.csv"
    "$ctl" validate --config "$1" --state-dir "$tmp/probe-state" "$tmp/probe.csv" >"$tmp/loads.out" 2>&1
    local status=$?
    [ "$status" -ne 2 ] || { sed 's/^/    /' "$tmp/loads.out" >&2; return 1; }
}
example_values_load() {
    local section key value ok=0 count=0
    while read -r section key value; do
        count=$((count + 1))
        printf '[%s]\n%s=%s\n' "$section" "$key" "$value" >"$tmp/one.conf"
        loads "$tmp/one.conf" 2>"$tmp/one.err" && continue
        sed 's/^/    /' "$tmp/one.err" >&2
        ok=1
    done <"$tmp/example"
    echo "    $count example lines loaded one by one"
    return $ok
}
check "each line of etc/userimportd.conf, uncommented, loads" example_values_load
printf '[Import]\nNoSuchKey=1\n' >"$tmp/unknown.conf"
unknown_key_refused() { ! loads "$tmp/unknown.conf" 2>/dev/null && grep -q "unknown key" "$tmp/loads.out"; }
check "the load probe refuses an unknown key (so it can fail)" unknown_key_refused

# --- userimportctl(1) against the built tool ------------------------------------------------

"$ctl" --help | awk '/^SUBCOMMANDS:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' |
    sort >"$tmp/commands"
echo help >>"$tmp/commands" # the argument parser's own, listed by completion too
sort -o "$tmp/commands" "$tmp/commands"
roff commands "$ctl_page" | sort >"$tmp/commands.documented"
echo "    userimportctl has $(wc -l <"$tmp/commands") commands; userimportctl.1 documents $(wc -l <"$tmp/commands.documented")"
check "every userimportctl command is in userimportctl.1's COMMANDS, and no other" \
    same_lines "$tmp/commands" "$tmp/commands.documented" "userimportctl --help" "userimportctl.1"

global_options_documented() {
    local text
    text=$(roff section "$ctl_page" "GLOBAL OPTIONS")
    grep -q -- '^--config file' <<<"$text" && grep -q -- '^--state-dir dir' <<<"$text" &&
        grep -q -- '^--version' <<<"$text" && grep -q 'before or after the command' <<<"$text"
}
check "userimportctl.1 documents --config, --state-dir (before or after the command) and --version" \
    global_options_documented

paging_documented() {
    local text
    text=$(roff section "$ctl_page" PAGING | tr '\n' ' ')
    grep -qF -- '50 of 1,234 shown; --limit N or --all' <<<"$text" &&
        grep -q 'never cut unless --limit' <<<"$text"
}
check "userimportctl.1's PAGING quotes the table's cut line and says JSON is never cut" paging_documented

options_documented() { # every option of each command's usage is in that command's item
    local command option entry ok=0 count=0
    while read -r command; do
        [ "$command" = help ] && continue
        entry=$(roff command-entry "$ctl_page" "$command")
        for option in $("$ctl" help "$command" | sed -n 's/^USAGE: //p' | grep -oE -- '--[a-z0-9-]+' | sort -u); do
            count=$((count + 1))
            case $option in
            --config | --state-dir) continue ;; # GLOBAL OPTIONS
            --offset | --limit | --all) grep -q '\[paging\]' <<<"$entry" && continue ;;
            esac
            grep -qE -- "$option([^a-z0-9-]|$)" <<<"$entry" && continue
            echo "    $command $option is not in its item" >&2
            ok=1
        done
    done <"$tmp/commands"
    echo "    $count options of the commands checked"
    return $ok
}
check "each command's options (from userimportctl help COMMAND) are in its item" options_documented

values_documented() { # every value a command's help lists for an option, "(values: …)", is in its item
    local command value entry ok=0 count=0
    while read -r command; do
        [ "$command" = help ] && continue
        entry=$(roff command-entry "$ctl_page" "$command" | tr '\n' ' ')
        for value in $("$ctl" help "$command" | tr '\n' ' ' | tr -s ' ' | grep -oE '\(values: [^)]*\)' |
            sed -E 's/^\(values: //; s/\)$//' | tr -d ','); do
            count=$((count + 1))
            grep -qE "(^|[^a-z])$value([^a-z]|$)" <<<"$entry" && continue
            echo "    $command: the value $value is not in its item" >&2
            ok=1
        done
    done <"$tmp/commands"
    echo "    $count listed values checked"
    [ "$count" -gt 0 ] && return $ok
}
check "each value an option's help lists is in its command's item" values_documented

# --- userimportd(8) against the built daemon and the code -----------------------------------

daemon_options_documented() {
    local option text ok=0 count=0
    text=$(roff section "$daemon_page" OPTIONS)
    for option in $("$daemon" --help | sed -n '/^OPTIONS:/,$p' | grep -oE -- '--[a-z0-9-]+' | sort -u); do
        count=$((count + 1))
        grep -qE -- "(^|, )$option( |$)" <<<"$text" && continue
        echo "    userimportd $option is not in OPTIONS" >&2
        ok=1
    done
    echo "    $count options of userimportd checked"
    [ "$count" -gt 0 ] && return $ok
}
check "every option of userimportd --help is in userimportd.8's OPTIONS" daemon_options_documented

message_ids_documented() {
    local id ok=0 count=0
    for id in $(grep -oE '"[0-9a-f]{32}"' "$message_ids" | tr -d '"'); do
        count=$((count + 1))
        grep -q "^\.B $id$" "$daemon_page" && continue
        echo "    MESSAGE_ID $id is not in userimportd.8" >&2
        ok=1
    done
    echo "    $count MESSAGE_IDs checked"
    [ "$count" -gt 0 ] && return $ok
}
check "every MESSAGE_ID of LogMessageID.swift is in userimportd.8" message_ids_documented

exit_codes_documented() { # the codes the daemon's help lists are the page's EXIT STATUS
    local help page
    help=$("$daemon" --help | tr '\n' ' ' | grep -oE '(^|[ :,])(0|1|2|75) [a-z]' | grep -oE '[0-9]+' | sort -n | tr '\n' ' ')
    page=$(roff section "$daemon_page" "EXIT STATUS" | grep -xE '[0-9]+' | sort -n | tr '\n' ' ')
    [ -n "$help" ] && [ "$help" = "$page" ] || { echo "    help: $help; page: $page" >&2; return 1; }
}
check "userimportd.8's EXIT STATUS has the codes userimportd --help lists" exit_codes_documented

# --- JSON OUTPUT against what the tool prints after a real import ----------------------------

state=$tmp/state
: >"$tmp/empty.conf"
mkdir -p "$state/inbox"
printf '%s\n' 'Email ID, First Name, Last Name, User Status' \
    'john.doe@example.com, John, Doe, New' 'jane.doe@example.com, Jane, Doe, New' 'not-an-email, X, Y, New' \
    >"$state/inbox/sample.csv"
imported() {
    timeout 60 "$daemon" --config "$tmp/empty.conf" --state-dir "$state" --once >"$tmp/once.log" 2>&1 ||
        { sed 's/^/    /' "$tmp/once.log" >&2; return 1; }
    test -f "$state/done/sample.csv.report.txt"
}
check "userimportd --once imports a sample file for the JSON checks" imported

json_of() { # NAME ARGS…: the tool's JSON into $tmp/json/NAME.json
    local name=$1
    shift
    mkdir -p "$tmp/json"
    timeout 60 "$ctl" "$@" --config "$tmp/empty.conf" --state-dir "$state" >"$tmp/json/$name.json" 2>"$tmp/json/$name.err"
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$tmp/json/$name.json" ||
        { head -5 "$tmp/json/$name.err" | sed 's/^/    /' >&2; return 1; }
}
printf '%s\n' 'Email ID, First Name, Last Name, User Status' 'new@example.com, N, U, New' >"$tmp/submit.csv"
json_fields_documented() {
    json_of history history --json && json_of report report 1 --json && json_of users users --json &&
        json_of user user john.doe@example.com --json && json_of outbox outbox --json &&
        json_of validate validate "$tmp/submit.csv" --json && json_of submit submit "$tmp/submit.csv" --json || return 1
    "$ctl" status --json --config "$tmp/empty.conf" --state-dir "$state" >"$tmp/json/status.json" 2>/dev/null # 1: no daemon
    # Every key of every object the tool printed, and every key the JSON code can write (the
    # members that were null here, such as decided_by's and importing's).
    python3 - "$tmp/json"/*.json >"$tmp/json.keys" <<'PY'
import json, sys
keys = set()
def walk(value):
    if isinstance(value, dict):
        for key, member in value.items():
            keys.add(key)
            walk(member)
    elif isinstance(value, list):
        for member in value:
            walk(member)
for path in sys.argv[1:]:
    walk(json.load(open(path)))
print("\n".join(sorted(keys)))
PY
    local sources=("$repo/Sources/UserImportCore/Report/ReportJSON.swift" "$repo/Sources/userimportctl/"*Command.swift)
    grep -ohE '(string|number|raw)\("[a-z0-9_]+"' "${sources[@]}" | grep -oE '"[a-z0-9_]+"' | tr -d '"' >>"$tmp/json.keys"
    grep -ohE '\\"[a-z0-9_]+\\":' "${sources[@]}" | tr -d '"\\:' >>"$tmp/json.keys"
    sort -u -o "$tmp/json.keys" "$tmp/json.keys"
    local words key ok=0
    words=$(roff section "$ctl_page" "JSON OUTPUT" | grep -oE '[a-z_0-9]+' | sort -u)
    while read -r key; do
        grep -qx "$key" <<<"$words" && continue
        echo "    JSON field $key is not in JSON OUTPUT" >&2
        ok=1
    done <"$tmp/json.keys"
    echo "    $(wc -l <"$tmp/json.keys") JSON field names checked"
    [ -s "$tmp/json.keys" ] && return $ok
}
check "every JSON field userimportctl prints is in userimportctl.1's JSON OUTPUT" json_fields_documented

summary
