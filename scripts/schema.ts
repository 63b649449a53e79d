/**
 * Writes the package schema (`provider/schema.json`) from the resources' declared shapes;
 * a test fails when the committed file differs. Run: `npm run schema`.
 */
import * as fs from "fs";
import * as path from "path";
import { schemaText } from "../provider/plugin/schema";

const root = path.resolve(__dirname, "..");
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
fs.writeFileSync(path.join(root, "provider", "schema.json"), schemaText(version));
console.log("wrote provider/schema.json");
