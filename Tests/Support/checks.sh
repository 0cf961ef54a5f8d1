# Sourced by the shell suites (Tests/Docs, Tests/Install, Tests/Debian): counted checks printed
# as `ok - …` / `not ok - …`, and a summary that fails the suite when one failed.
passed=0
failed=0
failures=()

check() { # check DESCRIPTION COMMAND…: one counted check
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok - $what"
    else
        failed=$((failed + 1))
        failures+=("$what")
        echo "not ok - $what"
    fi
}

summary() {
    for name in "${failures[@]}"; do echo "FAILED: $name"; done
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
