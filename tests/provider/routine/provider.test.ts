/**
 * `Routine` through the provider object the engine calls, against an in-memory ESA:
 * never taking over an existing routine silently, explicit adoption, and a destroy that
 * deletes only what the stack created.
 */
import { strict as assert } from "assert";
import { createRoutineProvider } from "../../../provider";
import { checkRoutine } from "../../../provider/routine/check";
import { fakeClock } from "../../support/memory-esa";
import { MemoryRelease } from "../../support/memory-code";

function setup() {
    const clock = fakeClock(Date.UTC(2026, 10, 22));
    const esa = new MemoryRelease(clock.now);
    const logs: { severity: string; message: string }[] = [];
    const provider = createRoutineProvider({
        apiFactory: () => esa,
        clock,
        env: {},
        log: (severity, message) => logs.push({ severity, message }),
    });
    return { esa, logs, provider };
}

describe("Routine", () => {
    it("creates a routine and records that the stack created it; destroy deletes it", async () => {
        const { esa, provider } = setup();
        const { id, outs } = await provider.create({ name: "hello-edge", description: "hi" });
        assert.equal(id, "hello-edge");
        assert.equal(outs.createdByStack, true);
        assert.equal(esa.routines.get("hello-edge")!.description, "hi");
        await provider.delete(id, outs);
        assert.equal(esa.routines.has("hello-edge"), false);
    });

    it("refuses to take over an existing routine, and says how to bring it in", async () => {
        const { esa, provider } = setup();
        esa.addRoutine("hello-edge");
        await assert.rejects(provider.create({ name: "hello-edge" }), /already exists.*adoptExisting: true/s);
        assert.equal(esa.count("CreateRoutine"), 0);
    });

    it("adopts with adoptExisting, and destroy then leaves the routine in place", async () => {
        const { esa, provider, logs } = setup();
        esa.addRoutine("hello-edge");
        const { id, outs } = await provider.create({ name: "hello-edge", adoptExisting: true });
        assert.equal(outs.createdByStack, false);
        await provider.delete(id, outs);
        assert.equal(esa.routines.has("hello-edge"), true);
        assert.equal(esa.count("DeleteRoutine"), 0);
        assert.ok(logs.some((l) => /left in place/.test(l.message)));
    });

    it("a lost CreateRoutine answer: the retry's RoutineAlreadyExist is our own routine", async () => {
        const { esa, provider } = setup();
        esa.fail({ action: "CreateRoutine", afterCommit: true, error: { code: "ECONNRESET", message: "socket hang up" } });
        const { outs } = await provider.create({ name: "hello-edge" });
        assert.equal(outs.createdByStack, true);
    });

    it("read: gone when the routine was deleted elsewhere; name changes replace; description updates in place", async () => {
        const { esa, provider } = setup();
        const { id, outs } = await provider.create({ name: "hello-edge" });
        assert.deepEqual((await provider.diff(id, outs, { ...outs, name: "other" })).replaces, ["name"]);
        const plan = await provider.diff(id, outs, { ...outs, description: "new" });
        assert.deepEqual([plan.changes, plan.replaces], [true, []]);
        await provider.update(id, outs, { name: "hello-edge", description: "new" });
        assert.equal(esa.routines.get("hello-edge")!.description, "new");
        esa.routines.delete("hello-edge");
        assert.equal((await provider.read(id, outs)).id, "");
    });

    it("refuses to create while the account's Edge Routine service is not running, and creates nothing", async () => {
        const { esa, provider } = setup();
        esa.erStatus = "NotOpened";
        await assert.rejects(
            provider.create({ name: "hello-edge" }),
            /Edge Routine service is "NotOpened".*Open \(activate\) Edge Routine/s,
        );
        assert.equal(esa.count("CreateRoutine"), 0);
    });

    it("check names the property on a bad name", () => {
        assert.match(checkRoutine({ name: "Hello_Edge" }).failures[0].reason, /lower-case letters/);
        assert.equal(checkRoutine({ name: "hello-edge" }).failures.length, 0);
    });
});
