/**
 * The package schema every Pulumi language reads (the native plugin serves it from
 * GetSchema; YAML programs are checked against it; the Python and Go SDKs are generated
 * from it), derived from the resources' declared shapes. `provider/schema.json` is this,
 * written out by `npm run sdk` and checked by a test to be current.
 */
import { CODE_VERSION_SHAPE } from "../code-version/shape";
import { DEPLOYMENT_SHAPE } from "../deployment/shape";
import { PROVIDER_CONFIG } from "../esa/shape";
import { ROUTINE_SHAPE } from "../routine/shape";
import { outputOf, PACKAGE_NAME, PropertyShape, ResourceShape, ShapeType, tokenOf } from "../engine/shape";

export { PACKAGE_NAME, tokenOf };

export const RESOURCE_SHAPES: readonly ResourceShape[] = [ROUTINE_SHAPE, CODE_VERSION_SHAPE, DEPLOYMENT_SHAPE];

/** Where the generated Go SDK lives, as a Go import path (README: Go). */
export const GO_IMPORT_BASE_PATH = "github.com/esa-routine-deployment/esa-routine-deployment/sdk/go/esa";

type Json = Record<string, unknown>;

export function packageSchema(version: string): Json {
    const types: Json = {};
    for (const shape of RESOURCE_SHAPES) {
        for (const [name, e] of Object.entries(shape.enums ?? {})) {
            types[tokenOf(name)] = {
                description: e.doc,
                type: "string",
                enum: e.values.map((v) => ({ name: pascal(v.value), value: v.value, description: v.doc })),
            };
        }
        for (const [name, t] of Object.entries(shape.types ?? {})) {
            const required = Object.entries(t.properties)
                .filter(([, p]) => p.required)
                .map(([key]) => key);
            types[tokenOf(name)] = {
                description: t.doc,
                type: "object",
                properties: mapValues(t.properties, (p) => property(p)),
                ...(required.length > 0 ? { required } : {}),
            };
        }
    }
    const config = mapValues(PROVIDER_CONFIG as Record<string, PropertyShape>, (p) => property(p));
    return {
        name: PACKAGE_NAME,
        displayName: "Alibaba Cloud ESA edge routines",
        version,
        description:
            "Ships Alibaba Cloud ESA edge-routine code to staging and production: routines, code versions from source, and deployments with canary splits and gated, self-rolling-back progressive rollouts.",
        keywords: ["pulumi", "alibaba-cloud", "alicloud", "esa", "edge-routine", "category/cloud", "kind/native"],
        license: "Apache-2.0",
        publisher: "esa-routine-deployment",
        meta: { moduleFormat: "(.*)", supportPack: true },
        config: { variables: config },
        provider: {
            description:
                "The provider of the `esa` package: where ESA is reached and with which credentials. Several explicit providers " +
                "reach several accounts or regions in one program.",
            inputProperties: config,
        },
        resources: Object.fromEntries(RESOURCE_SHAPES.map((shape) => [tokenOf(shape.name), resource(shape)])),
        types,
        language: {
            go: { importBasePath: GO_IMPORT_BASE_PATH, generateResourceContainerTypes: true, respectSchemaVersion: true },
            python: { packageName: "pulumi_esa", respectSchemaVersion: true, pyproject: { enabled: true } },
            nodejs: { packageName: "@esa-routine-deployment/esa", respectSchemaVersion: true },
        },
    };
}

function resource(shape: ResourceShape): Json {
    const visible = Object.entries(shape.properties).filter(([, p]) => !p.internal);
    const outputs = visible.filter(([, p]) => outputOf(p) !== "never");
    const inputs = visible.filter(([, p]) => p.input === "required" || p.input === "optional");
    return {
        description: shape.doc,
        properties: Object.fromEntries(outputs.map(([key, p]) => [key, property(p)])),
        required: outputs.filter(([, p]) => outputOf(p) === "always").map(([key]) => key),
        inputProperties: Object.fromEntries(inputs.map(([key, p]) => [key, property(p, true)])),
        requiredInputs: inputs.filter(([, p]) => p.input === "required").map(([key]) => key),
    };
}

function property(p: PropertyShape, asInput = false): Json {
    return {
        ...typeOf(p.type),
        description: p.doc,
        ...(p.secret ? { secret: true } : {}),
        ...(asInput && p.onChange === "replace" ? { willReplaceOnChanges: true } : {}),
    };
}

function typeOf(type: ShapeType): Json {
    switch (type) {
        case "asset":
            return { $ref: "pulumi.json#/Asset" };
        case "archive":
            return { $ref: "pulumi.json#/Archive" };
        case "string":
        case "integer":
        case "number":
        case "boolean":
            return { type };
    }
    if ("array" in type) return { type: "array", items: typeOf(type.array) };
    if ("map" in type) return { type: "object", additionalProperties: typeOf(type.map) };
    return { $ref: `#/types/${tokenOf("object" in type ? type.object : type.enum)}` };
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
    return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));
}

function pascal(value: string): string {
    return value.replace(/(^|[-_ ])(\w)/g, (_, _sep, c: string) => c.toUpperCase());
}

/** The schema as committed in `provider/schema.json`. */
export function schemaText(version: string): string {
    return `${JSON.stringify(packageSchema(version), null, 4)}\n`;
}
