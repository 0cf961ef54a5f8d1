// The History card: every import, newest first, 50 a page, each with a link to its report.

import * as ctl from "./ctl.js";
import { byId, fill, h, setRows, show } from "./dom.js";
import { count, duration, time } from "./format.js";

const PAGE_SIZE = 50;
const COUNT_COLUMNS = ["created", "updated", "deleted", "activated", "ignored", "rejected"];

export function setUpHistory({ openReport }) {
    const table = byId("history-table");
    const empty = byId("history-empty");
    const previous = byId("history-prev");
    const next = byId("history-next");
    const pageLabel = byId("history-page");
    let offset = 0;
    let request = 0;

    previous.addEventListener("click", () => go(Math.max(0, offset - PAGE_SIZE)));
    next.addEventListener("click", () => go(offset + PAGE_SIZE));

    function go(newOffset) {
        offset = newOffset;
        return reload();
    }

    /** Reads the page at `offset` again (one more than a page, to know whether another follows). */
    async function reload() {
        const mine = ++request;
        let records;
        try {
            records = await ctl.json(["history", "--json", "--offset", String(offset), "--limit", String(PAGE_SIZE + 1)]);
        } catch (error) {
            if (mine !== request) return;
            fill(empty, "The history could not be read: " + error.message);
            show(empty, true);
            return;
        }
        if (mine !== request) return;
        if (records.length === 0 && offset > 0) return go(Math.max(0, offset - PAGE_SIZE));
        const shown = records.slice(0, PAGE_SIZE);
        setRows(table, shown.map(row));
        fill(empty, "No imports yet.");
        show(empty, shown.length === 0);
        previous.disabled = offset === 0;
        next.disabled = records.length <= PAGE_SIZE;
        fill(pageLabel, shown.length ? "Imports " + count(offset + 1) + "–" + count(offset + shown.length) : "");
    }

    function row(record) {
        const link = h("a", { href: "#", class: "report-link", dataset: { importId: String(record.id) } }, "Results");
        link.addEventListener("click", event => {
            event.preventDefault();
            openReport(record.id);
        });
        return h("tr", { dataset: { importId: String(record.id), disposition: record.disposition } },
            h("td", { class: "num", dataset: { col: "id" } }, record.id),
            h("td", { dataset: { col: "received" }, title: record.received_at }, time(record.received_at)),
            h("td", { class: "file-name", dataset: { col: "file" } }, record.file),
            h("td", { dataset: { col: "result" } },
                h("span", { class: "badge badge-" + record.disposition }, record.disposition),
                (record.disposition === "failed" || record.disposition === "held") && record.error
                    ? h("div", { class: "failure-reason", dataset: { col: "reason" } }, record.error)
                    : null),
            COUNT_COLUMNS.map(column =>
                h("td", { class: "num", dataset: { col: column } }, count(record.counts?.[column]))),
            h("td", { class: "num", dataset: { col: "time" } }, duration(record)),
            h("td", { class: "link-cell" }, link));
    }

    return { reload };
}
