/**
 * The package schema (`provider/schema.json`) every language reads: derived from the
 * resources' declared shapes, committed as derived, typed (no unions), and in step with
 * what the providers take as inputs and what the native plugin serves.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { INPUT_KEYS as CODE_VERSION_INPUTS } from "../../../provider/code-version/types";
import { INPUT_KEYS as DEPLOYMENT_INPUTS } from "../../../provider/deployment/types";
import { ROUTINE_INPUT_KEYS } from "../../../provider/routine/types";
import { servedResources } from "../../../provider/plugin/resources";
import { packageSchema, schemaText } from "../../../provider/plugin/schema";
import { CONFIG_KEYS } from "../../../provider/esa/config";

const root = path.resolve(__dirname, "..", "..", "..");
const version = require(path.join(root, "package.json")).version;
const schema = packageSchema(version) as any;

describe("native plugin: the package schema", () => {
    it("is committed as the shapes derive it (run `npm run sdk` after changing a shape)", () => {
        assert.equal(fs.readFileSync(path.join(root, "provider", "schema.json"), "utf8"), schemaText(version));
    });

    it("has no unions, so typed languages get typed classes", () => {
        assert.ok(!JSON.stringify(schema).includes('"oneOf"'));
    });

    it("refers only to types it defines", () => {
        const refs = [...JSON.stringify(schema).matchAll(/"\$ref":"#\/types\/([^"]+)"/g)].map((m) => m[1]);
        assert.ok(refs.length > 0);
        for (const ref of refs) assert.ok(schema.types[ref], `${ref} is not defined`);
    });

    it("declares the resources the plugin serves, under esa:index tokens", () => {
        assert.deepEqual(Object.keys(schema.resources).sort(), [...servedResources().keys()].sort());
    });

    it("takes as inputs what the providers take (the source of a version consumed by check)", () => {
        const inputs = (token: string) => Object.keys(schema.resources[token].inputProperties);
        assert.deepEqual(inputs("esa:index:RoutineCodeDeployment"), [...DEPLOYMENT_INPUTS]);
        assert.deepEqual(inputs("esa:index:Routine"), [...ROUTINE_INPUT_KEYS]);
        const versionInputs = inputs("esa:index:RoutineCodeVersion");
        assert.deepEqual(
            versionInputs.filter((k) => k !== "code" && k !== "assets"),
            CODE_VERSION_INPUTS.filter((k) => versionInputs.includes(k)),
        );
        assert.deepEqual(schema.resources["esa:index:RoutineCodeVersion"].inputProperties.code, {
            $ref: "pulumi.json#/Asset",
            description: schema.resources["esa:index:RoutineCodeVersion"].inputProperties.code.description,
        });
        assert.ok(!("code" in schema.resources["esa:index:RoutineCodeVersion"].properties), "the source is no output");
    });

    it("marks replacing inputs and secret credentials", () => {
        assert.equal(schema.resources["esa:index:RoutineCodeDeployment"].inputProperties.env.willReplaceOnChanges, true);
        assert.equal(schema.resources["esa:index:RoutineCodeDeployment"].inputProperties.codeVersions.willReplaceOnChanges, undefined);
        for (const key of ["accessKey", "secretKey", "securityToken"]) assert.equal(schema.config.variables[key].secret, true, key);
    });

    it("names every esa:* stack config key the providers read", () => {
        const read = Object.values(CONFIG_KEYS)
            .flat()
            .filter((k) => k.startsWith("esa:"))
            .map((k) => k.slice(4));
        for (const key of read) assert.ok(schema.config.variables[key], key);
    });
});
