/**
 * State size per resource (issue item 2): the bytes each resource takes in `pulumi stack
 * export`, exactly as the CLI prints it, for N = 1, 10, 100, next to
 *
 * - the floor: the same resource without any provider code (its two `__provider`
 *   lines, in inputs and outputs, taken out);
 * - a naive dynamic provider (`./naive`) that captures its SDK client or config by value;
 * - the trivial provider of the engine benchmarks (`./stacks`), for reference;
 * and the bytes of a `RoutineCodeVersion`, whose source must not be in the state (each
 * version's code carries a marker that is looked for in the whole export), split into
 * its inputs and outputs (goal ≤ 2 KB) and the engine's own record of any resource.
 *
 * One stack holds all kinds side by side and grows 1 → 10 → 100 of each, so three `up`s
 * measure everything. Each resource's bytes are cut from the CLI's own output (one
 * resource object per 12-space-indented `{ … }` block), so nothing is re-serialized.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator } from "../emulator";
import { RoutineCodeDeployment, RoutineCodeVersion } from "../sdk";
import { pulumiBinDir } from "../scripts/toolchain";
import { INLINE_STACK_PASSPHRASE } from "../scripts/toolchain/inline-stack";
import { clientCapturingProvider, configCapturingProvider, NaiveConfig, NaiveDeployment, serializeProvider } from "./naive";
import { BenchStack, fleetRoutines, member, SPLIT_A, TrivialResource } from "./stacks";
import { round } from "./stats";

export const STATE_SIZES = [1, 10, 100];

export interface KindSize {
    /** Mean bytes of one resource's object in `pulumi stack export`. */
    bytesPerResource: number;
    /** The same without the `__provider` lines (inputs and outputs): the floor. */
    withoutProviderBytes: number;
    /**
     * The resource's `inputs` and `outputs` (with `__provider`): what the program and the
     * provider put there. The rest is the engine's own record of any resource (URNs, type,
     * provider reference, dependencies, timestamps, the program's stack trace).
     */
    propertiesBytes: number;
}

type Kind = keyof typeof TYPES;

export interface StateSizeResult {
    /** Per N: per kind. */
    byN: Record<number, Record<Kind, KindSize>>;
    /** Whole `pulumi stack export` output at the largest N, bytes. */
    exportBytes: number;
    naive: {
        /** What serializing a provider that captures a real SDK client gave. */
        capturedClient: { error?: string; bytes?: number };
        /** Whether the naive provider's state holds the AccessKey secret in plain text. */
        secretInState: boolean;
    };
    oursSecretInState: boolean;
    /** Whether any version's source text (its marker) is in the export. */
    sourceInState: boolean;
}

const TYPES = {
    ours: "pulumi-nodejs:dynamic/esa:RoutineCodeDeployment",
    naive: "pulumi-nodejs:dynamic/bench:NaiveDeployment",
    trivial: "pulumi-nodejs:dynamic/bench:Trivial",
    version: "pulumi-nodejs:dynamic/esa:RoutineCodeVersion",
} as const;

const SOURCE_MARKER = "bench-source-marker";

export async function measureStateSize(): Promise<StateSizeResult> {
    const max = Math.max(...STATE_SIZES);
    const emulator = await startEmulator({ routines: fleetRoutines(4 * max) });
    const naiveConfig: NaiveConfig = {
        accessKeyId: DEFAULT_ACCESS_KEY_ID,
        accessKeySecret: DEFAULT_ACCESS_KEY_SECRET,
        endpoint: emulator.host,
        protocol: "http",
        regionId: "cn-hangzhou",
    };
    const capturedClient = await serializeProvider(clientCapturingProvider(naiveConfig));
    const naiveProvider = configCapturingProvider(naiveConfig);
    const plan = { n: 0 };
    // Ours on the first `max` routines' production, the naive provider on the next ones', so
    // both really deploy; the trivial resources call nothing.
    const program = async () => {
        for (let i = 0; i < plan.n; i++) {
            const ours = member(2 * i + 1);
            const naive = member(2 * (max + i) + 1);
            new RoutineCodeDeployment(ours.resourceName, { name: ours.routine, env: ours.env, codeVersions: SPLIT_A });
            new NaiveDeployment(`naive-${naive.resourceName}`, naiveProvider, {
                name: naive.routine,
                env: naive.env,
                strategy: "percentage",
                codeVersions: SPLIT_A,
            });
            new RoutineCodeVersion(`version-${ours.routine}`, {
                routine: ours.routine,
                code: `export default { fetch() { return new Response("${SOURCE_MARKER} ${i}") } }`,
            });
            new TrivialResource(`trivial-${ours.resourceName}`, {
                name: ours.routine,
                env: ours.env,
                strategy: "percentage",
                codeVersions: SPLIT_A,
            });
        }
        return {};
    };
    const stack = await BenchStack.create(program, { endpoint: emulator.endpoint });
    try {
        const byN: StateSizeResult["byN"] = {};
        let text = "";
        for (const n of STATE_SIZES) {
            plan.n = n;
            await stack.up({ parallel: 16 });
            text = exportText(stack);
            byN[n] = sizesByKind(text);
        }
        return {
            byN,
            exportBytes: Buffer.byteLength(text),
            naive: {
                capturedClient: { error: capturedClient.error && firstLines(capturedClient.error, 12), bytes: capturedClient.bytes },
                secretInState: blocksOf(text, TYPES.naive).some((b) => b.includes(DEFAULT_ACCESS_KEY_SECRET)),
            },
            oursSecretInState: blocksOf(text, TYPES.ours).some((b) => b.includes(DEFAULT_ACCESS_KEY_SECRET)),
            sourceInState: text.includes(SOURCE_MARKER),
        };
    } finally {
        await stack.dispose();
        await emulator.close();
    }
}

/** `pulumi stack export`, as the CLI prints it. */
export function exportText(stack: BenchStack): string {
    const binDir = pulumiBinDir();
    return execFileSync(path.join(binDir, "pulumi"), ["stack", "export", "--stack", "test"], {
        cwd: stack.test.projectDir,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        env: {
            ...process.env,
            PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
            PULUMI_HOME: stack.test.homeDir,
            PULUMI_CONFIG_PASSPHRASE: INLINE_STACK_PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
        },
    });
}

/**
 * The resource objects of `type` in the export's text: the CLI indents with 4 spaces,
 * so each element of `deployment.resources` is a block from a line "            {" to
 * the next line "            }" (with its comma and newline).
 */
function blocksOf(text: string, type?: string): string[] {
    const blocks = text.split(/(?<=\n {12}\},?\n)/).map((chunk) => chunk.slice(chunk.lastIndexOf("\n            {\n") + 1));
    return blocks.filter((b) => b.startsWith("            {\n") && (type === undefined || b.includes(`"type": ${JSON.stringify(type)}`)));
}

function sizesByKind(text: string): Record<Kind, KindSize> {
    const result = {} as Record<Kind, KindSize>;
    for (const [kind, type] of Object.entries(TYPES) as [Kind, string][]) {
        const { bytesPerResource, propertiesBytes, withoutProviderBytes } = sizeOf(text, type);
        result[kind] = { bytesPerResource, propertiesBytes, withoutProviderBytes };
    }
    return result;
}

/** The mean size of the resources of `type` in an export's text (`exportText`). */
export function sizeOf(text: string, type: string): KindSize & { count: number; providerLines: number } {
    const blocks = blocksOf(text, type);
    if (blocks.length === 0) throw new Error(`no ${type} in the export`);
    const bytes = blocks.map((b) => Buffer.byteLength(b));
    const providerLines = blocks.map((b) => b.split("\n").filter((line) => /^\s*"__provider": /.test(line)));
    const providerBytes = providerLines.map((lines) => lines.reduce((total, line) => total + Buffer.byteLength(line) + 1, 0));
    return {
        bytesPerResource: round(mean(bytes), 0),
        propertiesBytes: round(mean(blocks.map((b) => sectionBytes(b, ["inputs", "outputs"]))), 0),
        withoutProviderBytes: round(mean(bytes.map((b, i) => b - providerBytes[i])), 0),
        count: blocks.length,
        providerLines: providerLines.reduce((total, lines) => total + lines.length, 0),
    };
}

/** Bytes of a resource block's top-level `sections` (a key at 16 spaces, up to the next). */
function sectionBytes(block: string, sections: string[]): number {
    let current: string | undefined;
    let bytes = 0;
    for (const line of block.split("\n")) {
        const key = /^ {16}"(\w+)": /.exec(line)?.[1];
        if (key !== undefined || /^ {12}\S/.test(line)) current = key;
        if (current !== undefined && sections.includes(current)) bytes += Buffer.byteLength(line) + 1;
    }
    return bytes;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const firstLines = (text: string, n: number) => text.split("\n").slice(0, n).join("\n");

if (require.main === module) {
    measureStateSize().then((r) => console.log(JSON.stringify(r, null, 2)));
}
