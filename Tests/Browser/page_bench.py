"""The Import page's timings on a large state: a history of 10,000 imports and a 1,000,000-row
report. Started by `run.sh --bench` (as `make bench` does, on the release binaries); prints the
numbers (median of 3, min–max) and asserts nothing.

Targets it is read against: the history interactive within 1 s of opening the page; the report
dialog's first page of a million-row import within 300 ms.
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import page_test as t  # noqa: E402  (the helpers, the browser and the environment run.sh gives)

IMPORTS = 10_000
BIG_ROWS = 1_000_000
REPEAT = 3

# Clicks `arguments[0]` (a CSS selector) and resolves with the milliseconds until `arguments[1]`
# (a JavaScript expression) is true, measured in the page.
TIMED_CLICK = """
const [selector, ready, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const isReady = new Function("return (" + ready + ");");
const started = performance.now();
document.querySelector(selector).click();
(function wait() {
    if (isReady()) done(performance.now() - started);
    else requestAnimationFrame(wait);
})();
"""


def drop(name, text):
    inbox = os.path.join(t.STATE, "inbox")
    hidden = os.path.join(inbox, "." + name)
    with open(hidden, "w", encoding="utf-8") as out:
        out.write(text)
    os.rename(hidden, os.path.join(inbox, name))


def wait_imported(count, timeout):
    t.wait_for(f"{count} imports", lambda: (t.ctl_json("status", check=False).get("last_import") or {}).get("id", 0)
               >= count, timeout=timeout, interval=0.5)


def summary(values):
    return f"{statistics.median(values):.0f} ms ({min(values):.0f}–{max(values):.0f})"


def main():
    started = time.monotonic()
    header = "Email ID, First Name, Last Name, User Status\n"
    for n in range(IMPORTS - 1):
        drop(f"small-{n:05d}.csv", header + f"small.{n}@example.com, Small, Import{n}, New\n")
    lines = [header.rstrip("\n")]
    lines.extend(f"big.{n}@example.com, Big{n}, Person, New" if n % 100 != 99 else f"not-an-email-{n}, Bad, Row, New"
                 for n in range(BIG_ROWS))
    # Dropped once the small ones are in, so that it is the newest import, on the history's first
    # page: dropped beside them, it was claimed before the last fifty now and then, and the page
    # never showed it.
    wait_imported(IMPORTS - 1, timeout=900)
    drop("big-1m.csv", "\n".join(lines) + "\n")
    wait_imported(IMPORTS, timeout=900)
    big = t.ctl_json("history", "--file", "big-1m.csv", "--limit", "1")[0]
    print(f"set-up: {IMPORTS:,} imports, the last of {big['rows_total']:,} rows, in {time.monotonic() - started:.0f} s")

    driver = t.new_browser()
    page = t.Page(driver)
    try:
        opened, older = [], []
        for _ in range(REPEAT):
            began = time.monotonic()
            driver.get(t.URL)
            t.wait_for("50 history rows", lambda: len(page.finds("#history-table tbody tr")) == 50
                       and page.find("#history-next").is_enabled(), timeout=30, interval=0.01)
            opened.append((time.monotonic() - began) * 1000)
            older.append(page.driver.execute_async_script(
                TIMED_CLICK, "#history-next",
                "document.querySelector('#history-table tbody tr').dataset.importId === '" + str(IMPORTS - 50) + "'"))
        print(f"history of {IMPORTS:,} imports: page opened to 50 rows {summary(opened)}, older page {summary(older)}")

        rows_shown = "document.getElementById('report-dialog').dataset.loading === 'false'" \
                     " && document.querySelectorAll('#report-rows tbody tr').length > 0"
        driver.get(t.URL)
        t.wait_for("the big import in the history", lambda: page.finds(f"#history-table tr[data-import-id='{big['id']}']"),
                   timeout=30)
        first, following, last, filtered = [], [], [], []
        for _ in range(REPEAT):
            first.append(driver.execute_async_script(
                TIMED_CLICK, f"#history-table tr[data-import-id='{big['id']}'] .report-link", rows_shown))
            following.append(driver.execute_async_script(
                TIMED_CLICK, "#report-next", rows_shown + " && document.querySelector('#report-rows tbody tr')"
                ".dataset.line !== '2'"))
            last.append(driver.execute_async_script(
                TIMED_CLICK, "#report-last", rows_shown + " && document.getElementById('report-next').disabled"))
            page.js("const f = document.getElementById('report-filter'); f.value = 'ignored';")
            filtered.append(driver.execute_async_script(
                "const done = arguments[arguments.length - 1]; const started = performance.now();"
                "document.getElementById('report-filter').dispatchEvent(new Event('change'));"
                "(function wait() { const d = document.getElementById('report-dialog');"
                " const row = document.querySelector('#report-rows tbody tr');"
                " if (d.dataset.loading === 'false' && row && row.cells[3].textContent === 'ignored')"
                " done(performance.now() - started); else requestAnimationFrame(wait); })();"))
            page.close_report()
        print(f"report of {big['rows_total']:,} rows: first page {summary(first)}, next page {summary(following)}, "
              f"last page {summary(last)}, filter ignored {summary(filtered)}")
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
