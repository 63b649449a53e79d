/**
 * One table of behaviours users depend on, run on both paths to the providers (the
 * dynamic-provider plugin's calls and the native plugin's gRPC handlers, see
 * `tests/support/paths.ts`) against the emulator: a behaviour exists on both or the
 * table fails on one.
 */
import { strict as assert } from "assert";
import { Emulator, startEmulator } from "../../emulator";
import { PathDriver, PATHS } from "../support/paths";

const A = "1723599747213377175";
const B = "1723599747213377176";
const split = (a: number, b: number) =>
    [
        { codeVersion: A, percentage: a },
        { codeVersion: B, percentage: b },
    ].filter((s) => s.percentage > 0);

interface Row {
    behaviour: string;
    /** `later()`: the same path in a later `pulumi` run (another plugin process, configured alike). */
    run(driver: PathDriver, ctx: { emulator: Emulator; routine: string; later(): Promise<PathDriver> }): Promise<void>;
}

/** check, then create, as the engine does for a new resource. */
async function created(driver: PathDriver, resource: Parameters<PathDriver["check"]>[0], name: string, news: Record<string, any>) {
    const { inputs, failures } = await driver.check(resource, name, {}, news);
    assert.deepEqual(failures, []);
    const { id, outs } = await driver.create(resource, inputs);
    return { id, inputs, outs };
}

const ROWS: Row[] = [
    {
        behaviour: "a split that adds up to 110 is refused, naming codeVersions",
        async run(driver, { routine }) {
            const { failures } = await driver.check(
                "RoutineCodeDeployment",
                "d",
                {},
                { name: routine, env: "production", codeVersions: split(50, 60) },
            );
            assert.equal(failures.length, 1);
            assert.equal(failures[0].property, "codeVersions");
            assert.match(failures[0].reason, /add up to 110/);
        },
    },
    {
        behaviour:
            "a deployment is created with the declared split; a reordered split is no change; a new split updates in place; env replaces",
        async run(driver, { emulator, routine }) {
            const { id, outs } = await created(driver, "RoutineCodeDeployment", "d", {
                name: routine,
                env: "production",
                codeVersions: split(90, 10),
            });
            assert.equal(id, `${routine}:production`);
            assert.match(outs.deploymentId, /^\d+$/);
            assert.deepEqual(emulator.state().routines[routine].deployments.production?.codeVersions, split(90, 10));
            const reordered = await driver.check("RoutineCodeDeployment", "d", outs, {
                name: routine,
                env: "production",
                codeVersions: split(90, 10).reverse(),
            });
            assert.deepEqual(await driver.diff("RoutineCodeDeployment", id, outs, reordered.inputs), { changes: false, replaces: [] });
            const moved = await driver.check("RoutineCodeDeployment", "d", outs, {
                name: routine,
                env: "production",
                codeVersions: split(50, 50),
            });
            assert.deepEqual(await driver.diff("RoutineCodeDeployment", id, outs, moved.inputs), { changes: true, replaces: [] });
            const updated = await driver.update("RoutineCodeDeployment", id, outs, moved.inputs);
            assert.deepEqual(updated.outs.codeVersions, split(50, 50));
            const staging = await driver.check("RoutineCodeDeployment", "d", outs, {
                name: routine,
                env: "staging",
                codeVersions: split(50, 50),
            });
            assert.deepEqual((await driver.diff("RoutineCodeDeployment", id, updated.outs, staging.inputs)).replaces, ["env"]);
        },
    },
    {
        behaviour: "a refresh reads a split changed in the console; delete leaves ESA serving",
        async run(driver, { emulator, routine, later }) {
            const { id, outs } = await created(driver, "RoutineCodeDeployment", "d", {
                name: routine,
                env: "production",
                codeVersions: split(100, 0),
            });
            emulator.setDeployment(routine, "production", split(0, 100));
            const refresh = await later();
            const read = await refresh.read("RoutineCodeDeployment", id, outs);
            assert.equal(read.id, id);
            assert.deepEqual(read.props.codeVersions, split(0, 100));
            await refresh.delete("RoutineCodeDeployment", id, read.props);
            assert.deepEqual(emulator.state().routines[routine].deployments.production?.codeVersions, split(0, 100));
        },
    },
    {
        behaviour: "a routine is created by the stack, its description updated in place, and deleted by destroy",
        async run(driver, { emulator, routine }) {
            const name = `${routine}-own`;
            const { id, outs } = await created(driver, "Routine", "r", { name, description: "first" });
            assert.equal(outs.createdByStack, true);
            const changed = await driver.check("Routine", "r", outs, { name, description: "second" });
            assert.deepEqual(await driver.diff("Routine", id, outs, changed.inputs), { changes: true, replaces: [] });
            const updated = await driver.update("Routine", id, outs, changed.inputs);
            assert.equal(updated.outs.description, "second");
            await driver.delete("Routine", id, updated.outs);
            assert.equal(emulator.state().routines[name], undefined);
        },
    },
    {
        behaviour: "a code version is released from source; the state holds its hash, never the source; new code replaces it",
        async run(driver, { routine }) {
            const code = "export default { fetch() { return new Response('both-paths-marker') } }";
            const { outs, inputs } = await created(driver, "RoutineCodeVersion", "v", { routine, code });
            assert.match(outs.codeVersion, /^\d{19}$/);
            assert.match(outs.sourceHash, /^[0-9a-f]{64}$/);
            assert.ok(!JSON.stringify({ inputs, outs }).includes("both-paths-marker"), "the source is in the inputs or outputs");
            const next = await driver.check("RoutineCodeVersion", "v", outs, { routine, code: `${code}\n` });
            const diff = await driver.diff("RoutineCodeVersion", `${routine}:${outs.codeVersion}`, outs, next.inputs);
            assert.equal(diff.changes, true);
            assert.ok(diff.replaces.includes("sourceHash") && diff.replaces.includes("contentHash"), diff.replaces.join(", "));
        },
    },
    {
        behaviour: "code that is not JavaScript text is refused, naming code",
        async run(driver, { routine }) {
            const { failures } = await driver.check("RoutineCodeVersion", "v", {}, { routine, code: 42 });
            assert.deepEqual(
                failures.map((f) => f.property),
                ["code"],
            );
        },
    },
];

describe("both paths, one table: the dynamic plugin's calls and the native plugin's handlers", function () {
    this.timeout(60_000);
    let emulator: Emulator;
    let routines = 0;

    before(async () => {
        emulator = await startEmulator({ port: 0 });
    });
    after(async () => emulator?.close());

    for (const make of PATHS) {
        describe(make().path, () => {
            for (const row of ROWS) {
                it(row.behaviour, async () => {
                    const routine = `paths-${++routines}`;
                    emulator.addRoutine(routine, [A, B]);
                    const configured = async () => {
                        const driver = make();
                        await driver.configure({ "esa:endpoint": emulator.endpoint });
                        return driver;
                    };
                    await row.run(await configured(), { emulator, routine, later: configured });
                });
            }
        });
    }
});
