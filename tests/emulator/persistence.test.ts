/**
 * statePath: routines, versions and deployments survive a restart, ids keep increasing
 * across it, and reset() returns to the state loaded at start.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "../../emulator";
import { strToU8, zipSync } from "fflate";
import { $esa, ROUTINE, V1, V2, V3, callAction, commitCode, deployRequest, rawMultipart, sdkClient, sleep } from "./helpers";

describe("emulator: persistence (statePath)", () => {
    let dir: string;
    before(() => {
        dir = mkdtempSync(join(tmpdir(), "esa-emulator-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("keeps routines, versions and deployments across a restart, and continues the ids", async () => {
        const statePath = join(dir, "nested", "state.json");
        const first = await startEmulator({ statePath, routines: { [ROUTINE]: [V1, V2] } });
        let deploymentId: string | undefined;
        let committed: string;
        try {
            const client = sdkClient(first.host);
            deploymentId = (
                await client.createRoutineCodeDeployment(
                    deployRequest([
                        { codeVersion: V1, percentage: 75 },
                        { codeVersion: V2, percentage: 25 },
                    ]),
                )
            ).body?.deploymentId;
            committed = await commitCode(client, ROUTINE, "export default { persisted: true }");
            // Written as changes happen, not only at close.
            const onDisk = JSON.parse(readFileSync(statePath, "utf8"));
            assert.equal(onDisk.formatVersion, 1);
            assert.equal(onDisk.routines[ROUTINE].history.production.at(-1).deploymentId, deploymentId);
        } finally {
            await first.close();
        }

        // A different seed is ignored: the file wins.
        const second = await startEmulator({ statePath, routines: { unrelated: [V3] } });
        try {
            const state = second.state();
            assert.deepEqual(Object.keys(state.routines), [ROUTINE]);
            assert.deepEqual(
                state.routines[ROUTINE].versions.map((v) => v.codeVersion),
                [committed, V2, V1],
            );
            const client = sdkClient(second.host);
            const live = (await client.getRoutine(new $esa.GetRoutineRequest({ name: ROUTINE }))).body?.envs?.find(
                (e) => e.env === "production",
            )?.codeDeploy;
            assert.equal(live?.deployId, deploymentId);
            assert.deepEqual(
                live?.codeVersions?.map((c) => [c.codeVersion, c.percentage]),
                [
                    [V1, 75],
                    [V2, 25],
                ],
            );

            const next = await client.createRoutineCodeDeployment(
                deployRequest([{ codeVersion: V2, percentage: 100 }], { env: "staging" }),
            );
            assert.ok(Number(next.body?.deploymentId) > Number(deploymentId));
            // The code of a version and the staging slot survive the restart: a commit without a
            // new upload snapshots the code staged before it.
            const code = await client.getRoutineCodeVersion(
                new $esa.GetRoutineCodeVersionRequest({ name: ROUTINE, codeVersion: committed }),
            );
            assert.equal(Buffer.from(String(code.body?.routineCode), "base64").toString("utf8"), "export default { persisted: true }");
            const newer = (await client.commitRoutineStagingCode(new $esa.CommitRoutineStagingCodeRequest({ name: ROUTINE }))).body
                ?.codeVersion;
            assert.ok(BigInt(String(newer)) > BigInt(String(committed)));

            // reset() goes back to what was loaded, and writes that to the file too.
            second.reset();
            assert.equal(second.state().routines[ROUTINE].deployments.staging, undefined);
            assert.equal(second.state().routines[ROUTINE].deployments.production?.deploymentId, deploymentId);
            assert.equal(JSON.parse(readFileSync(statePath, "utf8")).routines[ROUTINE].history.staging.length, 0);
        } finally {
            await second.close();
        }
    });

    it("keeps a build in progress across a restart: the version becomes available on time", async () => {
        const statePath = join(dir, "building.json");
        const first = await startEmulator({ statePath, routines: { [ROUTINE]: [V1] }, buildDelayMs: 800, edge: false });
        let id: string;
        try {
            const created = await callAction(sdkClient(first.host), "CreateRoutineWithAssetsCodeVersion", { Name: ROUTINE }, "json");
            id = String(created.CodeVersion);
            const config = created.OssPostConfig as Record<string, string>;
            const { body, contentType } = rawMultipart(
                [
                    ["OSSAccessKeyId", config.OSSAccessKeyId],
                    ["policy", config.Policy],
                    ["Signature", config.Signature],
                    ["key", config.Key],
                    ["x-oss-security-token", config.XOssSecurityToken],
                ],
                Buffer.from(zipSync({ "routine/index.js": strToU8("export default 1;") })),
            );
            assert.equal((await fetch(config.Url, { method: "POST", headers: { "content-type": contentType }, body })).status, 200);
        } finally {
            await first.close();
        }
        const second = await startEmulator({ statePath, edge: false });
        try {
            const status = async () =>
                (await callAction(sdkClient(second.host), "GetRoutineCodeVersionInfo", { Name: ROUTINE, CodeVersion: id })).Status;
            assert.equal(await status(), "init");
            const deadline = Date.now() + 3000;
            while ((await status()) === "init" && Date.now() < deadline) await sleep(50);
            assert.equal(await status(), "available");
        } finally {
            await second.close();
        }
    });

    it("writes the seed to a new state file at start", async () => {
        const statePath = join(dir, "fresh.json");
        const emulator = await startEmulator({ statePath, routines: { [ROUTINE]: [V1] } });
        await emulator.close();
        assert.deepEqual(
            JSON.parse(readFileSync(statePath, "utf8")).routines[ROUTINE].versions.map((v: { codeVersion: string }) => v.codeVersion),
            [V1],
        );
    });

    it("refuses to start from a file that is not a state file", async () => {
        const statePath = join(dir, "other.json");
        writeFileSync(statePath, JSON.stringify({ hello: "world" }));
        await assert.rejects(startEmulator({ statePath }), /not an ESA emulator state file/);
    });

    it("refuses seed version ids that are not 19-digit strings", async () => {
        await assert.rejects(startEmulator({ routines: { [ROUTINE]: ["12345"] } }), /19-digit/);
    });
});
