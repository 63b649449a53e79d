import { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET } from "./gateway/credentials";
import type { Emulator } from "./types";

/**
 * The fields of the official SDK's `$OpenApiUtil.Config` that reach this emulator over
 * HTTP with its default AccessKey pair:
 * `new Client(new $OpenApiUtil.Config(sdkConfig(emulator)))`.
 */
export function sdkConfig(emulator: Pick<Emulator, "host">) {
    return {
        accessKeyId: DEFAULT_ACCESS_KEY_ID,
        accessKeySecret: DEFAULT_ACCESS_KEY_SECRET,
        endpoint: emulator.host,
        protocol: "http",
        regionId: "cn-hangzhou",
    };
}
