/**
 * The emulator's layout rules (emulator/README.md, "Modules"): kebab-case file names,
 * model/ depending on nothing of the gateway or the composition, and no import cycle at
 * run time (a cycle hands some module a half-initialised one, depending on load order).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const EMULATOR = resolve(__dirname, "../../emulator");

function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return sourceFiles(path);
        return entry.name.endsWith(".ts") ? [path] : [];
    });
}

/** The emulator modules `file` imports, as paths relative to emulator/; `runtime` leaves out type-only imports. */
function localImports(file: string, runtime: boolean): string[] {
    const text = readFileSync(file, "utf8");
    const specifiers = runtime
        ? // What the compiled module requires: TypeScript drops type-only imports when compiling.
          [
              ...ts
                  .transpileModule(text, { compilerOptions: { module: ts.ModuleKind.CommonJS } })
                  .outputText.matchAll(/require\("([^"]+)"\)/g),
          ].map((match) => match[1])
        : ts.preProcessFile(text, true, true).importedFiles.map((imported) => imported.fileName);
    return specifiers.filter((spec) => spec.startsWith(".")).map((spec) => relative(EMULATOR, resolve(dirname(file), spec)) + ".ts");
}

describe("emulator: layout", () => {
    const files = sourceFiles(EMULATOR).map((file) => relative(EMULATOR, file));

    it("finds the emulator's modules in gateway/ and model/", () => {
        assert.ok(files.includes(join("gateway", "server.ts")) && files.includes(join("model", "store.ts")), files.join(", "));
    });

    it("names every file in kebab-case", () => {
        assert.deepEqual(
            files.filter((file) => !/^[a-z0-9-]+(\/[a-z0-9-]+)*\.ts$/.test(file.split("\\").join("/"))),
            [],
        );
    });

    it("keeps model/ free of the gateway and of the composition (type imports included)", () => {
        const model = join("model", "");
        const outside = files
            .filter((file) => file.startsWith(model))
            .flatMap((file) => localImports(join(EMULATOR, file), false).map((target) => ({ file, target })))
            .filter(({ target }) => !target.startsWith(model) && target !== "types.ts");
        assert.deepEqual(outside, []);
    });

    it("has no import cycle at run time", () => {
        const graph = new Map(files.map((file) => [file, localImports(join(EMULATOR, file), true)]));
        const cycles: string[] = [];
        const state = new Map<string, "open" | "done">();
        const visit = (file: string, stack: string[]): void => {
            state.set(file, "open");
            const here = [...stack, file];
            for (const next of graph.get(file) ?? []) {
                if (state.get(next) === "open") cycles.push([...here.slice(here.indexOf(next)), next].join(" → "));
                else if (!state.has(next)) visit(next, here);
            }
            state.set(file, "done");
        };
        for (const file of files) if (!state.has(file)) visit(file, []);
        assert.deepEqual(cycles, []);
    });
});
