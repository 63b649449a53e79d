/**
 * A local Alibaba Cloud ESA emulator: an HTTP server that speaks the ESA RPC API the way
 * the official SDK (`@alicloud/esa20240910`) sends it, verifies ACS3-HMAC-SHA256
 * signatures, and can inject faults. See README.md in this folder.
 *
 *   const emulator = await startEmulator({ routines: { "hello-edge": ["1723599747213377175"] } });
 *   const client = new Client(new $OpenApiUtil.Config(sdkConfig(emulator)));
 *   await emulator.close();
 */
export { startEmulator } from "./start";
export { DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET } from "./gateway/credentials";
export { sdkConfig } from "./sdk-config";
export { API_VERSION } from "./gateway/server";
export { ERROR_CATALOGUE } from "./model/errors";
/** The edge's response header naming the version that answered. */
export { VERSION_HEADER as EDGE_VERSION_HEADER } from "./gateway/edge";
/** The upload endpoint's path, and its action name in the request log and fault specs. */
export { OSS_PATH as UPLOAD_PATH } from "./model/upload-policy";
export { UPLOAD_ACTION } from "./gateway/oss-upload";
export type { ErrorCode } from "./model/errors";
export * from "./types";
