/**
 * The program every language's end-to-end test runs, declared once: what a user of that
 * language writes, as data. Each language (`./yaml`, `./python`, `./go`) turns it into
 * its own files; `../native-languages.test.ts` runs the same changes on all of them.
 *
 * Resources: an explicit provider `other` (another ESA account: `otherEndpoint`, a fixed
 * AccessKey id, `otherSecretKey` from secret config); `version`, a RoutineCodeVersion of
 * routine `hello-edge` from the file `./routine/index.js` (deployEnv staging); `staging`,
 * a deployment serving that version at 100 % in staging; `canary`, the production
 * deployment with the declared split (and rollout); `elsewhere`, production of
 * `hello-edge` through `other`, serving `B` at 100 %. Outputs: `version` (the version
 * id) and `live` (the canary's codeVersions).
 */

export const A = "1723599747213377175";
export const B = "1723599747213377176";
export const ROUTINE = "hello-edge";
export const SECOND_KEY_ID = "LTAI5tSecondAccountKey";

export interface RolloutDeclared {
    steps: { percentage: number; bakeSeconds: number }[];
    gates: { name: string; command: { run: string } }[];
}

export interface Declared {
    /** The canary's split, in the order written. */
    canary: [codeVersion: string, percentage: number][];
    rollout?: RolloutDeclared;
}

export interface LanguageProgram {
    runtime: "yaml" | "python" | "go";
    /**
     * Makes the project directory ready to run (a virtualenv, a Go module's dependencies),
     * once, before the first `pulumi` command. `pluginDir` holds `pulumi-resource-esa`.
     * Returns the variables every `pulumi` command needs for it, if any.
     */
    prepare(projectDir: string, pluginDir: string): Promise<Record<string, string> | void>;
    /** The program's files for `declared`, relative to the project directory; Pulumi.yaml included. */
    files(declared: Declared, pluginDir: string): Record<string, string>;
}
