// The Users card: the directory, searchable and filtered by state, 50 a page; a user's detail
// (profile and every import row that named the address) in a dialog.

import * as ctl from "./ctl.js";
import { byId, fill, h, setRows, show } from "./dom.js";
import { count, time } from "./format.js";

const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 250;

export function setUpUsers() {
    const table = byId("users-table");
    const search = byId("users-search");
    const state = byId("users-state");
    const empty = byId("users-empty");
    const previous = byId("users-prev");
    const next = byId("users-next");
    const pageLabel = byId("users-page");
    const dialog = byId("user-dialog");
    let offset = 0;
    let request = 0;
    let typing = null;

    search.addEventListener("input", () => {
        clearTimeout(typing);
        typing = setTimeout(() => go(0), SEARCH_DELAY_MS);
    });
    state.addEventListener("change", () => go(0));
    previous.addEventListener("click", () => go(Math.max(0, offset - PAGE_SIZE)));
    next.addEventListener("click", () => go(offset + PAGE_SIZE));
    byId("user-close").addEventListener("click", () => dialog.close());

    function go(newOffset) {
        offset = newOffset;
        return reload();
    }

    async function reload() {
        const mine = ++request;
        const args = ["users", "--json", "--offset", String(offset), "--limit", String(PAGE_SIZE + 1)];
        if (search.value.trim()) args.push("--search", search.value.trim());
        if (state.value) args.push("--state", state.value);
        let users;
        try {
            users = await ctl.json(args);
        } catch (error) {
            if (mine !== request) return;
            fill(empty, "The users could not be read: " + error.message);
            show(empty, true);
            return;
        }
        if (mine !== request) return;
        const shown = users.slice(0, PAGE_SIZE);
        setRows(table, shown.map(user => {
            const link = h("a", { href: "#", class: "user-link" }, user.email);
            link.addEventListener("click", event => {
                event.preventDefault();
                openUser(user.email);
            });
            return h("tr", { dataset: { email: user.email } },
                h("td", {}, link), h("td", {}, h("span", { class: "badge badge-" + user.state }, user.state)),
                h("td", {}, user.first_name), h("td", {}, user.last_name), h("td", {}, user.title),
                h("td", {}, user.department));
        }));
        fill(empty, "No users.");
        show(empty, shown.length === 0);
        previous.disabled = offset === 0;
        next.disabled = users.length <= PAGE_SIZE;
        fill(pageLabel, shown.length ? "Users " + count(offset + 1) + "–" + count(offset + shown.length) : "");
    }

    async function openUser(email) {
        const profile = byId("user-profile");
        const imports = byId("user-imports");
        const errorBox = byId("user-error");
        fill(byId("user-title"), email);
        profile.replaceChildren();
        imports.tBodies[0].replaceChildren();
        show(errorBox, false);
        if (!dialog.open) dialog.showModal();
        let user;
        try {
            user = await ctl.json(["user", email, "--json"]);
        } catch (error) {
            fill(errorBox, error.message);
            show(errorBox, true);
            return;
        }
        const fields = [
            ["email", "Email", user.email], ["state", "State", user.state],
            ["first_name", "First Name", user.first_name], ["last_name", "Last Name", user.last_name],
            ["alternate_id", "Alternate ID", user.alternate_id], ["work_phone", "Work Phone", user.work_phone],
            ["title", "Title", user.title], ["department", "Department", user.department],
        ];
        profile.replaceChildren(...fields.map(([key, label, value]) =>
            h("div", { class: "fact" }, h("dt", {}, label), h("dd", { dataset: { fact: key } }, value))));
        setRows(imports, (user.imports ?? []).map(entry => h("tr", {},
            h("td", { class: "num" }, entry.import_id), h("td", {}, time(entry.received_at)),
            h("td", { class: "file-name" }, entry.file), h("td", { class: "num" }, entry.line),
            h("td", {}, entry.status),
            h("td", {}, h("span", { class: "outcome outcome-" + entry.outcome }, entry.outcome)),
            h("td", {}, entry.reason))));
    }

    return { reload };
}
