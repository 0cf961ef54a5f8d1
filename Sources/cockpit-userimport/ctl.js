// Runs userimportctl through the Cockpit bridge, as the logged-in user, and reads its JSON.

const cockpit = window.cockpit;

/** userimportctl failed: `message` is its stderr (one line), `exitStatus` 1 or 2. */
export class CtlError extends Error {
    constructor(message, exitStatus, problem) {
        super(message);
        this.exitStatus = exitStatus;
        this.problem = problem;
    }
}

/**
 * Runs `userimportctl ARGS…`; `input` (a Uint8Array) is written to its stdin.
 * Resolves to { output, error }: output is stdout as text; error is null on exit 0, a CtlError
 * when it exited non-zero (the commands that still print their JSON then, status and validate,
 * are read by the caller). Rejects with a CtlError when it could not run at all.
 */
export function run(args, input) {
    return new Promise((resolve, reject) => {
        const child = cockpit.spawn(["userimportctl", ...args], { err: "message", binary: true });
        const decoded = bytes => new TextDecoder().decode(bytes ?? new Uint8Array());
        child.then(
            output => resolve({ output: decoded(output), error: null }),
            (failure, output) => {
                const message = failure.message || "userimportctl " + args[0] + " failed";
                const error = new CtlError(message, failure.exit_status, failure.problem);
                if (failure.exit_status === null || failure.exit_status === undefined) reject(error);
                else resolve({ output: decoded(output), error });
            });
        child.input(input ?? null);
    });
}

/**
 * Runs a `--json` command and resolves to its parsed output. `allowFailure`: a non-zero exit
 * that still printed JSON resolves to { value, error } instead of rejecting.
 */
export async function json(args, { input, allowFailure = false } = {}) {
    const { output, error } = await run(args, input);
    let value;
    try {
        value = JSON.parse(output);
    } catch (parseError) {
        throw error ?? new CtlError("userimportctl " + args[0] + " printed something that is not JSON", 0);
    }
    if (allowFailure) return { value, error };
    if (error) throw error;
    return value;
}

/** The text `userimportctl ARGS…` prints (the report for a download). */
export async function text(args) {
    const { output, error } = await run(args);
    if (error) throw error;
    return output;
}
