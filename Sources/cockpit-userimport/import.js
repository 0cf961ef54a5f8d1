// The Import card: choose a file, check it (a dry run), submit it, and follow it live until the
// daemon has imported it. The submitted file is remembered in sessionStorage, so a reload goes on
// following it.

import * as ctl from "./ctl.js";
import { byId, fill, h, setRows, show } from "./dom.js";
import { count, countsSentence, OUTCOMES, plural } from "./format.js";

const STORAGE_KEY = "userimport.submitted";
const CHECK_ROW_LIMIT = 500;

export function setUpImport({ openReport }) {
    const fileInput = byId("import-file");
    const checkButton = byId("check-button");
    const importButton = byId("import-button");
    const statusBox = byId("import-status");
    const checkBox = byId("check-result");

    let busy = false;
    let submitted = load(); // { name, sha256, after_import } until its import is found
    let finished = null; // { name, record } once it is
    let lookedUpAt = null; // the last_import id the history was last asked at
    let lastStatus = null;

    fileInput.addEventListener("change", () => {
        show(checkBox, false);
        updateButtons();
    });
    checkButton.addEventListener("click", () => runGuarded(check));
    importButton.addEventListener("click", () => runGuarded(submit));
    updateButtons();
    render();

    function updateButtons() {
        const chosen = fileInput.files.length > 0;
        checkButton.disabled = busy || !chosen;
        importButton.disabled = busy || !chosen;
    }

    async function runGuarded(action) {
        busy = true;
        updateButtons();
        try {
            await action();
        } finally {
            busy = false;
            updateButtons();
        }
    }

    async function chosenFile() {
        const file = fileInput.files[0];
        return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
    }

    async function submit() {
        const file = fileInput.files[0];
        finished = null;
        submitted = null;
        sessionStorage.removeItem(STORAGE_KEY);
        message("uploading", "Uploading " + file.name + " (" + plural(file.size, "byte", "bytes") + ")…");
        try {
            const { name, bytes } = await chosenFile();
            const printed = await ctl.json(["submit", "-", "--name", name, "--json"], { input: bytes });
            const receipt = Array.isArray(printed) ? printed[0] : printed; // one entry per file submitted
            submitted = { name: receipt.name, sha256: receipt.sha256, after_import: receipt.after_import ?? 0 };
            sessionStorage.setItem(STORAGE_KEY, JSON.stringify(submitted));
            lookedUpAt = null;
            fileInput.value = "";
            show(checkBox, false);
            render();
            if (lastStatus) await update(lastStatus);
        } catch (error) {
            message("failed", "The file was not submitted: " + error.message);
        }
    }

    /** Called with every `status --json`: finds the submitted file's import once it exists. */
    async function update(status) {
        lastStatus = status;
        if (submitted) {
            const last = status.last_import ? status.last_import.id : 0;
            if (last > submitted.after_import && last !== lookedUpAt) {
                lookedUpAt = last;
                const found = await ctl.json([
                    "history", "--json", "--file", submitted.name, "--sha256", submitted.sha256,
                    "--after", String(submitted.after_import), "--limit", "1",
                ]);
                if (found.length > 0 && submitted) {
                    finished = { name: submitted.name, record: found[0] };
                    submitted = null;
                    sessionStorage.removeItem(STORAGE_KEY);
                }
            }
        }
        render();
    }

    function render() {
        if (finished) {
            renderFinished(finished.name, finished.record);
        } else if (submitted) {
            renderInFlight(submitted.name, lastStatus);
        }
    }

    function renderInFlight(name, status) {
        const importing = status && status.importing;
        if (importing && importing.file === name) {
            const percent = Math.max(0, Math.min(100, Math.floor(importing.percent ?? 0)));
            message("importing", "Importing " + name + ": " + percent + " %",
                    h("progress", { max: "100", value: String(percent), "aria-label": "Import progress" }));
        } else if (status && !status.daemon_running) {
            message("waiting", name + " is waiting in the inbox. The import service is not running: " +
                    "the file is imported when userimportd starts again.");
        } else {
            message("waiting", name + " is waiting in the inbox" +
                    (status && status.inbox_waiting > 1 ? " (" + count(status.inbox_waiting) + " files waiting)." : "."));
        }
    }

    function renderFinished(name, record) {
        const link = h("a", { href: "#", id: "import-report-link" }, "here");
        link.addEventListener("click", event => {
            event.preventDefault();
            openReport(record.id);
        });
        const reason = record.error ? ": " + record.error : "";
        const said = {
            done: name + ": done. " + countsSentence(record.counts),
            failed: name + ": failed" + reason,
            duplicate: name + ": duplicate of import " + record.duplicate_of + "; nothing was changed",
            held: name + ": held" + reason,
        }[record.disposition] ?? name + ": " + record.disposition;
        message(record.disposition, sentence(said), " The report of import " + record.id + " is ", link, ".");
    }

    function message(state, ...content) {
        statusBox.dataset.state = state;
        statusBox.className = "import-status alert " + (ALERT_CLASS[state] ?? "alert-info");
        fill(statusBox, ...content);
        show(statusBox, true);
    }

    async function check() {
        const { name, bytes } = await chosenFile();
        fill(checkBox, h("p", { class: "muted" }, "Checking " + name + "…"));
        show(checkBox, true);
        let result;
        try {
            result = await ctl.json([
                "validate", "-", "--name", name, "--json", "--only", "rejected", "--only", "ignored",
                "--limit", String(CHECK_ROW_LIMIT),
            ], { input: bytes, allowFailure: true });
        } catch (error) {
            fill(checkBox, h("p", { class: "alert alert-danger" }, "The check did not run: " + error.message));
            return;
        }
        renderCheck(name, result.value);
    }

    function renderCheck(name, report) {
        const would = {
            done: "would be imported",
            failed: "would fail as a whole",
            duplicate: "is a duplicate of import " + report.duplicate_of + " and would change nothing",
            held: "would be held",
        }[report.disposition] ?? "would end " + report.disposition;
        const rows = report.rows ?? [];
        const matching = report.rows_matching ?? rows.length;
        const table = h("table", { id: "check-rows", class: "table compact responsive" },
            h("thead", {}, h("tr", {},
                h("th", { scope: "col", class: "num" }, "Line"), h("th", { scope: "col" }, "Email"),
                h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Outcome"),
                h("th", { scope: "col" }, "Reason"))),
            h("tbody"));
        setRows(table, rows.map(row => h("tr", {},
            h("td", { class: "num" }, row.line), h("td", {}, row.email), h("td", {}, row.status),
            h("td", {}, h("span", { class: "outcome outcome-" + row.outcome }, row.outcome)),
            h("td", {}, row.reason))));
        fill(checkBox,
            h("h3", {}, "Check of " + name),
            h("p", { id: "check-summary", dataset: { disposition: report.disposition } },
                "Nothing was changed: this was a dry run. The file " + would + ". " +
                plural(report.rows_total ?? 0, "row", "rows") + " read." +
                (report.error ? " " + report.error : "")),
            h("dl", { id: "check-counts", class: "counts" },
                OUTCOMES.map(outcome => h("div", {},
                    h("dt", {}, outcome), h("dd", { dataset: { outcome } }, count(report.counts?.[outcome]))))),
            (report.warnings ?? []).length
                ? h("ul", { class: "warnings" }, report.warnings.map(warning => h("li", {}, warning)))
                : null,
            matching > 0
                ? [h("p", {}, matching > rows.length
                    ? "The first " + count(rows.length) + " of " + count(matching) + " rows that would be rejected or ignored:"
                    : "Rows that would be rejected or ignored:"),
                h("div", { class: "table-scroll" }, table)]
                : h("p", {}, "No row would be rejected or ignored."));
        show(checkBox, true);
    }

    return { update };
}

const ALERT_CLASS = {
    uploading: "alert-info",
    waiting: "alert-info",
    importing: "alert-info",
    done: "alert-success",
    duplicate: "alert-info",
    held: "alert-warning",
    failed: "alert-danger",
};

/** Ends `text` with a full stop unless it ends with punctuation already. */
function sentence(text) {
    return /[.!?]$/.test(text) ? text : text + ".";
}

function load() {
    try {
        const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY));
        return saved && typeof saved.name === "string" && typeof saved.sha256 === "string" ? saved : null;
    } catch {
        return null;
    }
}
