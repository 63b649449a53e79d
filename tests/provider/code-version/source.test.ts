/**
 * The program side of `RoutineCodeVersion`: code as a string, a StringAsset or a
 * FileAsset, static assets as a directory or a zip, turned into the exact bytes uploaded,
 * stored under their hash, reproducibly (the same content always gives the same hash, so
 * an unchanged program never plans a new version).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadSource, sha256 } from "../../../provider/code-version/source";
import { prepareSource as prepareOrProblem } from "../../../provider/code-version/prepare";
import type { PreparedSource } from "../../../provider/code-version/source";

/** The prepared source; a problem fails, its property and reason in the message. */
async function prepareSource(code: unknown, assets: unknown): Promise<PreparedSource> {
    const prepared = await prepareOrProblem(code, assets);
    if ("problem" in prepared) throw new Error(`${prepared.problem.property}: ${prepared.problem.reason}`);
    return prepared;
}

describe("RoutineCodeVersion: preparing the source", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "code-version-source-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a string, a StringAsset and a FileAsset of the same code are the same source", async () => {
        const code = "export default { fetch() { return new Response('same') } }";
        fs.writeFileSync(path.join(dir, "index.js"), code);
        const prepared = await Promise.all([
            prepareSource(code, undefined),
            prepareSource(new pulumi.asset.StringAsset(code), undefined),
            prepareSource(new pulumi.asset.FileAsset(path.join(dir, "index.js")), undefined),
        ]);
        assert.deepEqual(new Set(prepared.map((p) => p.hash)).size, 1);
        assert.equal(prepared[0].kind, "script");
        assert.equal(prepared[0].hash, sha256(code));
        assert.equal(Buffer.from(loadSource(prepared[0].file, prepared[0].hash)).toString(), code);
    });

    it("assets from a directory or a zip make the same reproducible zip; a changed file changes the hash", async () => {
        const site = path.join(dir, "site");
        fs.mkdirSync(path.join(site, "css"), { recursive: true });
        fs.writeFileSync(path.join(site, "index.html"), "<h1>hi</h1>");
        fs.writeFileSync(path.join(site, "css", "a.css"), "h1{}");
        const first = await prepareSource("export default {}", new pulumi.asset.FileArchive(site));
        const again = await prepareSource("export default {}", new pulumi.asset.FileArchive(site));
        assert.equal(first.kind, "assets");
        assert.equal(again.hash, first.hash);
        const { unzipSync, zipSync } = require("fflate");
        const files = unzipSync(fs.readFileSync(first.file));
        assert.deepEqual(Object.keys(files).sort(), ["assets/css/a.css", "assets/index.html", "routine/index.js"]);

        const zip = path.join(dir, "site.zip");
        fs.writeFileSync(zip, zipSync({ "index.html": Buffer.from("<h1>hi</h1>"), "css/a.css": Buffer.from("h1{}") }));
        assert.equal((await prepareSource("export default {}", new pulumi.asset.FileArchive(zip))).hash, first.hash);

        fs.writeFileSync(path.join(site, "index.html"), "<h1>changed</h1>");
        assert.notEqual((await prepareSource("export default {}", new pulumi.asset.FileArchive(site))).hash, first.hash);
    });

    it("refuses what it cannot upload, naming the property and what to use instead; a missing file too, never throwing in the program", async () => {
        assert.deepEqual(await prepareOrProblem(null, undefined), {
            problem: {
                property: "code",
                reason: "code must be a string, a pulumi.asset.FileAsset or a pulumi.asset.StringAsset, got object.",
            },
        });
        const missing = await prepareOrProblem(new pulumi.asset.FileAsset(path.join(dir, "gone.js")), undefined);
        assert.ok("problem" in missing && missing.problem.property === "code" && /ENOENT|no such file/.test(missing.problem.reason));
        const assets = await prepareOrProblem("x", 5);
        assert.ok("problem" in assets && assets.problem.property === "assets", JSON.stringify(assets));
        await assert.rejects(
            prepareSource(new pulumi.asset.RemoteAsset("https://example.com/a.js"), undefined),
            /RemoteAsset is not supported/,
        );
        await assert.rejects(prepareSource(42, undefined), /code must be a string, a pulumi.asset.FileAsset or a pulumi.asset.StringAsset/);
        fs.writeFileSync(path.join(dir, "not-an-archive.txt"), "x");
        await assert.rejects(
            prepareSource("x", new pulumi.asset.FileArchive(path.join(dir, "not-an-archive.txt"))),
            /^Error: assets: .*neither a directory nor a .zip/,
        );
    });

    it("a source prepared again is kept when week-old ones are removed", async () => {
        const old = await prepareSource("export default 'old but used'", undefined);
        const weekAgo = new Date(Date.now() - 8 * 24 * 3600_000);
        fs.utimesSync(old.file, weekAgo, weekAgo);
        const unused = await prepareSource("export default 'old and unused'", undefined);
        fs.utimesSync(unused.file, weekAgo, weekAgo);
        await prepareSource("export default 'old but used'", undefined);
        await prepareSource(`export default 'new ${Date.now()}'`, undefined);
        assert.ok(fs.existsSync(old.file));
        assert.ok(!fs.existsSync(unused.file));
    });

    it("a missing prepared file says how to recover", () => {
        assert.throws(() => loadSource(path.join(dir, "gone.js"), "0".repeat(64)), /written when the Pulumi program runs/);
    });
});
