/**
 * The edge: each request answered by a version the live split picks (weighted), named in
 * `x-esa-code-version`; production on 127.0.0.1, staging on 127.0.0.2 (GetRoutineStagingEnvIp);
 * per-version behaviour (5xx share, forced status, latency, body) and request counts.
 */
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import type Client from "@alicloud/esa20240910";
import { startEmulator, type Emulator } from "../../emulator";
import { main as cliMain, parseBehaviourArgs } from "../../emulator/cli";
import { EdgeState, pickVersion, startEdge } from "../../emulator/gateway/edge";
import { Store } from "../../emulator/model/store";
import { ROUTINE, V1, V2, deployRequest, sdkClient } from "./helpers";

interface EdgeAnswer {
    status: number;
    version?: string;
    body: string;
}

/** GET through a fresh connection, with the Host header naming the routine. */
function get(base: string, host = `${ROUTINE}.example.test`): Promise<EdgeAnswer> {
    const url = new URL(base);
    return new Promise((resolve, reject) => {
        const req = httpRequest({ host: url.hostname, port: url.port, path: "/", headers: { host }, agent: false }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
                resolve({
                    status: res.statusCode ?? 0,
                    version: res.headers["x-esa-code-version"] as string | undefined,
                    body: Buffer.concat(chunks).toString("utf8"),
                }),
            );
        });
        req.on("error", reject);
        req.end();
    });
}

/** `n` requests, a few at a time. */
async function many(base: string, n: number): Promise<EdgeAnswer[]> {
    const answers: EdgeAnswer[] = [];
    for (let i = 0; i < n; i += 20) {
        answers.push(...(await Promise.all(Array.from({ length: Math.min(20, n - i) }, () => get(base)))));
    }
    return answers;
}

describe("emulator: the edge", () => {
    let emulator: Emulator;
    let client: Client;

    before(async () => {
        emulator = await startEmulator({ routines: { [ROUTINE]: [V1, V2], other: [] } });
        client = sdkClient(emulator.host);
    });
    beforeEach(() => emulator.reset());
    after(() => emulator.close());

    it("listens on 127.0.0.1 for production and 127.0.0.2, same port, for staging, which GetRoutineStagingEnvIp names", async () => {
        const edge = new URL(String(emulator.edgeUrl));
        const staging = new URL(String(emulator.stagingEdgeUrl));
        assert.equal(edge.hostname, "127.0.0.1");
        assert.equal(staging.hostname, "127.0.0.2");
        assert.equal(staging.port, edge.port);
        const res = await client.getRoutineStagingEnvIp();
        assert.deepEqual(res.body?.IPV4, ["127.0.0.2"]);
    });

    it("serves each environment's own split and names the version in x-esa-code-version", async () => {
        await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V1, percentage: 100 }], { env: "production" }));
        await client.createRoutineCodeDeployment(deployRequest([{ codeVersion: V2, percentage: 100 }], { env: "staging" }));
        const prod = await get(String(emulator.edgeUrl));
        const stag = await get(String(emulator.stagingEdgeUrl));
        assert.deepEqual([prod.status, prod.version], [200, V1]);
        assert.deepEqual([stag.status, stag.version], [200, V2]);
        assert.match(prod.body, new RegExp(`${ROUTINE}.*${V1}`));
        assert.deepEqual(emulator.edgeCounts(), {
            [ROUTINE]: { production: { [V1]: { requests: 1, errors: 0 } }, staging: { [V2]: { requests: 1, errors: 0 } } },
        });
    });

    it("picks versions per request with the split's weights (400 requests, loose bounds)", async () => {
        await client.createRoutineCodeDeployment(
            deployRequest([
                { codeVersion: V1, percentage: 80 },
                { codeVersion: V2, percentage: 20 },
            ]),
        );
        const answers = await many(String(emulator.edgeUrl), 400);
        const v2 = answers.filter((a) => a.version === V2).length;
        assert.equal(answers.filter((a) => a.version === V1).length + v2, 400);
        // 20 % of 400 = 80, standard deviation 8: 40..130 fails once in far more than a million runs.
        assert.ok(v2 >= 40 && v2 <= 130, `V2 served ${v2} of 400`);
        assert.equal(emulator.edgeCounts()[ROUTINE].production?.[V2].requests, v2);
    });

    it("follows a change of the split at once (console change included)", async () => {
        emulator.setDeployment(ROUTINE, "production", [{ codeVersion: V1, percentage: 100 }]);
        assert.equal((await get(String(emulator.edgeUrl))).version, V1);
        emulator.setDeployment(ROUTINE, "production", [{ codeVersion: V2, percentage: 100 }]);
        assert.equal((await get(String(emulator.edgeUrl))).version, V2);
    });

    it("answers 404 with a text body for an unknown routine or an environment with nothing deployed", async () => {
        const unknown = await get(String(emulator.edgeUrl), "nobody.example.test");
        assert.equal(unknown.status, 404);
        assert.match(unknown.body, /No routine/);
        const nothing = await get(String(emulator.edgeUrl));
        assert.equal(nothing.status, 404);
        assert.match(nothing.body, /nothing deployed in production/);
        assert.equal(nothing.version, undefined);
    });

    it("falls back to the only routine when the Host names none", async () => {
        const single = await startEmulator({ routines: { solo: [V1] } });
        try {
            single.setDeployment("solo", "production", [{ codeVersion: V1, percentage: 100 }]);
            const res = await get(String(single.edgeUrl), new URL(String(single.edgeUrl)).host);
            assert.deepEqual([res.status, res.version], [200, V1]);
        } finally {
            await single.close();
        }
    });

    it("answers a version's 5xx share (errorRate) while the other stays healthy", async () => {
        emulator.setDeployment(ROUTINE, "production", [
            { codeVersion: V1, percentage: 50 },
            { codeVersion: V2, percentage: 50 },
        ]);
        emulator.setVersionBehaviour(ROUTINE, V2, { errorRate: 0.5 });
        const answers = await many(String(emulator.edgeUrl), 300);
        const v1 = answers.filter((a) => a.version === V1);
        const v2 = answers.filter((a) => a.version === V2);
        assert.ok(v1.every((a) => a.status === 200));
        const failed = v2.filter((a) => a.status >= 500).length;
        assert.ok(v2.length > 0 && failed / v2.length > 0.3 && failed / v2.length < 0.7, `${failed} of ${v2.length} failed`);
        assert.equal(emulator.edgeCounts()[ROUTINE].production?.[V2].errors, failed);
        assert.ok(
            v2.filter((a) => a.status >= 500).every((a) => a.version === V2),
            "failed answers name their version too",
        );
    });

    it("applies a forced status, a body and latency; undefined restores the default", async () => {
        emulator.setDeployment(ROUTINE, "production", [{ codeVersion: V1, percentage: 100 }]);
        emulator.setVersionBehaviour(ROUTINE, V1, { status: 503, body: "down", latencyMs: 150 });
        const started = Date.now();
        const slow = await get(String(emulator.edgeUrl));
        assert.ok(Date.now() - started >= 140, "latency added");
        assert.deepEqual([slow.status, slow.body, slow.version], [503, "down", V1]);
        emulator.setVersionBehaviour(ROUTINE, V1, undefined);
        assert.equal((await get(String(emulator.edgeUrl))).status, 200);
        assert.throws(() => emulator.setVersionBehaviour(ROUTINE, V1, { errorRate: 2 }), /errorRate/);
    });

    it("is controlled through the admin path too", async () => {
        emulator.setDeployment(ROUTINE, "production", [{ codeVersion: V1, percentage: 100 }]);
        const post = await fetch(`${emulator.endpoint}/__emulator/edge-behaviours`, {
            method: "POST",
            body: JSON.stringify({ name: ROUTINE, codeVersion: V1, behaviour: { status: 500 } }),
        });
        assert.equal(post.status, 200);
        assert.equal((await get(String(emulator.edgeUrl))).status, 500);
        const edge = (await (await fetch(`${emulator.endpoint}/__emulator/edge`)).json()) as Record<string, unknown>;
        assert.deepEqual(edge.behaviours, [{ routine: ROUTINE, codeVersion: V1, behaviour: { status: 500 } }]);
        assert.deepEqual(edge.counts, { [ROUTINE]: { production: { [V1]: { requests: 1, errors: 1 } } } });
        assert.equal((await fetch(`${emulator.endpoint}/__emulator/edge-counts`, { method: "DELETE" })).status, 200);
        assert.deepEqual(emulator.edgeCounts(), {});
        const bad = await fetch(`${emulator.endpoint}/__emulator/edge-behaviours`, {
            method: "POST",
            body: JSON.stringify({ name: ROUTINE, codeVersion: V1, behaviour: { latency: 5 } }),
        });
        assert.equal(bad.status, 400);
        const endpoints = (await (await fetch(`${emulator.endpoint}/__emulator/endpoints`)).json()) as Record<string, unknown>;
        assert.equal(endpoints.edgeUrl, emulator.edgeUrl);
        assert.deepEqual(endpoints.stagingIps, ["127.0.0.2"]);
    });

    it("reads the CLI's behaviour command", () => {
        assert.deepEqual(parseBehaviourArgs(["--routine", ROUTINE, "--version", V1, "--error-rate", "0.25", "--latency-ms", "100"]), {
            admin: "http://127.0.0.1:8787",
            routine: ROUTINE,
            codeVersion: V1,
            behaviour: { errorRate: 0.25, latencyMs: 100 },
        });
        assert.equal(
            parseBehaviourArgs(["--admin", "http://127.0.0.1:9000/", "--routine", "r", "--version", V2, "--clear"]).behaviour,
            null,
        );
        assert.throws(() => parseBehaviourArgs(["--routine", "r", "--version", V2, "--error-rate", "1.5"]), /errorRate/);
        assert.throws(() => parseBehaviourArgs(["--routine", "r"]), /--version/);
    });

    it("sets a behaviour on a running emulator with `npm run emulator -- behaviour …`", async () => {
        emulator.setDeployment(ROUTINE, "production", [{ codeVersion: V2, percentage: 100 }]);
        const write = process.stdout.write;
        let printed = "";
        process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
        try {
            await cliMain(["behaviour", "--admin", emulator.endpoint, "--routine", ROUTINE, "--version", V2, "--status", "502"]);
        } finally {
            process.stdout.write = write;
        }
        assert.match(printed, /Edge behaviour of hello-edge/);
        assert.equal((await get(String(emulator.edgeUrl))).status, 502);
    });

    it("can go without the edge", async () => {
        const bare = await startEmulator({ edge: false });
        try {
            assert.equal(bare.edgeUrl, undefined);
        } finally {
            await bare.close();
        }
    });

    it("falls back to another port on 127.0.0.1 for staging where the staging address cannot be bound", async () => {
        const store = new Store(Store.seedData({ [ROUTINE]: [V1, V2] }));
        store.deploy(ROUTINE, "production", [{ codeVersion: V1, percentage: 100 }]);
        store.deploy(ROUTINE, "staging", [{ codeVersion: V2, percentage: 100 }]);
        // 192.0.2.1 (TEST-NET-1) is never a local address.
        const edge = await startEdge({ store, state: new EdgeState(), random: Math.random }, 0, "192.0.2.1");
        try {
            assert.equal(edge.stagingOnOwnAddress, false);
            assert.equal(edge.stagingIp, "127.0.0.1");
            assert.notEqual(new URL(edge.stagingUrl).port, new URL(edge.url).port);
            assert.equal((await get(edge.url)).version, V1);
            assert.equal((await get(edge.stagingUrl)).version, V2);
        } finally {
            await edge.close();
        }
    });

    describe("pickVersion", () => {
        it("maps [0, 1) onto the split's percentages in order", () => {
            const split = [
                { codeVersion: "a", percentage: 10 },
                { codeVersion: "b", percentage: 90 },
            ];
            assert.equal(
                pickVersion(split, () => 0),
                "a",
            );
            assert.equal(
                pickVersion(split, () => 0.0999),
                "a",
            );
            assert.equal(
                pickVersion(split, () => 0.1),
                "b",
            );
            assert.equal(
                pickVersion(split, () => 0.9999),
                "b",
            );
            assert.equal(
                pickVersion([], () => 0.5),
                undefined,
            );
        });
    });
});
