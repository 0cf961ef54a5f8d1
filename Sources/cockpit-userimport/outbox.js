// The Outbox card: how many invitation and activation emails are pending, sent and failed
// (from `status --json`), and the failed ones.

import * as ctl from "./ctl.js";
import { byId, fill, h, setRows, show } from "./dom.js";
import { count, time } from "./format.js";

const FAILED_SHOWN = 50;

export function setUpOutbox() {
    const counts = byId("outbox-counts");
    const table = byId("outbox-failed");
    const empty = byId("outbox-empty");
    let request = 0;

    function showCounts(status) {
        for (const state of ["pending", "sent", "failed"]) {
            fill(counts.querySelector("dd[data-state='" + state + "']"), count(status["outbox_" + state]));
        }
    }

    async function reload() {
        const mine = ++request;
        let entries;
        try {
            entries = await ctl.json(["outbox", "--json", "--state", "failed", "--limit", String(FAILED_SHOWN + 1)]);
        } catch (error) {
            if (mine !== request) return;
            fill(empty, "The outbox could not be read: " + error.message);
            show(empty, true);
            return;
        }
        if (mine !== request) return;
        setRows(table, entries.slice(0, FAILED_SHOWN).map(entry => h("tr", { dataset: { outboxId: String(entry.id) } },
            h("td", { class: "num" }, entry.id), h("td", {}, entry.kind), h("td", {}, entry.email),
            h("td", { class: "num" }, entry.attempts), h("td", { class: "num" }, entry.import_id),
            h("td", {}, time(entry.created_at)), h("td", {}, entry.last_error ?? ""))));
        fill(empty, entries.length === 0
            ? "No email failed."
            : entries.length > FAILED_SHOWN ? "The newest " + FAILED_SHOWN + " failed emails are shown." : "");
        show(empty, entries.length === 0 || entries.length > FAILED_SHOWN);
    }

    return { showCounts, reload };
}
