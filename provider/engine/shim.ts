/**
 * The provider code that Pulumi stores in every resource's state (README: Details).
 *
 * The engine runs a dynamic resource's provider from the `__provider` property: the
 * dynamic-provider plugin evaluates that text as a module and calls its `handler()` to
 * get the provider object. For refresh and destroy it uses the copy stored in the state.
 *
 * `pulumi.dynamic.Resource` fills `__provider` by serializing a provider object's
 * closures: for seven delegating methods that is 2.6 KB at the very least, stored twice
 * per resource (inputs and outputs), and it would copy whatever those closures capture.
 * So `RoutineCodeDeployment` sets `__provider` itself to this hand-written loader
 * instead: about 0.4 KB, no captured values (so no credentials, no clients, no version
 * number), byte-for-byte the same across releases (so an upgrade shows no diff), and it
 * loads the implementation installed next to the program (so refresh and destroy run
 * the installed code, not a stale copy). `require` resolves from the directory the
 * engine starts the plugin in: the Pulumi program's.
 *
 * Never change this text lightly: every existing stack stores it.
 */
const IMPLEMENTATION_MODULE = "esa-routine-deployment/provider";

/**
 * `RoutineCodeDeployment`'s loader, exactly as every existing stack stores it (its
 * first form, kept byte for byte).
 */
export const serializedProvider = `exports.handler = function () {
    var name = "${IMPLEMENTATION_MODULE}";
    try {
        return require(name).provider;
    } catch (error) {
        throw new Error("RoutineCodeDeployment: cannot load " + name + " from " + process.cwd() +
            ": install esa-routine-deployment in the Pulumi program's directory (npm install esa-routine-deployment). " + error.message);
    }
};
`;

/**
 * The loader of a later resource type's provider (`Routine`, `RoutineCodeVersion`):
 * `exportName` is the export of `esa-routine-deployment/provider` that holds it. One
 * line, with the same advice in fewer words, since each resource stores it twice.
 */
export function loaderFor(resource: string, exportName: string): string {
    return (
        `exports.handler = () => { try { return require("${IMPLEMENTATION_MODULE}").${exportName}; } catch (e) { ` +
        `throw new Error("${resource}: run npm install esa-routine-deployment in " + process.cwd() + ". " + e.message); } };\n`
    );
}
