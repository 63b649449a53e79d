/**
 * `npx esa-routine-deployment plugin install`: puts the native plugin where the Pulumi CLI
 * looks for it (README: Every Pulumi language), so that a Python, Go or YAML program
 * finds `esa` with no `plugins:` section in its Pulumi.yaml.
 *
 * The plugin is Node.js code with its dependencies, so what goes into Pulumi's plugin
 * cache (`$PULUMI_HOME/plugins/resource-esa-v<version>/`) is a launcher that runs this
 * installed package with this Node.js. The package must stay installed where it is (an
 * `npm install -g esa-routine-deployment` is the usual home); after an upgrade, run the
 * command again for the new version.
 *
 * It uses `pulumi plugin install resource esa <version> --file <dir>` when the CLI is on
 * PATH, and otherwise writes the cache folder itself.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const PACKAGE_ROOT = path.resolve(__dirname, "..", "..", "..");

/** The launcher's text: this Node.js (or `node` on PATH, if it is gone) running this package's plugin. */
export function launcherText(nodePath = process.execPath, root = PACKAGE_ROOT): string {
    const main = path.join(root, "dist", "provider", "plugin", "main.js");
    const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
    return [
        "#!/bin/sh",
        "# The esa native provider plugin, installed by `esa-routine-deployment plugin install`.",
        `main=${quote(main)}`,
        `node=${quote(nodePath)}`,
        '[ -x "$node" ] || node=node',
        'if [ ! -f "$main" ]; then',
        '  echo "pulumi-resource-esa: $main is gone (the esa-routine-deployment package was removed or moved); install it again and run: npx esa-routine-deployment plugin install" >&2',
        "  exit 1",
        "fi",
        'exec "$node" -e \'require(process.argv[1]).run()\' "$main" "$@"',
        "",
    ].join("\n");
}

export function installPlugin(options: { version?: string; pulumiHome?: string; log?: (line: string) => void } = {}): string {
    const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
    const version = options.version ?? require(path.join(PACKAGE_ROOT, "package.json")).version;
    const staging = fs.mkdtempSync(path.join(os.tmpdir(), "esa-plugin-"));
    try {
        const launcher = path.join(staging, "pulumi-resource-esa");
        fs.writeFileSync(launcher, launcherText(), { mode: 0o755 });
        const home = options.pulumiHome ?? process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
        const target = path.join(home, "plugins", `resource-esa-v${version}`);
        try {
            execFileSync("pulumi", ["plugin", "install", "resource", "esa", version, "--file", staging, "--reinstall"], {
                stdio: ["ignore", "ignore", "pipe"],
                env: { ...process.env, PULUMI_HOME: home },
            });
        } catch (error: any) {
            if (error?.code !== "ENOENT") {
                const said = String(error?.stderr ?? error?.message ?? error).trim();
                throw new Error(`pulumi plugin install failed: ${said}`, { cause: error });
            }
            // No `pulumi` on PATH: write the cache folder the CLI reads.
            fs.rmSync(target, { recursive: true, force: true });
            fs.mkdirSync(target, { recursive: true });
            fs.copyFileSync(launcher, path.join(target, "pulumi-resource-esa"));
            fs.chmodSync(path.join(target, "pulumi-resource-esa"), 0o755);
        }
        log(`Installed the esa provider plugin v${version} into ${target}`);
        log(`It runs ${path.join(PACKAGE_ROOT, "dist", "provider", "plugin", "main.js")} with ${process.execPath}.`);
        return target;
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
}
