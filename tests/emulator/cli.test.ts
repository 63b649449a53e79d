/**
 * `npm run emulator`: argument parsing, the seed file, what is printed, and a clean exit
 * on SIGTERM / SIGINT.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { EventEmitter } from "node:events";
import { DEMO_ROUTINES, DEFAULT_CLI_PORT, loadSeed, parseCliArgs, startupBanner, stopOnSignals } from "../../emulator/cli";
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, startEmulator } from "../../emulator";

describe("emulator: command line", () => {
    let dir: string;
    before(() => {
        dir = mkdtempSync(join(tmpdir(), "esa-emulator-cli-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("defaults to port 8787 and the demo routine hello-edge with two versions", () => {
        const { options } = parseCliArgs([]);
        assert.equal(options.port, DEFAULT_CLI_PORT);
        assert.equal(DEFAULT_CLI_PORT, 8787);
        assert.deepEqual(options.routines, DEMO_ROUTINES);
        assert.equal(DEMO_ROUTINES["hello-edge"].length, 2);
        assert.equal(options.statePath, undefined);
    });

    it("reads --port, --state and --seed", () => {
        const seed = join(dir, "seed.json");
        writeFileSync(seed, JSON.stringify({ routines: { api: ["1723599747213377175"] }, envOrder: ["staging", "production"] }));
        const { options } = parseCliArgs(["--port", "9000", "--state", join(dir, "s.json"), "--seed", seed]);
        assert.equal(options.port, 9000);
        assert.equal(options.statePath, join(dir, "s.json"));
        assert.deepEqual(options.routines, { api: ["1723599747213377175"] });
        assert.deepEqual(options.envOrder, ["staging", "production"]);
    });

    it("rejects a bad port, an unknown flag and unknown seed keys", () => {
        assert.throws(() => parseCliArgs(["--port", "eighty"]), /--port/);
        assert.throws(() => parseCliArgs(["--verbose"]));
        const seed = join(dir, "bad-seed.json");
        writeFileSync(seed, JSON.stringify({ routine: {} }));
        assert.throws(() => loadSeed(seed), /unknown seed keys routine/);
    });

    it("reads --https, --https-port, --ca-dir, --edge-port, --no-edge, --version-quota, --build-delay-ms and --round-trip-ms", () => {
        const fixed = parseCliArgs([
            "--https",
            "--edge-port",
            "9100",
            "--version-quota",
            "5",
            "--build-delay-ms",
            "0",
            "--round-trip-ms",
            "30",
        ]).options;
        assert.equal(fixed.roundTripMs, 30);
        assert.throws(() => parseCliArgs(["--round-trip-ms", "-1"]), /--round-trip-ms/);
        assert.deepEqual(fixed.https, { port: 8788, caDir: undefined });
        assert.deepEqual(fixed.edge, { port: 9100 });
        assert.equal(fixed.versionQuota, 5);
        assert.equal(fixed.buildDelayMs, 0);
        assert.deepEqual(parseCliArgs(["--ca-dir", dir]).options.https, { port: 8788, caDir: dir }, "--ca-dir implies --https");
        assert.equal(parseCliArgs(["--no-edge"]).options.edge, false);
        assert.equal(parseCliArgs([]).options.https, undefined);
        assert.deepEqual(parseCliArgs([]).options.edge, { port: 8789 });
        const anyPort = parseCliArgs(["--port", "0", "--https"]).options;
        assert.deepEqual(
            [anyPort.https, anyPort.edge],
            [{ port: 0, caDir: undefined }, { port: 0 }],
            "--port 0: every server picks a free port",
        );
        assert.throws(() => parseCliArgs(["--version-quota", "-1"]), /--version-quota/);
    });

    it("prints the HTTPS endpoint with its NODE_EXTRA_CA_CERTS line, the upload URL and the edge", async () => {
        const emulator = await startEmulator({ routines: DEMO_ROUTINES, https: { caDir: join(dir, "ca") } });
        try {
            const banner = startupBanner(emulator, { routines: DEMO_ROUTINES });
            assert.ok(banner.includes(`export NODE_EXTRA_CA_CERTS=${join(dir, "ca", "ca.pem")}`));
            assert.ok(banner.includes(`pulumi config set esa:endpoint ${emulator.httpsEndpoint}`));
            assert.ok(banner.includes(emulator.uploadUrl));
            assert.ok(banner.includes(`production ${emulator.edgeUrl}, staging ${emulator.stagingEdgeUrl}`));
        } finally {
            await emulator.close();
        }
    });

    it("prints the endpoint, the test AccessKey pair and how to point a stack at it", async () => {
        const emulator = await startEmulator({ routines: DEMO_ROUTINES });
        try {
            const banner = startupBanner(emulator, { routines: DEMO_ROUTINES });
            assert.ok(banner.includes(emulator.endpoint));
            assert.ok(banner.includes(`pulumi config set esa:endpoint ${emulator.endpoint}`));
            assert.ok(banner.includes(`ALIBABA_CLOUD_ACCESS_KEY_ID=${DEFAULT_ACCESS_KEY_ID}`));
            assert.ok(banner.includes(`ALIBABA_CLOUD_ACCESS_KEY_SECRET=${DEFAULT_ACCESS_KEY_SECRET}`));
            assert.ok(banner.includes("hello-edge"));
        } finally {
            await emulator.close();
        }
    });

    it("does not print a secret that came from a seed file", async () => {
        const accessKeys = { LTAI5tCustomSeedKey: "custom-seed-secret-do-not-print" };
        const emulator = await startEmulator({ accessKeys });
        try {
            const banner = startupBanner(emulator, { accessKeys });
            assert.ok(banner.includes("LTAI5tCustomSeedKey"));
            assert.ok(!banner.includes("custom-seed-secret-do-not-print"));
        } finally {
            await emulator.close();
        }
    });

    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        it(`on ${signal}, closes the server and exits with status 0`, async () => {
            const emulator = await startEmulator({});
            const fake = Object.assign(new EventEmitter(), {
                exitCode: undefined as number | undefined,
                stdout: { write: () => true },
                exit(code: number) {
                    this.exitCode = code;
                },
            });
            let exited!: () => void;
            const done = new Promise<void>((ok) => (exited = ok));
            const exit = fake.exit.bind(fake);
            fake.exit = (code: number) => {
                exit(code);
                exited();
            };
            stopOnSignals(emulator, fake);
            await fetch(`${emulator.endpoint}/__emulator/state`);
            fake.emit(signal);
            await done;
            assert.equal(fake.exitCode, 0);
            await assert.rejects(fetch(`${emulator.endpoint}/__emulator/state`), "the server is closed");
        });
    }

    it("runs as `npm run emulator` does: serves the demo routine until SIGTERM, then exits 0", async function () {
        this.timeout(15_000);
        const child = spawn(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", resolve(__dirname, "../../emulator/cli.ts"), "--port", "0"],
            { cwd: resolve(__dirname, "../.."), stdio: ["ignore", "pipe", "pipe"] },
        );
        try {
            const endpoint = await new Promise<string>((ok, fail) => {
                let out = "";
                child.stdout.on("data", (chunk: Buffer) => {
                    out += chunk.toString();
                    const m = /listening on (http:\/\/\S+)/.exec(out);
                    if (m) ok(m[1]);
                });
                child.once("exit", (code) => fail(new Error(`exited early (${code}): ${out}`)));
            });
            const state = (await (await fetch(`${endpoint}/__emulator/state`)).json()) as { routines: Record<string, unknown> };
            assert.ok(state.routines["hello-edge"], "serves the demo routine");
            const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
            child.kill("SIGTERM");
            assert.equal(await exited, 0);
        } finally {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        }
    });
});
