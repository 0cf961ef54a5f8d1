// The "Report On File Import" dialog: the import's facts, its headers and warnings, and its rows
// a page at a time (never more than PAGE_SIZE rows in the document), filterable by outcome, with
// the text report as a download.

import * as ctl from "./ctl.js";
import { byId, fill, h, setRows, show } from "./dom.js";
import { count, duration, OUTCOMES, time } from "./format.js";

export const PAGE_SIZE = 250;

export function setUpReport() {
    const dialog = byId("report-dialog");
    const facts = byId("report-facts");
    const headers = byId("report-headers");
    const warningsBlock = byId("report-warnings-block");
    const warnings = byId("report-warnings");
    const rowsTable = byId("report-rows");
    const filter = byId("report-filter");
    const range = byId("report-range");
    const loading = byId("report-loading");
    const errorBox = byId("report-error");
    const pager = {
        first: byId("report-first"), prev: byId("report-prev"), next: byId("report-next"), last: byId("report-last"),
    };
    const download = byId("report-download");
    const undoButton = byId("report-undo");
    const undoResult = byId("report-undo-result");

    let shown = null; // { id, file, offset, filter, matching }
    let request = 0;

    byId("report-close").addEventListener("click", () => dialog.close());
    byId("report-done").addEventListener("click", () => dialog.close());
    filter.addEventListener("change", () => load(0));
    pager.first.addEventListener("click", () => load(0));
    pager.prev.addEventListener("click", () => load(Math.max(0, shown.offset - PAGE_SIZE)));
    pager.next.addEventListener("click", () => load(shown.offset + PAGE_SIZE));
    pager.last.addEventListener("click", () => load(lastOffset(shown.matching)));
    download.addEventListener("click", () => downloadReport());
    undoButton.addEventListener("click", () => undo());

    async function open(id) {
        shown = { id, file: null, offset: 0, filter: "", matching: 0 };
        filter.value = "";
        facts.replaceChildren();
        headers.tBodies[0].replaceChildren();
        rowsTable.tBodies[0].replaceChildren();
        fill(range, "");
        show(warningsBlock, false);
        show(errorBox, false);
        show(undoButton, false);
        show(undoResult, false);
        if (!dialog.open) dialog.showModal();
        await load(0);
    }

    /** `userimportctl undo ID`, as the logged-in user, after a confirmation; then the report again. */
    async function undo() {
        const { id, file } = shown;
        if (!window.confirm(`Undo import ${id} (${file})? Its users go back to what they were before it; ` +
            "users a later import changed are kept.")) return;
        undoButton.disabled = true;
        fill(undoResult, "Undoing import " + id + "…");
        undoResult.dataset.state = "working";
        show(undoResult, true);
        try {
            const { output, error } = await ctl.run(["undo", String(id)]);
            fill(undoResult, error ? error.message : output.trim());
            undoResult.dataset.state = error ? "failed" : "done";
        } catch (error) {
            fill(undoResult, "userimportctl could not run: " + error.message);
            undoResult.dataset.state = "failed";
        } finally {
            undoButton.disabled = false;
        }
        if (shown && shown.id === id) {
            const message = undoResult.textContent;
            const state = undoResult.dataset.state;
            await load(shown.offset);
            fill(undoResult, message);
            undoResult.dataset.state = state;
            show(undoResult, true);
        }
    }

    async function load(offset) {
        const mine = ++request;
        const only = filter.value;
        const args = ["report", String(shown.id), "--json", "--offset", String(offset), "--limit", String(PAGE_SIZE)];
        if (only) args.push("--only", only);
        setBusy(true);
        let report;
        try {
            report = await ctl.json(args);
        } catch (error) {
            if (mine !== request) return;
            setBusy(false);
            fill(errorBox, "The report could not be read: " + error.message);
            show(errorBox, true);
            return;
        }
        if (mine !== request) return;
        show(errorBox, false);
        const matching = report.rows_matching ?? report.rows.length;
        shown = { id: shown.id, file: report.file, offset, filter: only, matching };
        renderFacts(report);
        // Only a done import that is not an undo and was not undone can be undone.
        show(undoButton, report.disposition === "done" && report.undo_of === null && report.undone_by === null);
        renderRows(report.rows, offset, matching);
        setBusy(false);
    }

    function setBusy(busy) {
        dialog.dataset.loading = busy ? "true" : "false";
        show(loading, busy);
        const atStart = !shown || shown.offset === 0;
        const atEnd = !shown || shown.offset + PAGE_SIZE >= shown.matching;
        pager.first.disabled = busy || atStart;
        pager.prev.disabled = busy || atStart;
        pager.next.disabled = busy || atEnd;
        pager.last.disabled = busy || atEnd;
        filter.disabled = busy;
    }

    function renderFacts(report) {
        const entries = [
            ["file", "File", report.file],
            ["id", "Import ID", report.id],
            ["disposition", "Result", report.disposition +
                (report.duplicate_of ? " (duplicate of import " + report.duplicate_of + ")" : "")],
            ["received", "Received (UTC)", time(report.received_at)],
            ["time", "Time", duration(report)],
            ["size", "Size", count(report.size) + " bytes"],
            ["encoding", "Encoding", report.encoding ?? "not read"],
            ["delimiter", "Delimiter", report.delimiter ?? "not read"],
            ["sha256", "SHA-256", report.sha256],
            ["rows_total", "Rows", count(report.rows_total)],
            ...OUTCOMES.map(outcome => ["count-" + outcome, capitalised(outcome), count(report.counts?.[outcome])]),
        ];
        if (report.error) entries.push(["error", "Error", report.error]);
        // Where the rows not applied wait to be fixed and dropped again (relative to the state directory).
        if (report.rows_to_fix) entries.push(["rows_to_fix", "Rows to fix", report.rows_to_fix]);
        if (report.undo_of) entries.push(["undo_of", "Undo of", "import " + report.undo_of]);
        if (report.undone_by) entries.push(["undone_by", "Undone by", "import " + report.undone_by]);
        if (report.released_as) entries.push(["released_as", "Released as", "import " + report.released_as]);
        if (report.release_of) entries.push(["release_of", "Released from", "import " + report.release_of]);
        facts.replaceChildren(...entries.map(([key, label, value]) =>
            h("div", { class: key === "sha256" || key === "rows_to_fix" ? "fact wide" : "fact" },
                h("dt", {}, label), h("dd", { dataset: { fact: key } }, value))));
        setRows(headers, (report.headers ?? []).map(reading => h("tr", {},
            h("td", { class: "num" }, reading.column),
            h("td", {}, reading.header),
            h("td", {}, reading.field ?? "ignored (unknown column)"))));
        const list = report.warnings ?? [];
        warnings.replaceChildren(...list.map(warning => h("li", {}, warning)));
        show(warningsBlock, list.length > 0);
    }

    function renderRows(rows, offset, matching) {
        setRows(rowsTable, rows.map(row => h("tr", { dataset: { line: String(row.line) } },
            h("td", { class: "num" }, row.line),
            h("td", {}, row.email),
            h("td", {}, row.status),
            h("td", {}, h("span", { class: "outcome outcome-" + row.outcome }, row.outcome)),
            h("td", {}, row.reason))));
        fill(range, matching === 0
            ? "No rows"
            : "Rows " + count(offset + 1) + "–" + count(offset + rows.length) + " of " + count(matching));
        rowsTable.closest(".table-scroll").scrollTop = 0;
    }

    async function downloadReport() {
        const { id, file } = shown;
        download.disabled = true;
        try {
            const text = await ctl.text(["report", String(id)]);
            const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
            const anchor = h("a", { href: url, download: (file ?? "import-" + id) + ".report.txt", hidden: true });
            dialog.appendChild(anchor);
            anchor.click();
            anchor.remove();
            setTimeout(() => URL.revokeObjectURL(url), 60000);
        } catch (error) {
            fill(errorBox, "The report could not be downloaded: " + error.message);
            show(errorBox, true);
        } finally {
            download.disabled = false;
        }
    }

    return { open };
}

function lastOffset(matching) {
    return matching > 0 ? Math.floor((matching - 1) / PAGE_SIZE) * PAGE_SIZE : 0;
}

function capitalised(word) {
    return word.charAt(0).toUpperCase() + word.slice(1);
}
