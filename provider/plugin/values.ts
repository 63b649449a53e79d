/**
 * Property values as the native plugin receives them from the engine and must answer
 * them. The plugin accepts secrets (the engine sends them marked) and assets; the
 * providers work on plain data, as on the dynamic path:
 *
 * - a secret arrives as `{ [SIG]: SECRET, value }`: it is unwrapped, and the top-level
 *   property that held one is remembered, so that the same property of the outputs is
 *   marked secret again (the engine does that as well; doing it here keeps it true
 *   whatever the engine version);
 * - an asset or an archive arrives as `{ [SIG]: ASSET | ARCHIVE, path | text | uri | assets }`:
 *   it becomes `{ path }`, `{ text }`, `{ uri }` or `{ assets }`, the forms the
 *   `RoutineCodeVersion` preparation reads.
 */
import { isRecord } from "../engine/input-values";

const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const ASSET = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE = "0def7320c3a5731c473e5ecbe6d01bc7";

export interface Unwrapped {
    values: Record<string, any>;
    /** Top-level properties that held a secret anywhere inside. */
    secretKeys: Set<string>;
    /** Every secret string, for the provider's redaction of free text. */
    secretTexts: string[];
}

/** Plain values from what the engine sent. */
export function unwrap(properties: Record<string, unknown>): Unwrapped {
    const secretKeys = new Set<string>();
    const secretTexts: string[] = [];
    const values: Record<string, any> = {};
    for (const [key, value] of Object.entries(properties)) {
        let secret = false;
        values[key] = plain(value, () => (secret = true), secretTexts);
        if (secret) secretKeys.add(key);
    }
    return { values, secretKeys, secretTexts };
}

function plain(value: unknown, sawSecret: () => void, texts: string[]): unknown {
    if (Array.isArray(value)) return value.map((item) => plain(item, sawSecret, texts));
    if (!isRecord(value)) return value;
    const sig = value[SIG];
    if (sig === SECRET) {
        sawSecret();
        collectTexts(value.value, texts);
        return plain(value.value, sawSecret, texts);
    }
    if (sig === ASSET || sig === ARCHIVE) {
        const { [SIG]: _sig, hash: _hash, ...rest } = value;
        return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, plain(v, sawSecret, texts)]));
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, sawSecret, texts)]));
}

function collectTexts(value: unknown, texts: string[]): void {
    if (typeof value === "string") texts.push(value);
    else if (Array.isArray(value)) value.forEach((v) => collectTexts(v, texts));
    else if (isRecord(value)) Object.values(value).forEach((v) => collectTexts(v, texts));
}

/** `outputs` with the properties named in `secretKeys` marked secret. */
export function markSecrets(outputs: Record<string, unknown>, secretKeys: ReadonlySet<string>): Record<string, unknown> {
    if (secretKeys.size === 0) return outputs;
    const marked: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(outputs)) {
        marked[key] = secretKeys.has(key) && value !== null && value !== undefined ? { [SIG]: SECRET, value } : value;
    }
    return marked;
}
