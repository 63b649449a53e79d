/**
 * Every example in `examples/`, and the repository root's Pulumi.yaml, run the way a
 * user runs them: a Pulumi.yaml project, driven by `pulumi` subprocesses (`login`,
 * `stack init`, `config set`, `up`, `preview`, `refresh`, `destroy`) against the
 * emulator. A TypeScript program (`runtime: nodejs`) is compiled and run by the Node.js
 * language host, its resources served by the dynamic provider; a YAML, Python or Go
 * program is run by its language host, its resources served by the native plugin its
 * Pulumi.yaml names (in the installed package's `bin`). An example's own package.json is
 * installed with npm, this package coming from the packed tarball (`npm pack`), not from
 * a link into the repository. A Python program gets a virtualenv with `pulumi_esa`
 * (sdk/python), named to its `pulumi` commands by PULUMI_PYTHON_CMD; a Go program's
 * go.mod gets its replace of the Go SDK pointed at sdk/go, then `go mod tidy` and a build.
 *
 * Each example has an entry in `EXAMPLES`: the emulator's seed, the stack config, what
 * ESA must serve after `up`, the next change a user makes (config, or an edited file
 * where config cannot say it), and a change made behind Pulumi's back for the refresh.
 * An example directory without an entry fails here: a new example is tested from the
 * day it lands.
 *
 * For each project: `up` deploys what the entry says, and the stack records what ESA
 * serves; a second `preview` shows no change and calls nothing; the next config change
 * previews as in-place updates of the deployments and `up` deploys it; a console change
 * shows as drift in `preview --refresh --diff` and `refresh` records it; `destroy`
 * empties the stack and, unless the entry says otherwise, leaves ESA as it was.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { CodeVersionSplit, Emulator, EmulatorOptions, EmulatorState, Env, startEmulator } from "../../emulator";
import {
    createPythonVirtualenv,
    emulatorCredentials,
    installProject,
    prepareGoProgram,
    Project,
    PulumiSession,
    repoRoot,
    StackRun,
} from "../../scripts/toolchain";
import { asSet, changedValueLines, DEPLOYMENT_TYPE, diagnostics, liveSplit, steps } from "./harness";
import { requireLanguageHost } from "./native";

const A = "1723599747213377175";
const B = "1723599747213377176";
const C = "1723599747213377180";
const D = "1723599747213377181";

/** The deployment's type token on the native path (a YAML, Python or Go program's resources). */
const NATIVE_DEPLOYMENT_TYPE = "esa:index:RoutineCodeDeployment";

/** What ESA serves: routine → env → version → percentage. */
type Served = Record<string, Partial<Record<Env, Record<string, number>>>>;

/**
 * `pulumi config set KEY VALUE`; `path: true` adds `--path --type string` (KEY like
 * `routines.hello-edge`: without `--type string` a path value that looks like a number
 * is stored as one, and a 19-digit version id would lose digits).
 */
interface ConfigEntry {
    key: string;
    value: string;
    path?: boolean;
}

/** What an entry's computed values may depend on: the emulator, the stack's outputs after the last `up`, the config set so far. */
interface RunContext {
    emulator: Emulator;
    outputs: Record<string, any>;
    config: Record<string, string>;
}

/** A value of the table, or one computed when the test gets there (for ids made during the run). */
type Computed<T> = T | ((context: RunContext) => T);

interface ExampleCase {
    /** How the emulator starts: its routines and versions; `https` for examples that upload code. */
    emulator: EmulatorOptions;
    /** Set before the first `up` (computed: from the emulator, e.g. its edge's URL). */
    config: Computed<ConfigEntry[]>;
    /** What ESA serves after the first `up`: every deployment, and nothing else. */
    served: Computed<Served>;
    /**
     * The user's next change: config set and files of the project rewritten (`files`:
     * path → new text, for a change config cannot make, such as the routine's code in a
     * YAML program), then `up` (in-place updates of deployments), and what ESA serves after it.
     */
    next: { config: Computed<ConfigEntry[]>; files?: Record<string, string>; served: Computed<Served> };
    /** A change in the console, behind Pulumi's back, that `refresh` must record. */
    drift: Computed<{ routine: string; env: Env; codeVersions: CodeVersionSplit[] }>;
    /**
     * What `destroy` leaves in ESA, checked against the state before it. By default ESA
     * is unchanged (a deployment's delete is state-only) and the only warnings say so.
     */
    afterDestroy?: (context: RunContext & { before: EmulatorState }) => void;
}

const set = (key: string, value: string, path = false): ConfigEntry => ({ key, value, path });

function resolve<T>(value: Computed<T>, context: RunContext): T {
    return typeof value === "function" ? (value as (context: RunContext) => T)(context) : value;
}

/** The routine's code after the user's edit, for the examples whose next change is the code. */
const EDITED_ROUTINE = `export default {
    async fetch() {
        return new Response("Hello again from the edge\\n", { headers: { "content-type": "text/plain; charset=utf-8" } });
    },
};
`;

/** The HTTP gate of the progressive rollouts, against the emulator's production edge. */
const edgeGate = ({ emulator }: RunContext): ConfigEntry[] => [
    set("healthUrl", emulator.edgeUrl!),
    set("healthHost", "hello-edge.example.test"),
];

/** examples/release-from-source, and its Python and Go programs (the same config, the same outputs). */
const RELEASE_FROM_SOURCE: ExampleCase = {
    // The routine and its version come from the program: the emulator starts empty, over HTTPS (code uploads).
    emulator: { https: true },
    config: [set("routine", "release-edge")],
    served: ({ outputs }) => ({
        "release-edge": { staging: { [outputs.codeVersion]: 100 }, production: { [outputs.codeVersion]: 100 } },
    }),
    next: {
        // A stable version made elsewhere; the source's version becomes a 25 % canary next to it.
        config: ({ emulator }) => [
            set("stableVersion", emulator.createVersion("release-edge", { description: "stable", code: "export default {}" })),
            set("canaryPercent", "25"),
        ],
        served: ({ outputs, config }) => ({
            "release-edge": {
                staging: { [outputs.codeVersion]: 100 },
                production: { [outputs.codeVersion]: 25, [config.stableVersion]: 75 },
            },
        }),
    },
    drift: ({ config }) => ({
        routine: "release-edge",
        env: "production",
        codeVersions: [{ codeVersion: config.stableVersion, percentage: 100 }],
    }),
    afterDestroy: ({ emulator }) => {
        assert.equal(emulator.state().routines["release-edge"], undefined, "destroy deletes the routine the stack created");
    },
};

/**
 * examples/progressive-rollout's Python and Go programs: the TypeScript example's config
 * and outputs, with the HTTP gate on the edge and 1 s holds (the next change walks one
 * step, 10 %, held and gated).
 */
const GATED_ROLLOUT: ExampleCase = {
    emulator: { routines: { "hello-edge": [A, B] } },
    config: (context) => [set("previousVersion", A), set("nextVersion", B), set("bakeSeconds", "1"), ...edgeGate(context)],
    served: { "hello-edge": { staging: { [B]: 100 }, production: { [A]: 100 } } },
    next: {
        config: [set("productionPercent", "10")],
        served: { "hello-edge": { staging: { [B]: 100 }, production: { [A]: 90, [B]: 10 } } },
    },
    drift: {
        routine: "hello-edge",
        env: "production",
        codeVersions: [
            { codeVersion: A, percentage: 50 },
            { codeVersion: B, percentage: 50 },
        ],
    },
};

/** One entry per directory of examples/. */
const EXAMPLES: Record<string, ExampleCase> = {
    quickstart: {
        emulator: { routines: { "hello-edge": [A, B] } },
        config: [set("routine", "hello-edge"), set("codeVersion", A)],
        served: { "hello-edge": { staging: { [A]: 100 } } },
        next: { config: [set("codeVersion", B)], served: { "hello-edge": { staging: { [B]: 100 } } } },
        drift: { routine: "hello-edge", env: "staging", codeVersions: [{ codeVersion: A, percentage: 100 }] },
    },
    canary: {
        emulator: { routines: { "hello-edge": [A, B] } },
        config: [set("canaryPercent", "10")],
        served: { "hello-edge": { production: { [A]: 90, [B]: 10 } } },
        next: { config: [set("canaryPercent", "50")], served: { "hello-edge": { production: { [A]: 50, [B]: 50 } } } },
        drift: { routine: "hello-edge", env: "production", codeVersions: [{ codeVersion: A, percentage: 100 }] },
    },
    "many-routines": {
        emulator: { routines: { "hello-edge": [A, B], "api-edge": [C, D] } },
        config: [set("routines.hello-edge", A, true), set("routines.api-edge", C, true)],
        served: {
            "hello-edge": { staging: { [A]: 100 }, production: { [A]: 100 } },
            "api-edge": { staging: { [C]: 100 }, production: { [C]: 100 } },
        },
        next: {
            config: [set("routines.hello-edge", B, true)],
            served: {
                "hello-edge": { staging: { [B]: 100 }, production: { [B]: 100 } },
                "api-edge": { staging: { [C]: 100 }, production: { [C]: 100 } },
            },
        },
        drift: { routine: "api-edge", env: "production", codeVersions: [{ codeVersion: D, percentage: 100 }] },
    },
    "progressive-rollout": {
        emulator: { routines: { "hello-edge": [A, B] } },
        config: [set("previousVersion", A), set("nextVersion", B)],
        served: { "hello-edge": { staging: { [B]: 100 }, production: { [A]: 100 } } },
        next: {
            config: [set("productionPercent", "10")],
            served: { "hello-edge": { staging: { [B]: 100 }, production: { [A]: 90, [B]: 10 } } },
        },
        drift: {
            routine: "hello-edge",
            env: "production",
            codeVersions: [
                { codeVersion: A, percentage: 50 },
                { codeVersion: B, percentage: 50 },
            ],
        },
    },
    "release-from-source": RELEASE_FROM_SOURCE,
    "yaml-canary": {
        // The canary as YAML, on the native plugin: both shares from config (YAML has no arithmetic).
        emulator: { routines: { "hello-edge": [A, B] } },
        config: [set("canaryPercent", "10")],
        served: { "hello-edge": { production: { [A]: 90, [B]: 10 } } },
        next: {
            config: [set("stablePercent", "25"), set("canaryPercent", "75")],
            served: { "hello-edge": { production: { [A]: 25, [B]: 75 } } },
        },
        drift: { routine: "hello-edge", env: "production", codeVersions: [{ codeVersion: B, percentage: 100 }] },
    },
    "yaml-release-from-source": {
        // The release as YAML: no conditionals, so production takes all of the source's version;
        // the next change is the one a user makes, an edit of routine/index.js (YAML reads a
        // version id from config as a number, so no stable version comes from config).
        emulator: { https: true },
        config: [set("routine", "release-edge")],
        served: ({ outputs }) => ({
            "release-edge": { staging: { [outputs.codeVersion]: 100 }, production: { [outputs.codeVersion]: 100 } },
        }),
        next: {
            config: [],
            files: { "routine/index.js": EDITED_ROUTINE },
            served: ({ outputs }) => ({
                "release-edge": { staging: { [outputs.codeVersion]: 100 }, production: { [outputs.codeVersion]: 100 } },
            }),
        },
        drift: ({ emulator }) => ({
            routine: "release-edge",
            env: "production",
            codeVersions: [
                {
                    codeVersion: emulator.createVersion("release-edge", { description: "hotfix", code: "export default {}" }),
                    percentage: 100,
                },
            ],
        }),
        afterDestroy: RELEASE_FROM_SOURCE.afterDestroy,
    },
    "python-release-from-source": RELEASE_FROM_SOURCE,
    "go-release-from-source": RELEASE_FROM_SOURCE,
    "yaml-progressive-rollout": {
        // The rollout as YAML: the versions in the program, both production shares from config.
        ...GATED_ROLLOUT,
        config: (context) => [set("bakeSeconds", "1"), ...edgeGate(context)],
        next: {
            config: [set("previousPercent", "90"), set("nextPercent", "10")],
            served: GATED_ROLLOUT.next.served,
        },
    },
    "python-progressive-rollout": GATED_ROLLOUT,
    "go-progressive-rollout": GATED_ROLLOUT,
};

/** Everything ESA serves, in the shape of `Served`. */
function served(emulator: Emulator): Served {
    const result: Served = {};
    for (const [routine, state] of Object.entries(emulator.state().routines)) {
        for (const [env, deployment] of Object.entries(state.deployments)) {
            if (!deployment || deployment.codeVersions.length === 0) continue;
            (result[routine] ??= {})[env as Env] = Object.fromEntries(deployment.codeVersions.map((v) => [v.codeVersion, v.percentage]));
        }
    }
    return result;
}

async function configure(project: Project, entries: ConfigEntry[], context: RunContext): Promise<void> {
    for (const { key, value, path } of entries) {
        await project.setConfig(key, value, path ? { path, type: "string" } : {});
        context.config[key] = value;
    }
}

function assertClean(run: StackRun, what: string): void {
    assert.deepEqual(diagnostics(run, "error"), [], `${what}: errors\n${run.output}`);
    assert.deepEqual(diagnostics(run, "warning"), [], `${what}: warnings\n${run.output}`);
}

/** The stack records, for every deployment (of `type`), what ESA serves. */
async function assertStateMatchesEsa(project: Project, emulator: Emulator, type: string): Promise<any[]> {
    const resources = ((await project.exportState()).resources ?? []).filter((r: any) => r.type === type);
    for (const r of resources) {
        const { name, env, codeVersions, deploymentId } = r.outputs;
        assert.equal(r.id, `${name}:${env}`);
        assert.deepEqual(asSet(codeVersions), liveSplit(emulator, name, env), `${r.urn}: state and ESA differ`);
        assert.equal(deploymentId, emulator.state().routines[name].deployments[env as Env]!.deploymentId, `${r.urn}: deploymentId`);
    }
    return resources;
}

/** Runs one project through the user's commands; `dir` holds its Pulumi.yaml and installed dependencies. */
async function runProject(dir: string, example: ExampleCase, stackName: string): Promise<void> {
    // A YAML, Python or Go program's resources come from the native plugin, under their schema's type token.
    const runtime = runtimeOf(path.join(dir, "Pulumi.yaml"));
    assert.ok(RUNTIMES.includes(runtime as Runtime), `unexpected runtime ${runtime} in ${dir}/Pulumi.yaml`);
    if (runtime !== "nodejs") requireLanguageHost(runtime as Runtime);
    const type = runtime === "nodejs" ? DEPLOYMENT_TYPE : NATIVE_DEPLOYMENT_TYPE;
    const runtimeEnv = await prepareRuntime(dir, runtime as Runtime);
    const emulator = await startEmulator(example.emulator);
    const https = Boolean(example.emulator.https);
    // Over HTTPS, the provider process trusts the emulator's certificate authority.
    const session = PulumiSession.create({
        env: { ...emulatorCredentials(), ...(https ? { NODE_EXTRA_CA_CERTS: emulator.caFile! } : {}), ...runtimeEnv },
    });
    const project = new Project(session, dir);
    const context: RunContext = { emulator, outputs: {}, config: {} };
    const skipPreview = { args: ["--skip-preview"], events: true };
    try {
        await session.login();
        await project.stackInit(stackName);
        await project.setConfig("esa:endpoint", https ? emulator.httpsEndpoint! : emulator.endpoint);
        await configure(project, resolve(example.config, context), context);

        // up: creates every deployment, and ESA serves exactly what the entry says.
        const up = await project.up(skipPreview);
        assertClean(up, "up");
        const created = steps(up, type);
        assert.ok(created.length > 0, "the program declares no RoutineCodeDeployment");
        assert.ok(
            created.every((s) => s.op === "create"),
            JSON.stringify(created),
        );
        context.outputs = await project.outputs();
        assert.deepEqual(served(emulator), resolve(example.served, context), "ESA after the first up");
        const resources = await assertStateMatchesEsa(project, emulator, type);
        assert.equal(resources.length, created.length);

        // A second preview: nothing to do, and no ESA call.
        emulator.clearRequests();
        const same = await project.preview({ args: ["--expect-no-changes"], events: true });
        assertClean(same, "preview");
        assert.deepEqual(emulator.countByAction(), {}, "a no-op preview calls ESA");

        // The user's next change: an in-place update in the preview, deployed by up.
        await configure(project, resolve(example.next.config, context), context);
        for (const [file, text] of Object.entries(example.next.files ?? {})) fs.writeFileSync(path.join(dir, file), text);
        const preview = await project.preview({ diff: true, events: true });
        assertClean(preview, "preview of the next change");
        const planned = steps(preview, type).filter((s) => s.op !== "same");
        assert.ok(planned.length > 0, `the next change plans nothing\n${preview.output}`);
        assert.ok(
            planned.every((s) => s.op === "update"),
            `expected in-place updates only: ${JSON.stringify(planned)}`,
        );
        assert.ok(changedValueLines(preview.stdout).length > 0, `the diff shows no old => new value\n${preview.stdout}`);
        assertClean(await project.up(skipPreview), "up of the next change");
        context.outputs = await project.outputs();
        assert.deepEqual(served(emulator), resolve(example.next.served, context), "ESA after the next change");
        await assertStateMatchesEsa(project, emulator, type);

        // A console change: drift in `preview --refresh --diff`, recorded by `refresh`.
        const { routine, env, codeVersions } = resolve(example.drift, context);
        emulator.setDeployment(routine, env, codeVersions);
        const review = await project.preview({ refresh: true, diff: true, events: true });
        assert.deepEqual(diagnostics(review, "error"), []);
        const urn = resources.find((r) => r.id === `${routine}:${env}`)?.urn;
        assert.ok(urn, `the drift entry names ${routine}:${env}, which the program does not deploy`);
        assert.deepEqual(
            steps(review, type)
                .filter((s) => s.op !== "same" && s.op !== "refresh")
                .map((s) => [s.urn, s.op]),
            [[urn, "update"]],
            `the drift of ${routine}:${env} as an update to put it back\n${review.stdout}`,
        );
        const refresh = await project.refresh(skipPreview);
        assert.deepEqual(diagnostics(refresh, "error"), []);
        const recorded = ((await project.exportState()).resources ?? []).filter((r: any) => r.type === type);
        const record = recorded.find((r: any) => r.id === `${routine}:${env}`);
        assert.deepEqual(asSet(record?.outputs.codeVersions), asSet(codeVersions), "refresh records the live split");

        // destroy: the stack forgets every deployment, and says so for each.
        const before = emulator.state();
        const destroy = await project.destroy(skipPreview);
        assert.deepEqual(diagnostics(destroy, "error"), []);
        const warnings = diagnostics(destroy, "warning");
        const forgotten = warnings.filter((w) => w.includes("removed from the stack only"));
        assert.equal(forgotten.length, recorded.length, warnings.join("\n"));
        assert.deepEqual((await project.exportState()).resources ?? [], [], "destroy leaves resources in the stack");
        if (example.afterDestroy) example.afterDestroy({ ...context, before });
        else {
            // ESA keeps serving: a deployment's delete is state-only.
            assert.deepEqual(warnings, forgotten);
            assert.deepEqual(emulator.state(), before);
        }
        await project.run(["stack", "rm", "--yes", stackName]);
    } finally {
        session.dispose();
        await emulator.close();
    }
}

const RUNTIMES = ["nodejs", "yaml", "python", "go"] as const;
type Runtime = (typeof RUNTIMES)[number];

/**
 * Makes a project's program runnable as its user would before the first `pulumi`
 * command, and returns the variables its commands need: a Python program gets
 * `<dir>/venv` with `pulumi_esa` installed, and PULUMI_PYTHON_CMD naming its python (the
 * v3.79 host is not given Pulumi.yaml's `virtualenv`); a Go program's go.mod gets the Go
 * SDK replaced by this repository's sdk/go (the example's `../../sdk/go` does not hold
 * in a copy), then `go mod tidy` and a first build.
 */
async function prepareRuntime(dir: string, runtime: Runtime): Promise<Record<string, string>> {
    if (runtime === "python") return (await createPythonVirtualenv(dir)).env;
    if (runtime === "go") await prepareGoProgram(dir);
    return {};
}

/** The `runtime` of a Pulumi.yaml: `runtime: yaml`, or the `name:` under a `runtime:` block. */
function runtimeOf(file: string): string | undefined {
    const text = fs.readFileSync(file, "utf8");
    return text.match(/^runtime:[ \t]*["']?(\w+)/m)?.[1] ?? text.match(/^runtime:[ \t]*\n[ \t]+name:[ \t]*["']?(\w+)/m)?.[1];
}

/** Top-level `main:` of a Pulumi.yaml. */
function mainOf(file: string): string | undefined {
    return fs.readFileSync(file, "utf8").match(/^main:\s*["']?([^"'\s#]+)/m)?.[1];
}

describe("e2e: every example runs as a Pulumi.yaml project through the pulumi CLI", function () {
    this.timeout(10 * 60_000);

    const exampleDirs = fs
        .readdirSync(path.join(repoRoot, "examples"), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();

    it("finds the examples", () => {
        assert.ok(exampleDirs.length > 0, "no example found in examples/");
    });

    for (const name of exampleDirs) {
        it(`examples/${name}: up, preview, the next change, refresh of a console change, destroy`, async () => {
            const example = EXAMPLES[name];
            assert.ok(
                example,
                `examples/${name} has no entry in EXAMPLES (tests/e2e/examples.test.ts): add its emulator seed, config, expected deployments, next change and drift`,
            );
            assert.ok(fs.existsSync(path.join(repoRoot, "examples", name, "Pulumi.yaml")), `examples/${name} has no Pulumi.yaml`);
            const installed = await installProject(path.join(repoRoot, "examples", name));
            try {
                assert.ok(!fs.lstatSync(path.join(installed.dir, "node_modules/esa-routine-deployment")).isSymbolicLink());
                await runProject(installed.dir, example, "e2e");
            } finally {
                fs.rmSync(installed.dir, { recursive: true, force: true });
            }
        });
    }

    it("the repository root: `pulumi up` of its Pulumi.yaml (the quickstart, with the repository's own node_modules)", async () => {
        const main = mainOf(path.join(repoRoot, "Pulumi.yaml"));
        assert.equal(main, "examples/quickstart/index.ts", "the root project runs the quickstart's program");
        // The stack's config file lands in the repository root while the test runs; `stack rm` removes it.
        const stackName = `e2e-root-${process.pid}`;
        try {
            await runProject(repoRoot, EXAMPLES.quickstart, stackName);
        } finally {
            fs.rmSync(path.join(repoRoot, `Pulumi.${stackName}.yaml`), { force: true });
        }
    });
});
