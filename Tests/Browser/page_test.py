"""The Import page (Sources/cockpit-userimport) in headless Chromium, driven by Selenium.

Started by run.sh, which provides the daemon, the state directory, two Cockpit web services (one
as root, one as nobody) and a `userimportctl` on PATH bound to the state directory. Each check
prints PASS or FAIL with what it measured; the last line is "N passed, N failed".
"""

import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

STATE = os.environ["USERIMPORT_STATE"]
WORK = os.environ["USERIMPORT_WORK"]
DAEMON = os.environ["USERIMPORT_DAEMON"]
DAEMON_PID_FILE = os.environ["USERIMPORT_DAEMON_PID_FILE"]
URL = os.environ["USERIMPORT_URL"]
NOBODY_URL = os.environ["USERIMPORT_NOBODY_URL"]
SCREENSHOTS = os.environ["USERIMPORT_SCREENSHOTS"]
BASE_CONFIG = os.environ["USERIMPORT_BASE_CONFIG"]
FILES = os.path.join(WORK, "files")
DOWNLOADS = os.path.join(WORK, "downloads")

REPORT_PAGE_ROWS = 250  # report.js PAGE_SIZE
DOM_ROW_LIMIT = 500

SEED = """Email ID, First Name, Last Name, Alternate ID, Work Phone, Title, Department, User Status
john.doe@example.com, John, Doe, , 800-555-1212, President, Executive, New
jane.doe@example.com, Jane, Doe, , 800-555-5555, VicePresident, Executive, New
"""

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>window.__pwned=1</script>"


# --- helpers ---------------------------------------------------------------------------------

def ctl(*args, check=True):
    """userimportctl (the wrapper on PATH, bound to the test's state directory)."""
    done = subprocess.run(["userimportctl", *args], capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise AssertionError(f"userimportctl {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def ctl_json(*args, check=True):
    return json.loads(ctl(*args, "--json", check=check))


def wait_for(what, predicate, timeout=10.0, interval=0.05):
    """Polls `predicate` until it returns something true; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as error:  # the page may be between two renders
            last_error = error
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}"
                                 + (f" (last error: {last_error})" if last_error else ""))
        time.sleep(interval)


def write_file(name, text):
    os.makedirs(FILES, exist_ok=True)
    path = os.path.join(FILES, name)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
    return path


def number(text):
    return int(text.replace(",", "").strip())


def fmt_time(rfc3339):
    return rfc3339[:19].replace("T", " ")


def fmt_duration(record):
    def parse(value):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    ms = max(0, (parse(record["finished_at"]) - parse(record["started_at"])) // datetime.timedelta(milliseconds=1))
    return f"{ms // 1000}.{ms % 1000 // 100}s" if ms < 10000 else f"{ms // 1000}s"


def daemon_pid():
    with open(DAEMON_PID_FILE) as pid_file:
        return int(pid_file.read().strip())


def start_daemon(config=None):
    """The daemon on the test's state directory, with the shared configuration ([Database] with
    run.sh --postgresql) and `config` after it."""
    log = open(os.path.join(WORK, "daemon.log"), "a")
    path = os.path.join(WORK, "userimportd-test.conf")
    with open(BASE_CONFIG) as base, open(path, "w") as out:
        out.write(base.read() + "\n" + (config or ""))
    arguments = [DAEMON, "--state-dir", STATE, "--config", path]
    process = subprocess.Popen(arguments, stdout=log, stderr=log, start_new_session=True)
    with open(DAEMON_PID_FILE, "w") as pid_file:
        pid_file.write(str(process.pid))
    wait_for("the daemon to run", lambda: ctl_json("status", check=False)["daemon_running"], timeout=20)


def stop_daemon():
    pid = daemon_pid()
    os.kill(pid, signal.SIGTERM)
    wait_for("the daemon to stop", lambda: not os.path.exists(f"/proc/{pid}") or _reap(pid), timeout=20)
    wait_for("status to say the daemon is down", lambda: not ctl_json("status", check=False)["daemon_running"])


def _reap(pid):
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return finished == pid
    except ChildProcessError:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1].startswith("Z")


# --- the browser -----------------------------------------------------------------------------

def new_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,800", "--lang=en-US",
                     f"--user-data-dir={tempfile.mkdtemp(dir=WORK, prefix='chromium-')}"]:
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": DOWNLOADS,
                                              "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": DOWNLOADS})
    resize(driver, 1280, 800)
    return driver


def resize(driver, width, height):
    """Makes the viewport (not the window around it) width × height."""
    driver.set_window_size(width, height)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
    wait_for(f"a {width}×{height} viewport",
             lambda: driver.execute_script("return [window.innerWidth, window.innerHeight]") == [width, height])


class Page:
    def __init__(self, driver):
        self.driver = driver

    def open(self, url=URL):
        self.driver.get(url)
        wait_for("the page to start", lambda: self.visible("app") or self.visible("access-denied")
                 or self.visible("page-error"), timeout=20)
        if self.visible("page-error"):
            raise AssertionError("the page says: " + self.text("page-error"))

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def visible(self, element_id):
        return self.js("const n = document.getElementById(arguments[0]);"
                       "return !!n && !n.hidden && n.getClientRects().length > 0;", element_id)

    def text(self, element_id):
        return self.js("return document.getElementById(arguments[0]).textContent;", element_id).strip()

    def click(self, css):
        self.js("arguments[0].scrollIntoView({block: 'center'});", self.find(css))
        self.find(css).click()

    def tab(self, name):
        self.click(f"#tab-{name}")
        wait_for(f"the {name} tab", lambda: self.visible(f"panel-{name}"))

    def choose(self, path):
        self.find("#import-file").send_keys(path)
        wait_for("the buttons to enable", lambda: self.find("#import-button").is_enabled())

    def import_file(self, path):
        self.choose(path)
        self.importing = os.path.basename(path)
        self.click("#import-button")

    def import_state(self):
        return self.js("const n = document.getElementById('import-status');"
                       "return n.hidden ? null : n.dataset.state;")

    def wait_import(self, states, timeout=60.0):
        seen = self.states_seen = []

        def reached():
            state = self.import_state()
            if not seen or seen[-1] != state:
                seen.append(state)
            return state in states and self.importing in self.text("import-status")
        try:
            return wait_for(f"#import-status to say {states} about {self.importing}", reached, timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}; it said {seen}: {self.text('import-status')!r}") from None

    def report_ready(self):
        return self.js("const d = document.getElementById('report-dialog');"
                       "return d.open && d.dataset.loading === 'false';")

    def report_rows(self):
        """The rows table of the report dialog as [[line, email, status, outcome, reason], …]."""
        return self.js("return Array.from(document.querySelectorAll('#report-rows tbody tr'),"
                       " tr => Array.from(tr.cells, td => td.textContent));")

    def fact(self, key):
        return self.find(f"#report-facts dd[data-fact='{key}']").text

    def close_report(self):
        self.click("#report-done")
        wait_for("the report dialog to close", lambda: not self.js(
            "return document.getElementById('report-dialog').open;"))

    def screenshot(self, name):
        path = os.path.join(SCREENSHOTS, name)
        self.driver.save_screenshot(path)
        return path


# --- the checks ------------------------------------------------------------------------------

results = {"passed": 0, "failed": 0}
page_for_cleanup = []


ONLY = {part.strip() for part in os.environ.get("USERIMPORT_BROWSER_CHECKS", "").split(",") if part.strip()}


def check(name):
    """Runs the decorated check at once (all of them, or those USERIMPORT_BROWSER_CHECKS=1,3 names)."""
    def run(function):
        if ONLY and name.split(".")[0] not in ONLY:
            return function
        started = time.monotonic()
        try:
            detail = function()
            results["passed"] += 1
            print(f"PASS {name} ({time.monotonic() - started:.1f} s){': ' + detail if detail else ''}", flush=True)
        except Exception:
            results["failed"] += 1
            print(f"FAIL {name}", flush=True)
            traceback.print_exc()
            if page_for_cleanup:  # the next check starts without this one's open dialogs
                page_for_cleanup[0].js("document.querySelectorAll('dialog[open]').forEach(d => d.close());"
                                       "document.getElementById('tab-imports').click();")
        return function
    return run


def compare_report_dialog(page, report):
    """Every fact and row cell of the open dialog against `report ID --json`."""
    facts = {
        "file": report["file"], "id": str(report["id"]), "sha256": report["sha256"],
        "encoding": report["encoding"], "delimiter": report["delimiter"],
    }
    for key, expected in facts.items():
        assert page.fact(key) == expected, f"report fact {key}: {page.fact(key)!r} != {expected!r}"
    assert page.fact("disposition").startswith(report["disposition"])
    # The rows to fix are named exactly when the import has some.
    shown_fix = page.js("return Array.from(document.querySelectorAll(\"#report-facts dd[data-fact='rows_to_fix']\"),"
                        " dd => dd.textContent);")
    wanted_fix = [] if report["rows_to_fix"] is None else [report["rows_to_fix"]]
    assert shown_fix == wanted_fix, f"rows to fix: {shown_fix!r} != {wanted_fix!r}"
    assert number(page.fact("rows_total")) == report["rows_total"]
    for outcome, expected in report["counts"].items():
        assert number(page.fact("count-" + outcome)) == expected, f"count {outcome}"
    expected_rows = [[str(r["line"]), r["email"], r["status"], r["outcome"], r["reason"]] for r in report["rows"]]
    shown = page.report_rows()
    assert shown == expected_rows, f"report rows differ:\n{shown}\n!=\n{expected_rows}"
    return len(shown)


def main():
    os.makedirs(DOWNLOADS, exist_ok=True)
    driver = new_browser()
    page = Page(driver)
    page_for_cleanup.append(page)
    timings = {}
    try:
        page.open()

        @check("1. seed sample imported through the page; History and Results match report --json")
        def seed():
            path = write_file("seed.csv", SEED)
            started = time.monotonic()
            page.import_file(path)
            page.wait_import({"done", "failed", "duplicate", "held"})
            timings["seed import, click to done"] = time.monotonic() - started
            status = page.text("import-status")
            assert page.import_state() == "done", status
            assert "2 created" in status, status
            record = ctl_json("history", "--limit", "1")[0]
            assert record["file"] == "seed.csv" and record["counts"]["created"] == 2
            started = time.monotonic()
            row = wait_for("the history row", lambda: page.finds(f"#history-table tr[data-import-id='{record['id']}']"),
                           timeout=2.0)[0]
            timings["history row after done"] = time.monotonic() - started
            cells = {td.get_attribute("data-col"): td.text for td in row.find_elements(By.CSS_SELECTOR, "td[data-col]")}
            expected = {"id": str(record["id"]), "received": fmt_time(record["received_at"]), "file": record["file"],
                        "result": record["disposition"], "time": fmt_duration(record),
                        **{c: str(record["counts"][c]) for c in
                           ["created", "updated", "deleted", "activated", "ignored", "rejected"]}}
            assert cells == expected, f"history cells {cells} != {expected}"
            page.screenshot("import-page-1280x800.png")
            row.find_element(By.CSS_SELECTOR, ".report-link").click()
            wait_for("the report dialog", page.report_ready)
            report = ctl_json("report", str(record["id"]))
            compared = compare_report_dialog(page, report)
            page.screenshot("report-dialog-1280x800.png")
            page.click("#report-download")
            download = os.path.join(DOWNLOADS, "seed.csv.report.txt")
            wait_for("the downloaded report", lambda: os.path.exists(download) and os.path.getsize(download) > 0)
            with open(download, encoding="utf-8") as text:
                assert text.read() == ctl("report", str(record["id"])), "the download differs from `report ID`"
            resize(driver, 400, 800)
            page.screenshot("report-dialog-400.png")
            page.close_report()
            page.screenshot("import-page-400.png")
            page.js("document.getElementById('history-table').scrollIntoView();")
            page.screenshot("history-400.png")
            resize(driver, 1280, 800)
            return f"{len(expected)} history cells, {compared} report rows and the download match"

        @check("2. HTML in names, emails, reasons and the file name shows as text and never runs")
        def payloads():
            name = IMG + ".csv"
            path = write_file(name, "\n".join([
                "Email ID, First Name, Last Name, Title, User Status",
                f"xss.one@example.com, {IMG}, {SCRIPT}, {SCRIPT}, New",
                f"{IMG}@example.com, Img, Email, , New",
                f"xss.two@example.com, Status, Payload, , {SCRIPT}",
            ]) + "\n")
            page.import_file(path)
            page.wait_import({"done", "failed", "duplicate", "held"})
            assert page.import_state() == "done", page.text("import-status")
            assert name in page.text("import-status")
            record = ctl_json("history", "--limit", "1")[0]
            row = wait_for("the history row", lambda: page.finds(f"#history-table tr[data-import-id='{record['id']}']"))[0]
            assert row.find_element(By.CSS_SELECTOR, "td[data-col='file']").text == name
            page.click("#import-report-link")
            wait_for("the report dialog", page.report_ready)
            compare_report_dialog(page, ctl_json("report", str(record["id"])))
            assert page.fact("file") == name
            emails = [r[1] for r in page.report_rows()]
            assert f"{IMG}@example.com" in emails, emails
            reasons = " ".join(r[4] for r in page.report_rows())
            page.close_report()
            page.tab("users")
            page.find("#users-search").send_keys("xss.one")
            only_row = "#users-table tbody tr[data-email='xss.one@example.com']:only-child"
            cells = wait_for("the searched user alone", lambda: page.js(
                "const tr = document.querySelector(arguments[0]);"
                "return tr && Array.from(tr.cells, td => td.textContent);", only_row))
            assert cells[2] == IMG and cells[3] == SCRIPT and cells[4] == SCRIPT, cells
            wait_for("the user link to be clicked", lambda: page.click(only_row + " .user-link") or True)
            wait_for("the user's detail", lambda: page.finds("#user-imports tbody tr"))
            assert page.find("#user-profile dd[data-fact='first_name']").text == IMG
            assert page.find("#user-profile dd[data-fact='last_name']").text == SCRIPT
            page.click("#user-close")
            page.find("#users-search").clear()
            page.tab("imports")
            try:
                driver.switch_to.alert
                raise AssertionError("an alert is open: the payload ran")
            except NoAlertPresentException:
                pass
            assert page.js("return window.__pwned") is None, "window.__pwned is set"
            injected = page.js("return document.querySelectorAll('img').length"
                               " + Array.from(document.scripts).filter(s => !s.src).length")
            assert injected == 0, f"{injected} injected img/script elements"
            return f"payloads shown literally (reasons: {reasons[:80]!r}…); no alert, no __pwned, no img/script"

        @check("3. a 100,000-row import paged through the report dialog, never more than 500 rows in the DOM")
        def large():
            lines = ["Email ID, First Name, Last Name, Department, User Status"]
            expected = {"created": 0, "ignored": 0, "rejected": 0}
            for n in range(100_000):
                if n % 100 == 99:
                    lines.append(f"not-an-email-{n}, Bad, Email, Bulk, New")
                    expected["ignored"] += 1
                elif n % 250 == 17:
                    lines.append(f"bulk.{n}@example.com, No, Status, Bulk, ")
                    expected["rejected"] += 1
                else:
                    lines.append(f"bulk.{n}@example.com, Bulk{n}, Person, Bulk, New")
                    expected["created"] += 1
            path = write_file("bulk-100k.csv", "\n".join(lines) + "\n")
            page.js("""window.__maxReportRows = 0;
                new MutationObserver(() => {
                    const n = document.querySelectorAll('#report-rows tbody tr').length;
                    if (n > window.__maxReportRows) window.__maxReportRows = n;
                }).observe(document.getElementById('report-rows'), {childList: true, subtree: true});""")
            started = time.monotonic()
            page.import_file(path)
            page.wait_import({"done", "failed", "duplicate", "held"}, timeout=180)
            timings["100k import, click to done"] = time.monotonic() - started
            states = " → ".join(page.states_seen)
            assert page.import_state() == "done", page.text("import-status")
            record = ctl_json("history", "--limit", "1")[0]
            for outcome, count in expected.items():
                assert record["counts"][outcome] == count, (outcome, record["counts"])

            def step(label, action, first_line=None, last_line=None):
                before = page.js("return document.getElementById('report-range').textContent")
                started = time.monotonic()
                action()
                wait_for(label, lambda: page.report_ready()
                         and page.js("return document.getElementById('report-range').textContent") != before,
                         timeout=30)
                timings["report: " + label] = time.monotonic() - started
                rows = page.report_rows()
                assert 0 < len(rows) <= DOM_ROW_LIMIT
                if first_line is not None:
                    assert rows[0][0] == str(first_line), (label, rows[0])
                if last_line is not None:
                    assert rows[-1][0] == str(last_line), (label, rows[-1])
                return rows

            total = record["rows_total"]
            step("first page", lambda: page.click("#import-report-link"), first_line=2, last_line=REPORT_PAGE_ROWS + 1)
            assert page.text("report-range") == f"Rows 1–{REPORT_PAGE_ROWS} of {total:,}", page.text("report-range")
            step("next page", lambda: page.click("#report-next"), first_line=REPORT_PAGE_ROWS + 2)
            step("last page", lambda: page.click("#report-last"), last_line=total + 1)
            step("first page again", lambda: page.click("#report-first"), first_line=2)
            rows = step("filter ignored", lambda: Select(page.find("#report-filter")).select_by_value("ignored"))
            assert all(r[3] == "ignored" for r in rows)
            assert page.text("report-range").endswith(f"of {expected['ignored']:,}"), page.text("report-range")
            rows = step("filter ignored, last page", lambda: page.click("#report-last"))
            assert rows[-1][1] == "not-an-email-99999", rows[-1]
            rows = step("filter rejected", lambda: Select(page.find("#report-filter")).select_by_value("rejected"))
            assert all(r[3] == "rejected" for r in rows) and len(rows) == min(REPORT_PAGE_ROWS, expected["rejected"])
            assert page.text("report-range").endswith(f"of {expected['rejected']:,}"), page.text("report-range")
            most = page.js("return window.__maxReportRows")
            assert 0 < most <= DOM_ROW_LIMIT, most
            page.close_report()
            steps = ", ".join(f"{k[8:]} {v * 1000:.0f} ms" for k, v in timings.items() if k.startswith("report: "))
            return f"status {states}; {total:,} rows; at most {most} rows in the DOM; {steps}"

        @check("4. a user outside the group sees one plain sentence")
        def nobody():
            other = Page(new_browser())
            try:
                other.open(NOBODY_URL)
                wait_for("#access-denied", lambda: other.visible("access-denied"))
                sentence = other.text("access-denied")
                assert not other.visible("app")
                assert sentence and "\n" not in sentence and len(sentence) < 300, sentence
                assert "{" not in sentence and "userimportctl:" not in sentence, sentence
                other.screenshot("access-denied.png")
                return repr(sentence)
            finally:
                other.driver.quit()

        @check("5. Check file shows counts and the rows it would reject or ignore, and changes nothing")
        def dry_run():
            path = write_file("check-me.csv", "\n".join([
                "Email ID, First Name, Last Name, User Status",
                "check.new@example.com, Check, New, New",
                "check.nostatus@example.com, Check, Missing, ",
                "not-an-email, Check, Invalid, New",
            ]) + "\n")
            history_before = ctl_json("history", "--limit", "1000")
            users_before = ctl_json("users")
            page.choose(path)
            page.click("#check-button")
            wait_for("the check result", lambda: page.finds("#check-summary"), timeout=20)
            counts = {dd.get_attribute("data-outcome"): number(dd.text)
                      for dd in page.finds("#check-counts dd[data-outcome]")}
            assert counts["created"] == 1 and counts["rejected"] == 1 and counts["ignored"] == 1, counts
            rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                    for tr in page.finds("#check-rows tbody tr")]
            assert [(r[0], r[3]) for r in rows] == [("3", "rejected"), ("4", "ignored")], rows
            page.screenshot("check-file.png")
            assert ctl_json("history", "--limit", "1000") == history_before, "history changed"
            assert ctl_json("users") == users_before, "users changed"
            assert os.listdir(os.path.join(STATE, "inbox")) == [], "something went into the inbox"
            return f"counts {counts}; rows {[r[0] for r in rows]}; history still {len(history_before)} imports"

        @check("6. daemon down: banner, the file waits (also across a reload), imported once it is back")
        def daemon_down():
            stop_daemon()
            started = time.monotonic()
            wait_for("#daemon-banner", lambda: page.visible("daemon-banner"), timeout=5)
            timings["banner after stop"] = time.monotonic() - started
            page.import_file(write_file("while-down.csv", "\n".join([
                "Email ID, First Name, Last Name, User Status",
                "while.down@example.com, While, Down, New",
            ]) + "\n"))
            page.wait_import({"waiting"}, timeout=20)
            assert "waiting in the inbox" in page.text("import-status") and "not running" in page.text("import-status")
            page.screenshot("daemon-down.png")
            driver.refresh()
            page.open()
            page.wait_import({"waiting"}, timeout=20)
            assert page.visible("daemon-banner")
            start_daemon()
            started = time.monotonic()
            page.wait_import({"done", "failed", "duplicate", "held"}, timeout=30)
            timings["daemon back, to done"] = time.monotonic() - started
            assert page.import_state() == "done", page.text("import-status")
            assert "1 created" in page.text("import-status")
            wait_for("the banner to go", lambda: not page.visible("daemon-banner"), timeout=5)
            return f"waited in the inbox across a reload; done {timings['daemon back, to done']:.1f} s after the start"

        @check("7. held files: shown with the guard's reason, released and rejected with the page's buttons")
        def held_files():
            # A guard of five deletions, whatever the directory's size (the earlier checks made it large).
            stop_daemon()
            start_daemon("[Guard]\nMaxDeleteRows=5\n")
            header = "Email ID, First Name, Last Name, User Status\n"
            people = [f"held{i}@example.com" for i in range(8)]
            ctl("submit", "--wait", write_file("held-directory.csv",
                                               header + "".join(f"{e}, H{i}, Guard, New\n" for i, e in enumerate(people))))
            feeds = {}
            for name in ["held-release.csv", "held-reject.csv"]:
                body = header + "".join(f"{e}, H, Guard, Delete\n" for e in people[:6])
                # Different bytes: the second would otherwise be a duplicate once the first is applied.
                if name == "held-reject.csv":
                    body += f"{people[7]}, H7, Guard, Update\n"
                ctl("submit", "--wait", write_file(name, body), check=False)
                feeds[name] = ctl_json("history", "--limit", "1")[0]
                assert feeds[name]["disposition"] == "held", feeds[name]
            card_rows = wait_for("both held files in the card", lambda: len(page.finds("#held-table tbody tr")) == 2
                                 and page.visible("held-card") and page.finds("#held-table tbody tr"), timeout=5)
            reason = page.find(f"#held-table tr[data-import-id='{feeds['held-release.csv']['id']}'] td[data-col='reason']").text
            assert "more than MaxDeleteRows=5 allows" in reason, reason
            assert len(card_rows) == 2
            page.screenshot("held-files.png")
            for name, button, expected in [("held-release.csv", "held-release", "released as import"),
                                           ("held-reject.csv", "held-reject", "rejected")]:
                record = feeds[name]
                page.click(f"#held-table tr[data-import-id='{record['id']}'] .{button}")
                wait_for("the confirmation", lambda: driver.switch_to.alert, timeout=5).accept()
                wait_for(f"the page to say {expected}", lambda: page.js(
                    "return document.getElementById('held-message').dataset.state;") == "done"
                    and expected in page.text("held-message"), timeout=30)
            users = {u["email"]: u["state"] for u in ctl_json("users", "--search", "held")}
            assert [users[e] for e in people] == ["deleted"] * 6 + ["invited"] * 2, users
            rejected = ctl_json("report", str(feeds["held-reject.csv"]["id"]))
            assert rejected["disposition"] == "failed" and rejected["error"].startswith("rejected by "), rejected["error"]
            wait_for("the card to empty", lambda: not page.finds("#held-table tbody tr"), timeout=5)
            stop_daemon()
            start_daemon()
            return "released once (6 deleted), rejected with nothing applied"

        @check("8. Undo import in the report dialog reverses the import once")
        def undo_import():
            header = "Email ID, First Name, Last Name, User Status\n"
            ctl("submit", "--wait", write_file("to-undo.csv", header + "undo.one@example.com, Undo, One, New\n"
                                               + "undo.two@example.com, Undo, Two, New\n"))
            record = ctl_json("history", "--limit", "1")[0]
            assert record["file"] == "to-undo.csv" and record["counts"]["created"] == 2, record
            link = wait_for("the history row", lambda: page.finds(
                f"#history-table tr[data-import-id='{record['id']}'] .report-link"), timeout=5)[0]
            page.js("arguments[0].scrollIntoView({block: 'center'});", link)
            link.click()
            wait_for("the report dialog", page.report_ready)
            assert page.visible("report-undo"), "a done import offers Undo"
            page.click("#report-undo")
            wait_for("the confirmation", lambda: driver.switch_to.alert, timeout=5).accept()
            wait_for("the dialog to say it was undone", lambda: page.js(
                "return document.getElementById('report-undo-result').dataset.state;") == "done"
                and f"import {record['id']} undone by import" in page.text("report-undo-result"), timeout=30)
            wait_for("the report again, with Undone by", lambda: page.report_ready()
                     and page.finds("#report-facts dd[data-fact='undone_by']"), timeout=10)
            assert not page.visible("report-undo"), "an undone import offers no Undo"
            page.screenshot("report-undone.png")
            emails = {u["email"] for u in ctl_json("users", "--search", "undo.")}
            assert not emails & {"undo.one@example.com", "undo.two@example.com"}, emails
            undone = ctl_json("report", str(record["id"]))
            assert undone["undone_by"] is not None
            again = subprocess.run(["userimportctl", "undo", str(record["id"])], capture_output=True, text=True)
            assert again.returncode == 1 and "was undone already" in again.stderr, again.stderr
            page.close_report()
            return f"import {record['id']} undone by import {undone['undone_by']}"

        page.js("window.scrollTo(0, 0);")
        page.screenshot("import-page-end-1280x800.png")
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        for entry in errors:
            print("browser console:", entry["message"])
    finally:
        driver.quit()
    for what, seconds in timings.items():
        print(f"  {what}: {seconds * 1000:.0f} ms")
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
