/**
 * What the end-to-end tests share: the inline-program stack of `scripts/toolchain`
 * (the real Pulumi CLI against the local emulator, see `inline-stack.ts` there), under
 * the names the tests use, and the readings they assert on: the engine's steps and
 * diagnostics of a run, the diff display's changed values, and what the emulator serves.
 */
import { Emulator, Env } from "../../emulator";
import { INLINE_STACK_PASSPHRASE, type Run, type StackProcess } from "../../scripts/toolchain/inline-stack";
import { ROUTINE_CODE_DEPLOYMENT_TYPE } from "../../sdk";

export { emulatorCredentials, pulumiBinDir, repoRoot } from "../../scripts/toolchain";
export { InlineStack as TestStack, packageSnapshot } from "../../scripts/toolchain/inline-stack";
export type { Run, StackOptions, StackProcess } from "../../scripts/toolchain/inline-stack";

/** The passphrase of every test stack's secrets. */
export const PASSPHRASE = INLINE_STACK_PASSPHRASE;

/** The type token of our resource in the state and in engine events. */
export const DEPLOYMENT_TYPE = ROUTINE_CODE_DEPLOYMENT_TYPE;

/** One step the engine planned or took, from its `resourcePreEvent`s. */
export interface Step {
    op: string;
    urn: string;
    type: string;
    /** The properties that caused a replacement, if any. */
    keys?: string[];
    diffs?: string[];
}

/** The steps of the resources of `type` in one run (`same`, `update`, `replace`, …). */
export function steps(run: Pick<Run, "events">, type: string = DEPLOYMENT_TYPE): Step[] {
    return run.events
        .filter((e) => e.resourcePreEvent?.metadata?.type === type)
        .map((e) => {
            const { op, urn, keys, diffs } = e.resourcePreEvent.metadata;
            return { op, urn, type, keys, diffs };
        });
}

/** The diagnostics (warnings, errors, infos) the engine showed in one run, without debug output. */
export function diagnostics(run: Pick<Run, "events">, severity?: string): string[] {
    return run.events
        .map((e) => e.diagnosticEvent)
        .filter((d) => d && d.severity !== "debug" && (severity === undefined || d.severity === severity))
        .map((d) => d.message as string);
}

/** The lines of the CLI's diff display that show a changed value ("~ percentage : 90 => 50"). */
export function changedValueLines(output: string): string[] {
    return output
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => /^[~+-]/.test(line) && line.includes("=>"));
}

/** A split sorted by code version, so that two splits compare as sets. */
export function asSet<T extends { codeVersion: string; percentage: number }>(
    split: readonly T[] | undefined,
): { codeVersion: string; percentage: number }[] | undefined {
    return split
        ?.map(({ codeVersion, percentage }) => ({ codeVersion, percentage }))
        .sort((a, b) => (a.codeVersion < b.codeVersion ? -1 : a.codeVersion > b.codeVersion ? 1 : 0));
}

/** What the emulator serves in `env` of `routine` right now, as a set; undefined when nothing is deployed. */
export function liveSplit(emulator: Emulator, routine: string, env: Env) {
    return asSet(emulator.state().routines[routine]?.deployments[env]?.codeVersions);
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
    what: string,
    condition: () => boolean | Promise<boolean>,
    timeoutMs = 60_000,
    intervalMs = 50,
): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!(await condition())) {
        if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}

/** SIGKILL, as a CI runner tearing a job down: no grace. */
export function kill(p: StackProcess): void {
    try {
        process.kill(p.pid, "SIGKILL");
    } catch {
        // Already gone.
    }
}

export interface SecretPlace {
    /** The type of the resource whose state holds it. */
    resource: string;
    /** Where in that resource, e.g. `inputs.alicloud:secretKey`. */
    path: string;
    /** Whether it is inside a value Pulumi marks as secret (encrypted at rest). */
    markedSecret: boolean;
}

/** Pulumi's marker of a secret value in serialized state. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** Every place of a (decrypted) state that holds `secret`. */
export function secretPlaces(deployment: any, secret: string): SecretPlace[] {
    const places: SecretPlace[] = [];
    const walk = (value: any, at: string[], resource: string, marked: boolean) => {
        if (typeof value === "string") {
            if (value.includes(secret))
                places.push({ resource, path: at.filter((p) => p !== "plaintext").join("."), markedSecret: marked });
        } else if (value && typeof value === "object") {
            const isSecret = marked || SECRET_SIGNATURE in value;
            for (const [key, child] of Object.entries(value)) walk(child, [...at, key], resource, isSecret);
        }
    };
    for (const r of deployment.resources ?? []) walk(r, [], r.type, false);
    const { resources: _, ...rest } = deployment;
    walk(rest, [], "(not a resource)", false);
    return places;
}
