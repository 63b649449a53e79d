// The setup `npm run demo` and `npm test` begin with, in plain Node (nothing from
// node_modules may run before it), so that both work on a fresh clone:
//   1. dependencies: `npm ci` when node_modules lacks any of package.json's (its
//      `prepare` links the package to itself and builds dist/);
//   2. the Pulumi CLI and its language hosts (Node.js and YAML; more on request, see
//      ESA_LANGUAGE_HOSTS there): scripts/install-pulumi.sh, at once when cached on this
//      machine, otherwise built from Go modules (minutes, once).
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const manifest = require(path.join(root, "package.json"));

function missingDependencies() {
    const names = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
    return names.filter((name) => !fs.existsSync(path.join(root, "node_modules", name, "package.json")));
}

const missing = missingDependencies();
if (missing.length > 0) {
    const what = fs.existsSync(path.join(root, "node_modules")) ? `${missing.length} missing, e.g. ${missing[0]}` : "no node_modules";
    console.error(`setup: installing dependencies with npm ci (${what})`);
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
}

execFileSync("bash", [path.join(root, "scripts", "install-pulumi.sh")], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
