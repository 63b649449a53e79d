/**
 * The local ESA emulator as a stack talks to it (started in this process with
 * `startEmulator` from emulator/): reached by the dynamic provider through
 * `esa:endpoint` and the emulator's test AccessKey pair.
 */
import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET } from "../../emulator";

/** Environment variables that give the provider process the emulator's test AccessKey pair. */
export function emulatorCredentials(): Record<string, string> {
    return { ALIBABA_CLOUD_ACCESS_KEY_ID: DEFAULT_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEFAULT_ACCESS_KEY_SECRET };
}
