/**
 * What the native-path end-to-end tests share: the language hosts they need (built by the
 * one-time setup next to `pulumi`; missing is a failure, never a skip).
 */
import * as fs from "fs";
import * as path from "path";
import { pulumiBinDir, repoRoot } from "../../scripts/toolchain";

/** Fails with what to run when the language host for `runtime` is not beside `pulumi`. */
export function requireLanguageHost(runtime: "yaml" | "nodejs" | "go" | "python"): void {
    const host = path.join(pulumiBinDir(), `pulumi-language-${runtime}`);
    if (!fs.existsSync(host)) throw new Error(`${host} is missing: run \`npm run setup\` (it builds the language hosts once per machine).`);
    if (!fs.existsSync(path.join(repoRoot, "dist", "provider", "plugin", "main.js"))) {
        throw new Error("dist/ is missing: run `npm run build` first (the native plugin runs the compiled package).");
    }
}
