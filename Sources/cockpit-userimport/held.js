// The Held files card: files the mass-change guard holds, each with Release and Reject. Shown only
// while there are some; fed by each status poll (status --json lists them under "held").

import * as ctl from "./ctl.js";
import { byId, fill, h, setRows, show } from "./dom.js";
import { count, plural, time } from "./format.js";

export function setUpHeld({ openReport, afterDecision }) {
    const card = byId("held-card");
    const table = byId("held-table");
    const message = byId("held-message");
    let shownKey = null;
    let busy = false;

    /** Shows the held files of `status`, unless they are the ones already shown. */
    function update(status) {
        const held = status.held ?? [];
        const key = held.map(record => record.id).join(",");
        show(card, held.length > 0 || !message.hidden);
        if (key === shownKey || busy) return;
        shownKey = key;
        setRows(table, held.map(row));
    }

    function row(record) {
        const deletes = record.counts?.deleted ?? 0;
        const release = h("button", { type: "button", class: "btn btn-primary held-release" }, "Release");
        const reject = h("button", { type: "button", class: "btn btn-danger held-reject" }, "Reject");
        release.addEventListener("click", () => decide("release", record, [release, reject]));
        reject.addEventListener("click", () => decide("reject", record, [release, reject]));
        const link = h("a", { href: "#", class: "report-link" }, "Results");
        link.addEventListener("click", event => {
            event.preventDefault();
            openReport(record.id);
        });
        return h("tr", { dataset: { importId: String(record.id) } },
            h("td", { class: "num", dataset: { col: "id" } }, record.id),
            h("td", { dataset: { col: "received" }, title: record.received_at }, time(record.received_at)),
            h("td", { class: "file-name", dataset: { col: "file" } }, record.file),
            h("td", { class: "num", dataset: { col: "deleted" } }, count(deletes)),
            h("td", { dataset: { col: "reason" }, class: "held-reason" }, record.error ?? ""),
            h("td", { class: "link-cell" }, link),
            h("td", {}, h("div", { class: "buttons" }, release, reject)));
    }

    async function decide(action, record, buttons) {
        const deletes = plural(record.counts?.deleted ?? 0, "user", "users");
        const question = action === "release"
            ? `Release import ${record.id} (${record.file})? It is imported now and deletes up to ${deletes}.`
            : `Reject import ${record.id} (${record.file})? It moves to failed/ and nothing of it is applied.`;
        if (!window.confirm(question)) return;
        busy = true;
        for (const button of buttons) button.disabled = true;
        fill(message, action === "release" ? "Releasing import " + record.id + "…" : "Rejecting import " + record.id + "…");
        message.dataset.state = "working";
        show(message, true);
        try {
            const { output, error } = await ctl.run([action, String(record.id)]);
            fill(message, error ? error.message : output.trim());
            message.dataset.state = error ? "failed" : "done";
        } catch (error) {
            fill(message, "userimportctl could not run: " + error.message);
            message.dataset.state = "failed";
        } finally {
            busy = false;
            shownKey = null;
            afterDecision();
        }
    }

    return { update };
}
