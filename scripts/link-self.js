// Links this repository into its own node_modules under its published name, the way
// `npm link` would, so that the examples, the root quickstart and the end-to-end tests
// load the package exactly as a consumer's program does: `import ... from
// "esa-routine-deployment"`, and the serialized provider's `require` of
// "esa-routine-deployment/provider" from the program's directory.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const { name } = require(path.join(root, "package.json"));
const link = path.join(root, "node_modules", name);

fs.mkdirSync(path.dirname(link), { recursive: true });
try {
    if (fs.realpathSync(link) === fs.realpathSync(root)) process.exit(0);
    fs.rmSync(link, { recursive: true, force: true });
} catch {
    // No link yet.
}
fs.symlinkSync(path.relative(path.dirname(link), root), link, "dir");
