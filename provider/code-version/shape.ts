/**
 * `RoutineCodeVersion`'s shape, declared once (see `../engine/shape`).
 *
 * The program passes the source (`code`, `assets`); it is consumed where inputs are
 * prepared (the TypeScript class, or the native provider's check) and becomes its
 * sha256 and a content-addressed file on this machine (`./source`): the engine records
 * the prepared inputs, so the source itself never reaches the state.
 */
import type { ResourceShape } from "../engine/shape";
import { CONNECTION_PROPERTIES } from "../esa/shape";

export const CODE_VERSION_SHAPE = {
    name: "RoutineCodeVersion",
    doc:
        "A committed code version of an ESA edge routine, made from source. Any change of what makes the version (code, assets, " +
        "description, deployEnv, routine) replaces it: the new version is made first. Deleting it deletes the version in ESA unless " +
        "it serves traffic (then it is kept with a warning and collected by a later release). The stack state holds the content's " +
        "sha256, never the source.",
    properties: {
        routine: {
            type: "string",
            doc: "The routine's name (e.g. a `Routine`'s `name` output). Changing it makes a new version.",
            input: "required",
            output: "always",
            onChange: "replace",
        },
        code: {
            type: "asset",
            doc:
                "The routine's JavaScript: a string asset or a file asset (TypeScript also takes a plain string). Never stored in " +
                "the stack state: only its sha256 is.",
            input: "required",
            consumed: true,
            output: "never",
        },
        assets: {
            type: "archive",
            doc:
                "Static files served with the routine: an archive of a directory or a `.zip`. With assets, ESA's assets flow is " +
                "used (a zip of `routine/index.js` and `assets/<path>`, built by ESA).",
            input: "optional",
            consumed: true,
            output: "never",
        },
        description: {
            type: "string",
            doc: "The version's description (ESA's CodeDescription; a short tag is appended). Changing it makes a new version.",
            input: "optional",
            onChange: "replace",
        },
        deployEnv: {
            type: { enum: "RoutineEnvironment" },
            doc: "The environment whose environment variables are bundled into the version. Changing it makes a new version.",
            input: "optional",
            onChange: "replace",
        },
        pruneUnusedVersions: {
            type: "boolean",
            doc:
                "When the routine's version quota is full, delete versions that serve nothing, oldest first and only as many as " +
                "needed (never one that serves traffic). Off by default: the release then fails with the list of those versions.",
            input: "optional",
        },
        ...CONNECTION_PROPERTIES,
        timeoutSeconds: {
            ...CONNECTION_PROPERTIES.timeoutSeconds,
            doc: "How long one release may take (upload, build, retries), in seconds (default 300, or the provider's `timeoutSeconds`).",
        },
        sourceKind: {
            type: "string",
            doc: "`script` (one JavaScript file, the staging flow) or `assets` (the assets flow).",
            input: "prepared",
            output: "always",
            onChange: "replace",
        },
        sourceHash: {
            type: "string",
            doc: "sha256 of the bytes uploaded (the script, or the assets zip).",
            input: "prepared",
            output: "always",
            onChange: "replace",
        },
        sourceFile: {
            type: "string",
            doc: "Where the prepared bytes are on the machine that made them (needed only to make the version).",
            input: "prepared",
            output: "never",
            onChange: "nothing",
            internal: true,
        },
        sourceProblem: {
            type: "string",
            doc: "What is wrong with `code` or `assets`, for check to report with the property named.",
            input: "prepared",
            output: "never",
            onChange: "nothing",
            internal: true,
        },
        owner: {
            type: "string",
            doc: "Identifies the resource across releases (a hash of project, stack and name).",
            input: "prepared",
            output: "always",
            onChange: "nothing",
        },
        contentHash: {
            type: "string",
            doc: "sha256 over everything that makes the version (uploaded bytes, description, deployEnv).",
            input: "prepared",
            output: "always",
            onChange: "replace",
        },
        codeVersion: { type: "string", doc: "The version id, a 19-digit number as a string." },
        status: { type: "string", doc: "ESA's status of the version (`available` once created)." },
        createTime: { type: "string", doc: "When ESA created the version." },
    },
} as const satisfies ResourceShape;
