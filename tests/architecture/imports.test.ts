/**
 * The layout stays as the README's Development section draws it:
 * - shared plumbing (`provider/esa`, `provider/engine`) imports no resource folder;
 * - a resource folder (`provider/deployment`, `provider/code-version`, `provider/routine`)
 *   imports no other resource folder;
 * - the native plugin (`provider/plugin`) composes resources and plumbing; no resource,
 *   no shared plumbing and no TypeScript class imports it;
 * - no runtime import cycle in `provider/`, `sdk/` or `emulator/` (type-only imports
 *   vanish at run time, so they may close a loop);
 * - product code (`provider/`, `sdk/`, `emulator/`, `bench/`, `scripts/`) never imports tests.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");
const RESOURCES = ["deployment", "code-version", "routine"];
const SHARED = ["esa", "engine"];

interface Import {
    from: string;
    to: string;
    typeOnly: boolean;
}

function sources(dir: string): string[] {
    const found: string[] = [];
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = path.join(dir, entry.name);
        if (entry.isDirectory()) found.push(...sources(rel));
        else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) found.push(rel);
    }
    return found;
}

/** The relative imports of a file, resolved to repository paths (`a/b.ts` or `a/b/index.ts`). */
function importsOf(file: string): Import[] {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const found: Import[] = [];
    const pattern = /^\s*(import|export)\s+(type\s+)?[^;]*?from\s+"(\.[^"]+)"|require\("(\.[^"]+)"\)|import\("(\.[^"]+)"\)/gm;
    for (const match of text.matchAll(pattern)) {
        const spec = match[3] ?? match[4] ?? match[5];
        const target = resolve(path.dirname(file), spec);
        if (target) found.push({ from: file, to: target, typeOnly: match[2] !== undefined || /^\s*import\s+type\b/.test(match[0]) });
    }
    return found;
}

function resolve(dir: string, spec: string): string | undefined {
    const base = path.normalize(path.join(dir, spec));
    for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), base]) {
        if (fs.existsSync(path.join(root, candidate)) && fs.statSync(path.join(root, candidate)).isFile()) return candidate;
    }
    return undefined;
}

const folderOf = (file: string) => file.split(path.sep)[1];

describe("architecture: who imports whom", () => {
    const product = ["provider", "sdk", "emulator", "bench", "scripts"].flatMap(sources);
    const imports = product.flatMap(importsOf);

    it("shared plumbing (provider/esa, provider/engine) imports no resource folder", () => {
        const wrong = imports.filter(
            (i) =>
                i.from.startsWith("provider") &&
                SHARED.includes(folderOf(i.from)) &&
                i.to.startsWith("provider") &&
                RESOURCES.includes(folderOf(i.to)),
        );
        assert.deepEqual(
            wrong.map((i) => `${i.from} → ${i.to}`),
            [],
        );
    });

    it("no resource folder imports another's", () => {
        const wrong = imports.filter(
            (i) =>
                i.from.startsWith("provider") &&
                i.to.startsWith("provider") &&
                RESOURCES.includes(folderOf(i.from)) &&
                RESOURCES.includes(folderOf(i.to)) &&
                folderOf(i.from) !== folderOf(i.to),
        );
        assert.deepEqual(
            wrong.map((i) => `${i.from} → ${i.to}`),
            [],
        );
    });

    it("no resource, shared plumbing or TypeScript class imports the native plugin (provider/plugin)", () => {
        const wrong = imports.filter(
            (i) =>
                i.to.startsWith(path.join("provider", "plugin")) &&
                ((i.from.startsWith("provider") && !i.from.startsWith(path.join("provider", "plugin"))) || i.from.startsWith("sdk")),
        );
        assert.deepEqual(
            wrong.map((i) => `${i.from} → ${i.to}`),
            [],
        );
    });

    it("product code never imports tests", () => {
        assert.deepEqual(
            imports.filter((i) => i.to.startsWith("tests")).map((i) => `${i.from} → ${i.to}`),
            [],
        );
    });

    for (const top of ["provider", "sdk", "emulator"]) {
        it(`no runtime import cycle in ${top}/`, () => {
            const graph = new Map<string, string[]>();
            for (const i of imports) {
                if (i.typeOnly || !i.from.startsWith(top) || !i.to.startsWith(top)) continue;
                graph.set(i.from, [...(graph.get(i.from) ?? []), i.to]);
            }
            assert.deepEqual(findCycle(graph), undefined);
        });
    }
});

/** One cycle of `graph`, as the files around it, or undefined. */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (node: string): string[] | undefined => {
        state.set(node, "open");
        stack.push(node);
        for (const next of graph.get(node) ?? []) {
            if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
            if (!state.has(next)) {
                const cycle = visit(next);
                if (cycle) return cycle;
            }
        }
        stack.pop();
        state.set(node, "done");
        return undefined;
    };
    for (const node of graph.keys()) {
        if (state.has(node)) continue;
        const cycle = visit(node);
        if (cycle) return cycle;
    }
    return undefined;
}
