/**
 * The resource lifecycle (SPEC §4) through the provider object the engine calls,
 * against an in-memory ESA: adoption, read-after-write, drift, gone routines, env
 * matched by name, failures after a change was committed, and delete.
 */
import { strict as assert } from "assert";
import { Connection } from "../../../provider/esa/config";
import { createProvider } from "../../../provider";
import { DeploymentInputs } from "../../../provider/deployment/types";
import { fakeClock, MemoryEsa } from "../../support/memory-esa";

const A = "1723599747213377175";
const B = "1723599747213377176";

function setup(options: { config?: Record<string, string>; env?: NodeJS.ProcessEnv } = {}) {
    const esa = new MemoryEsa().addRoutine("hello");
    const clock = fakeClock();
    const logs: { severity: string; message: string }[] = [];
    const connections: Connection[] = [];
    const provider = createProvider({
        apiFactory: (connection) => {
            connections.push(connection);
            return esa;
        },
        clock,
        env: options.env ?? {},
        log: (severity, message) => logs.push({ severity, message }),
    });
    const config = options.config ?? {};
    const configured = provider.configure({ config: { get: (key: string) => config[key], require: (key: string) => config[key] } } as any);
    return { esa, clock, logs, connections, provider, configured };
}

function inputs(
    codeVersions: { codeVersion: string; percentage: number }[],
    env: "staging" | "production" = "production",
): DeploymentInputs {
    return { name: "hello", env, strategy: "percentage", codeVersions };
}

describe("lifecycle: create and update", () => {
    it("creates with one deployment call, records a string deploymentId and the id <name>:<env>", async () => {
        const { esa, provider } = setup();
        const result = await provider.create(inputs([{ codeVersion: A, percentage: 100 }]));
        assert.equal(result.id, "hello:production");
        assert.equal(typeof result.outs.deploymentId, "string");
        assert.deepEqual(result.outs.codeVersions, [{ codeVersion: A, percentage: 100 }]);
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 1);
        assert.deepEqual(esa.routines.get("hello")!.get("production")!.codeVersions, [{ codeVersion: A, percentage: 100 }]);
    });

    it("adopts a live deployment that already serves the split (in any order) and deploys nothing", async () => {
        const { esa, provider, logs } = setup();
        const liveId = esa.deployOutOfBand("hello", "production", [
            { codeVersion: B, percentage: 10 },
            { codeVersion: A, percentage: 90 },
        ]);
        const result = await provider.create(
            inputs([
                { codeVersion: A, percentage: 90 },
                { codeVersion: B, percentage: 10 },
            ]),
        );
        assert.equal(result.outs.deploymentId, liveId);
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 0);
        assert.match(logs.map((l) => l.message).join("\n"), /adopted, nothing deployed/);
    });

    it("updates 90/10 → 50/50 in place with one deployment and records the new deploymentId", async () => {
        const { esa, provider } = setup();
        const first = await provider.create(
            inputs([
                { codeVersion: A, percentage: 90 },
                { codeVersion: B, percentage: 10 },
            ]),
        );
        const news = inputs([
            { codeVersion: A, percentage: 50 },
            { codeVersion: B, percentage: 50 },
        ]);
        const updated = await provider.update(first.id, first.outs, news);
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 2);
        assert.notEqual(updated.outs!.deploymentId, first.outs.deploymentId);
        assert.deepEqual(esa.routines.get("hello")!.get("production")!.codeVersions, news.codeVersions);
    });

    it("a plain update makes exactly 2 calls: the deployment and the read-after-write guard, no read before", async () => {
        const { esa, provider } = setup();
        const first = await provider.create(inputs([{ codeVersion: A, percentage: 100 }]));
        const before = esa.calls.length;
        const news = inputs([
            { codeVersion: A, percentage: 90 },
            { codeVersion: B, percentage: 10 },
        ]);
        const updated = await provider.update(first.id, first.outs, news);
        assert.deepEqual(
            esa.calls.slice(before).map((c) => c.action),
            ["CreateRoutineCodeDeployment", "GetRoutine"],
        );
        assert.equal(updated.outs!.deploymentId, esa.routines.get("hello")!.get("production")!.deploymentId);
    });

    it("an update whose answer was lost still looks before deploying again", async () => {
        const { esa, provider } = setup();
        const first = await provider.create(inputs([{ codeVersion: A, percentage: 100 }]));
        esa.fail({ action: "CreateRoutineCodeDeployment", afterCommit: true, error: { code: "ECONNRESET", message: "socket hang up" } });
        const news = inputs([{ codeVersion: B, percentage: 100 }]);
        const updated = await provider.update(first.id, first.outs, news);
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 2, "one at create, one at update: not sent twice");
        assert.equal(updated.outs!.deploymentId, esa.routines.get("hello")!.get("production")!.deploymentId);
    });

    it("waits until GetRoutine shows the new split before reporting success (read-after-write guard)", async () => {
        const { esa, provider, clock } = setup();
        esa.staleReads = 3;
        await provider.create(inputs([{ codeVersion: A, percentage: 100 }]));
        // 1 read before deploying, 3 stale reads, 1 read that shows the split.
        assert.equal(esa.count("GetRoutine"), 5);
        assert.ok(clock.sleeps.length >= 3, "the guard waits between reads");
    });

    it("when the split never shows up, fails with the deployment recorded as made (partial state)", async () => {
        const { esa, provider } = setup();
        esa.staleReads = 1_000;
        await assert.rejects(provider.create(inputs([{ codeVersion: A, percentage: 100 }])), (error: any) => {
            assert.equal(error.id, "hello:production");
            assert.equal(typeof error.properties.deploymentId, "string");
            assert.deepEqual(error.properties.codeVersions, [{ codeVersion: A, percentage: 100 }]);
            assert.match(error.message, /accepted deployment .*pulumi refresh/);
            return true;
        });
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 1);
    });

    it("a partial state is one the engine can record: the loader kept, no undefined value", async () => {
        const { esa, provider } = setup();
        esa.staleReads = 1_000;
        const withEngineKeys = {
            ...inputs([{ codeVersion: A, percentage: 100 }]),
            region: undefined,
            __provider: "loader",
        } as DeploymentInputs;
        await assert.rejects(provider.create(withEngineKeys), (error: any) => {
            assert.equal(error.properties.__provider, "loader");
            assert.ok(!Object.values(error.properties).includes(undefined), "a protobuf Struct has no undefined");
            assert.ok(!("region" in error.properties));
            return true;
        });
    });

    it("fails fast when the routine does not exist, without trying to deploy", async () => {
        const { esa, provider } = setup();
        await assert.rejects(
            provider.create({ ...inputs([{ codeVersion: A, percentage: 100 }]), name: "missing" }),
            /RoutineNotExist.*create it first/,
        );
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 0);
    });
});

describe("lifecycle: failures around the deployment call", () => {
    it("a response lost after ESA committed the deployment is found and adopted, not deployed twice", async () => {
        const { esa, provider, logs } = setup();
        esa.fail({ action: "CreateRoutineCodeDeployment", afterCommit: true, error: { code: "ECONNRESET", message: "socket hang up" } });
        const result = await provider.create(inputs([{ codeVersion: A, percentage: 100 }]));
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 1);
        assert.equal(result.outs.deploymentId, esa.routines.get("hello")!.get("production")!.deploymentId);
        assert.match(logs.map((l) => l.message).join("\n"), /answer to the deployment was lost/);
    });

    it("retries throttling with backoff and then succeeds", async () => {
        const { esa, provider, clock } = setup();
        esa.fail(
            {
                action: "CreateRoutineCodeDeployment",
                error: {
                    code: "Throttling.User",
                    statusCode: 400,
                    requestId: "R1",
                    data: { Message: "Request was denied due to user flow control." },
                },
            },
            2,
        );
        await provider.create(inputs([{ codeVersion: A, percentage: 100 }]));
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 3);
        assert.ok(clock.sleeps.length >= 2);
    });

    it("fails fast on InvalidParameter with the code, the RequestId and advice", async () => {
        const { esa, provider } = setup();
        esa.fail({
            action: "CreateRoutineCodeDeployment",
            error: { code: "InvalidParameter", statusCode: 400, requestId: "REQ-42", data: { Message: "Parameter verification failed." } },
        });
        await assert.rejects(provider.create(inputs([{ codeVersion: A, percentage: 100 }])), (error: Error) => {
            assert.match(error.message, /CreateRoutineCodeDeployment for routine "hello" \(production\) failed: InvalidParameter/);
            assert.match(error.message, /RequestId: REQ-42/);
            assert.match(error.message, /committed code version/);
            return true;
        });
        assert.equal(esa.count("CreateRoutineCodeDeployment"), 1);
    });

    it("never puts the AccessKey secret in an error, even when the API echoes it", async () => {
        const secret = "super-secret-value-123";
        const { esa, provider } = setup({ config: { "alicloud:accessKey": "LTAI5tExampleKeyId", "alicloud:secretKey": secret } });
        esa.fail({
            action: "CreateRoutineCodeDeployment",
            error: { code: "SignatureDoesNotMatch", statusCode: 400, requestId: "R", data: { Message: `bad signature for ${secret}` } },
        });
        await assert.rejects(provider.create(inputs([{ codeVersion: A, percentage: 100 }])), (error: Error) => {
            assert.ok(!error.message.includes(secret), error.message);
            assert.match(error.message, /Authentication failed/);
            assert.match(error.message, /LTAI5t…/);
            return true;
        });
    });
});

describe("lifecycle: read (refresh and import)", () => {
    for (const envOrder of [
        ["production", "staging"],
        ["staging", "production"],
    ]) {
        it(`picks the environment by its name when the API lists ${envOrder.join(", ")}`, async () => {
            const { esa, provider } = setup();
            esa.envOrder = envOrder;
            const stagingId = esa.deployOutOfBand("hello", "staging", [{ codeVersion: B, percentage: 100 }]);
            const productionId = esa.deployOutOfBand("hello", "production", [{ codeVersion: A, percentage: 100 }]);
            const staging = await provider.read!("hello:staging", {});
            const production = await provider.read!("hello:production", {});
            assert.equal(staging.props.deploymentId, stagingId);
            assert.deepEqual(staging.props.codeVersions, [{ codeVersion: B, percentage: 100 }]);
            assert.equal(production.props.deploymentId, productionId);
        });
    }

    it("reports an out-of-band change as the live split, in outputs and inputs (drift)", async () => {
        const { esa, provider, clock } = setup();
        const created = await provider.create(inputs([{ codeVersion: A, percentage: 100 }]));
        esa.deployOutOfBand("hello", "production", [
            { codeVersion: A, percentage: 70 },
            { codeVersion: B, percentage: 30 },
        ]);
        clock.advance(60_000); // a later `pulumi refresh`
        const read = await provider.read!(created.id, created.outs);
        assert.deepEqual(read.props.codeVersions, [
            { codeVersion: A, percentage: 70 },
            { codeVersion: B, percentage: 30 },
        ]);
        assert.deepEqual(read.inputs!.codeVersions, read.props.codeVersions);
        assert.notEqual(read.props.deploymentId, created.outs.deploymentId);
    });

    it("works from the id alone (import / get) and keeps overrides from the previous state", async () => {
        const { esa, provider } = setup();
        esa.deployOutOfBand("hello", "staging", [{ codeVersion: A, percentage: 100 }]);
        const read = await provider.read!("hello:staging", { endpoint: "http://127.0.0.1:1" });
        assert.equal(read.id, "hello:staging");
        assert.deepEqual(read.inputs, {
            name: "hello",
            env: "staging",
            strategy: "percentage",
            codeVersions: [{ codeVersion: A, percentage: 100 }],
            endpoint: "http://127.0.0.1:1",
        });
    });

    it("drops the resource when the routine is gone or its environment has no deployment", async () => {
        const { esa, provider } = setup();
        assert.equal((await provider.read!("hello:production", {})).id, "", "never deployed");
        esa.deployOutOfBand("hello", "production", [{ codeVersion: A, percentage: 100 }]);
        esa.routines.delete("hello");
        assert.equal((await provider.read!("hello:production", {})).id, "", "routine deleted");
    });

    it("rejects an id that is not <name>:<env>", async () => {
        const { provider } = setup();
        await assert.rejects(provider.read!("hello", {}), /expected "<routine name>:staging"/);
    });
});

describe("lifecycle: delete and configuration", () => {
    it("delete changes nothing live, makes no API call, and says so", async () => {
        const { esa, provider, logs } = setup();
        const created = await provider.create(inputs([{ codeVersion: A, percentage: 100 }]));
        const callsBefore = esa.calls.length;
        await provider.delete!(created.id, created.outs);
        assert.equal(esa.calls.length, callsBefore);
        assert.deepEqual(esa.routines.get("hello")!.get("production")!.codeVersions, [{ codeVersion: A, percentage: 100 }]);
        assert.equal(logs.at(-1)!.severity, "warning");
        assert.match(
            logs.at(-1)!.message,
            /removed from the stack only: ESA cannot withdraw a deployment, so 1723599747213377175: 100% .*serves until another split is deployed there or routine "hello" is deleted/,
        );
    });

    it("reaches ESA through stack config set with configure, and the resource input beats it", async () => {
        const { provider, connections } = setup({
            config: { "esa:endpoint": "http://127.0.0.1:8787", "alicloud:region": "ap-southeast-1" },
        });
        await provider.create(inputs([{ codeVersion: A, percentage: 100 }]));
        assert.deepEqual(connections.at(-1)!.endpoint, { host: "127.0.0.1:8787", protocol: "http" });
        assert.equal(connections.at(-1)!.regionId, "ap-southeast-1");
        await provider.create({ ...inputs([{ codeVersion: A, percentage: 100 }], "staging"), endpoint: "http://127.0.0.1:9999" });
        assert.deepEqual(connections.at(-1)!.endpoint, { host: "127.0.0.1:9999", protocol: "http" });
    });
});
