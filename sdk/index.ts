/** The package's resources, one module each. */
export * from "./routine-code-deployment";
export * from "./routine";
export * from "./routine-code-version";
