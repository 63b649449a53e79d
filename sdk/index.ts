/** The package's resources, one module each. */
export * from "./routine-code-deployment";
