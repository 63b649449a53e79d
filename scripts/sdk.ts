/**
 * `npm run sdk`: writes the package schema (`provider/schema.json`) from the resources'
 * shapes, then the Python and Go SDKs from it (`sdk/python`, `sdk/go`). All of it is
 * committed; the tests fail when any of it differs from what this writes.
 */
import * as fs from "fs";
import * as path from "path";
import { schemaText } from "../provider/plugin/schema";
import { repoRoot } from "./toolchain/cli";
import { generateSdks } from "./toolchain/sdkgen";

const version = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")).version;
fs.writeFileSync(path.join(repoRoot, "provider", "schema.json"), schemaText(version));
generateSdks(path.join(repoRoot, "sdk"));
console.log("wrote provider/schema.json, sdk/python and sdk/go");
