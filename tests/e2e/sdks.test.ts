/**
 * The committed Python and Go SDKs are what Pulumi's generators make of the committed
 * schema (`npm run sdk` regenerates all three), and they name the plugin and the version
 * that `esa-routine-deployment plugin install` puts in place.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../../scripts/toolchain/cli";
import { filesUnder, generateSdks } from "../../scripts/toolchain/sdkgen";

describe("the generated SDKs", function () {
    this.timeout(15 * 60_000);
    let out: string;

    before(() => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "esa-sdks-"));
        generateSdks(out);
    });
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    for (const language of ["python", "go"]) {
        it(`sdk/${language} is exactly what the generator makes of provider/schema.json (run \`npm run sdk\`)`, () => {
            const committed = filesUnder(path.join(repoRoot, "sdk", language));
            const generated = filesUnder(path.join(out, language));
            assert.deepEqual([...committed.keys()].sort(), [...generated.keys()].sort());
            const differing = [...generated].filter(([file, bytes]) => !bytes.equals(committed.get(file)!)).map(([file]) => file);
            assert.deepEqual(differing, []);
        });
    }

    it("names the plugin and version that plugin install puts in place", () => {
        const version = require(path.join(repoRoot, "package.json")).version;
        for (const file of ["sdk/python/pulumi_esa/pulumi-plugin.json", "sdk/go/esa/pulumi-plugin.json", "sdk/go/pulumi-plugin.json"]) {
            assert.deepEqual(
                JSON.parse(fs.readFileSync(path.join(repoRoot, file), "utf8")),
                { resource: true, name: "esa", version },
                file,
            );
        }
    });
});
