/**
 * The provider object that Pulumi serializes into every resource's state (SPEC §7).
 *
 * Pulumi stores the *code* of a dynamic provider in the state and runs that copy for
 * refresh and destroy. Storing our whole implementation would bloat every resource,
 * freeze old code into old state, and show a diff on every package upgrade. So what is
 * stored is only this shim: each method loads the implementation installed next to the
 * program (`require` resolves from the directory Pulumi runs the program in) and
 * delegates to it. The shim captures nothing but the module name: no credentials, no
 * clients, no version number, so it is byte-for-byte the same across releases.
 *
 * Keep it free of imports and of references to anything outside this file: the
 * serializer would copy them into the state.
 */
import type { RoutineCodeDeploymentProvider } from "./index";

const IMPLEMENTATION = "esa-routine-deployment/provider";

function implementation(): RoutineCodeDeploymentProvider {
    let loaded: any;
    try {
        loaded = require(IMPLEMENTATION);
    } catch (error: any) {
        throw new Error(
            `The RoutineCodeDeployment provider could not load "${IMPLEMENTATION}" from ${process.cwd()}: ` +
                `install the package in the Pulumi program's directory (npm install esa-routine-deployment). (${error?.message ?? error})`,
        );
    }
    return loaded.provider;
}

export const providerShim: RoutineCodeDeploymentProvider = {
    async configure(request) {
        return implementation().configure(request);
    },
    async check(olds, news) {
        return implementation().check(olds, news);
    },
    async diff(id, olds, news) {
        return implementation().diff(id, olds, news);
    },
    async create(inputs) {
        return implementation().create(inputs);
    },
    async read(id, props) {
        return implementation().read(id, props);
    },
    async update(id, olds, news) {
        return implementation().update(id, olds, news);
    },
    async delete(id, props) {
        return implementation().delete(id, props);
    },
};
