// The User Import page: polls `userimportctl status --json` about once a second while the page
// is visible and hands each status to the cards (import progress, history, outbox counts).

import * as ctl from "./ctl.js";
import { byId, fill, show } from "./dom.js";
import { setUpHeld } from "./held.js";
import { setUpHistory } from "./history.js";
import { setUpImport } from "./import.js";
import { setUpOutbox } from "./outbox.js";
import { setUpReport } from "./report.js";
import { setUpUsers } from "./users.js";

const cockpit = window.cockpit;
const POLL_INTERVAL_MS = 1000;
const DENIED_RETRY_MS = 10000;

const report = setUpReport();
const history = setUpHistory({ openReport: report.open });
const importer = setUpImport({ openReport: report.open });
const users = setUpUsers();
const held = setUpHeld({ openReport: report.open, afterDecision: () => history.reload() });
const outbox = setUpOutbox();

const tabs = {
    imports: { tab: byId("tab-imports"), panel: byId("panel-imports"), reload: null },
    users: { tab: byId("tab-users"), panel: byId("panel-users"), reload: users.reload },
    outbox: { tab: byId("tab-outbox"), panel: byId("panel-outbox"), reload: outbox.reload },
};
let currentTab = "imports";
for (const [name, { tab }] of Object.entries(tabs)) tab.addEventListener("click", () => selectTab(name));

function selectTab(name) {
    currentTab = name;
    for (const [other, { tab, panel }] of Object.entries(tabs)) {
        tab.setAttribute("aria-selected", String(other === name));
        show(panel, other === name);
    }
    if (tabs[name].reload) tabs[name].reload();
}

let started = false;
let deniedUntil = 0;
let timer = null;
let polling = false;
let lastImportID = null;
let lastOutboxFailed = null;

async function poll() {
    timer = null;
    polling = true;
    try {
        await pollOnce();
    } catch (error) {
        if (!started) pageMessage("page-error", "The import status could not be read: " + error.message);
        else console.warn("userimport: status poll failed:", error.message);
    } finally {
        polling = false;
    }
    schedule();
}

async function pollOnce() {
    const { value: status } = await ctl.json(["status", "--json"], { allowFailure: true });
    if (status.access_problem || status.database_readable === false) {
        // Asked again now and then: the database may appear (the daemon's first start).
        pageMessage("access-denied", status.access_problem ?? "You may not read the user import database.");
        deniedUntil = Date.now() + DENIED_RETRY_MS;
        return;
    }
    deniedUntil = 0;
    started = true;
    show(byId("page-loading"), false);
    show(byId("access-denied"), false);
    show(byId("app"), true);
    show(byId("daemon-banner"), !status.daemon_running);
    if (!status.daemon_running && status.systemd_status) {
        fill(byId("daemon-banner-text"), "Files you import wait in the inbox until userimportd starts again (" +
            status.systemd_status + ").");
    }
    outbox.showCounts(status);
    held.update(status);
    const importID = status.last_import ? status.last_import.id : 0;
    if (importID !== lastImportID) {
        lastImportID = importID;
        history.reload();
        if (currentTab === "users") users.reload();
    }
    if (status.outbox_failed !== lastOutboxFailed) {
        lastOutboxFailed = status.outbox_failed;
        if (currentTab === "outbox") outbox.reload();
    }
    await importer.update(status);
}

/** The page in one plain sentence, instead of the page (no access, or no status at all). */
function pageMessage(id, sentence) {
    show(byId("page-loading"), false);
    show(byId("app"), false);
    fill(byId(id), sentence);
    show(byId(id), true);
}

function schedule() {
    if (timer !== null || polling || cockpit.hidden) return;
    timer = setTimeout(poll, Math.max(POLL_INTERVAL_MS, deniedUntil - Date.now()));
}

cockpit.addEventListener("visibilitychange", () => {
    if (!cockpit.hidden && timer === null && !polling && deniedUntil === 0) poll();
});

poll();
