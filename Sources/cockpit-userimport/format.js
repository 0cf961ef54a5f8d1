// How values are written on the page: the same forms as userimportctl's tables.

/** "2026-11-25T02:51:59.123Z" → "2026-11-25 02:51:59" (UTC, as `userimportctl history` prints). */
export function time(rfc3339) {
    if (!rfc3339) return "";
    return rfc3339.slice(0, 19).replace("T", " ");
}

/** The import's duration as the CLI prints it: "0.4s" under 10 s, "12s" above. */
export function duration(record) {
    const started = Date.parse(record.started_at);
    const finished = Date.parse(record.finished_at);
    if (Number.isNaN(started) || Number.isNaN(finished)) return "";
    const millis = Math.max(0, finished - started);
    return millis < 10000
        ? Math.floor(millis / 1000) + "." + Math.floor((millis % 1000) / 100) + "s"
        : Math.floor(millis / 1000) + "s";
}

export function count(n) {
    return Number(n ?? 0).toLocaleString("en-US");
}

export function plural(n, one, many) {
    return count(n) + " " + (n === 1 ? one : many);
}

/** "2 created, 1 updated, 3 ignored": the non-zero counts in the report's order. */
export function countsSentence(counts) {
    const parts = OUTCOMES.filter(outcome => counts && counts[outcome] > 0)
            .map(outcome => count(counts[outcome]) + " " + outcome);
    return parts.length ? parts.join(", ") : "no rows";
}

export const OUTCOMES = ["created", "updated", "unchanged", "deleted", "activated", "ignored", "rejected"];
