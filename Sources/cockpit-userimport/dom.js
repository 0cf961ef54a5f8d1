// Builds DOM nodes from data. Every value goes in through textContent or setAttribute, never
// parsed as markup: names, emails, reasons and file names from imported files show literally.

const BOOLEAN_PROPERTIES = new Set(["hidden", "disabled"]);

/**
 * h("td", { class: "num", dataset: { col: "created" } }, "2")
 * Attributes: class, dataset (an object), on<event> handlers, the boolean properties hidden
 * and disabled (true sets them), anything else as an attribute; children: strings,
 * numbers, nodes, arrays, null/undefined/false (skipped).
 */
export function h(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
        if (value === null || value === undefined || value === false) continue;
        if (key === "class") node.className = value;
        else if (key === "dataset") Object.assign(node.dataset, value);
        else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
        else if (BOOLEAN_PROPERTIES.has(key)) node[key] = Boolean(value);
        else node.setAttribute(key, String(value));
    }
    append(node, children);
    return node;
}

function append(node, children) {
    for (const child of children) {
        if (child === null || child === undefined || child === false) continue;
        if (Array.isArray(child)) append(node, child);
        else if (child instanceof Node) node.appendChild(child);
        else node.appendChild(document.createTextNode(String(child)));
    }
}

/** Replaces every child of `node` with `children`. */
export function fill(node, ...children) {
    node.replaceChildren();
    append(node, children);
    return node;
}

export function byId(id) {
    const node = document.getElementById(id);
    if (!node) throw new Error("the page has no #" + id);
    return node;
}

/** Shows or hides a node (the `hidden` attribute; the stylesheet never overrides it). */
export function show(node, visible) {
    node.hidden = !visible;
}

/**
 * Replaces the body rows of `table`. Each cell gets its column's heading as `data-label`, which
 * the stylesheet shows beside the value when a narrow window stacks the columns.
 */
export function setRows(table, rows) {
    const labels = Array.from(table.tHead.rows[0].cells, cell => cell.textContent.trim());
    for (const row of rows) {
        Array.from(row.cells).forEach((cell, index) => {
            if (labels[index]) cell.dataset.label = labels[index];
        });
    }
    table.tBodies[0].replaceChildren(...rows);
}
