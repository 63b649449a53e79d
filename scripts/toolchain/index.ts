/**
 * What the demo, the benchmarks and the tests share to run this package the way users
 * do: the Pulumi CLI and its environment, a session with a temporary backend running
 * `pulumi` in a project directory, the package packed and installed into a project, and
 * the local ESA emulator. The inline-program stack driven through the Automation API is
 * `./inline-stack`, imported on its own (it loads the Automation API and this package).
 * Product code: it imports nothing from tests/.
 */
export { cliEnvironment, pulumiBinDir, pulumiExecutable, repoRoot } from "./cli";
export type { CliEnvironmentOptions } from "./cli";
export { PulumiSession, quoteForShell, SESSION_PASSPHRASE } from "./session";
export type { CommandOptions, CommandResult, SessionOptions } from "./session";
export { installProject, packedPackage, PACKAGE_NAME } from "./install";
export type { InstalledProject, InstallOptions } from "./install";
export { emulatorCredentials } from "./emulator";
export { GO_SDK_DIR, GO_SDK_MODULE, prepareGoProgram, pulumiGoSdkVersion, type GoProgramOptions, type GoProgramReady } from "./go-program";
export { startEmulator } from "../../emulator";
export { Project } from "./project";
export { createPythonVirtualenv, PYTHON_PULUMI_VERSION, type PythonVirtualenv, type PythonVirtualenvOptions } from "./python";
export type { StackCommandOptions, StackRun } from "./project";
export { filesUnder, generateSdks, sdkgenExecutable } from "./sdkgen";
