/**
 * The shapes every resource and the provider itself share (see `../engine/shape`): where
 * ESA is reached and how long an operation may take, as a resource's inputs and as the
 * provider's configuration (`esa:*` stack config, or an explicit provider's arguments).
 */
import type { PropertyShape } from "../engine/shape";

/** The per-resource overrides of where and how ESA is reached; changing one changes only how the provider works. */
export const CONNECTION_PROPERTIES = {
    region: {
        type: "string",
        doc: "The region whose ESA endpoint is called; overrides the provider's `region` (`esa:region`).",
        input: "optional",
    },
    endpoint: {
        type: "string",
        doc: "The API endpoint, e.g. `http://127.0.0.1:8787` for the local emulator; overrides the provider's `endpoint` (`esa:endpoint`).",
        input: "optional",
    },
    timeoutSeconds: {
        type: "integer",
        doc: "How long one operation may take, retries included, in seconds (default 300, or the provider's `timeoutSeconds`).",
        input: "optional",
    },
} as const satisfies Record<string, PropertyShape>;

/**
 * The provider's configuration: the `esa:*` stack config keys, and the arguments of an
 * explicit provider resource (several accounts or regions in one program). The
 * credentials are secrets in every language and never reach the state.
 */
export const PROVIDER_CONFIG = {
    region: { type: "string", doc: "The region whose ESA endpoint is called (default `cn-hangzhou`, or `ALIBABA_CLOUD_REGION`)." },
    endpoint: {
        type: "string",
        doc: "The API endpoint, e.g. `http://127.0.0.1:8787` for the local emulator (default: the region's, or `ALIBABA_CLOUD_ESA_ENDPOINT`).",
    },
    accessKey: { type: "string", doc: "The AccessKey ID (or `ALIBABA_CLOUD_ACCESS_KEY_ID`).", secret: true },
    secretKey: { type: "string", doc: "The AccessKey secret (or `ALIBABA_CLOUD_ACCESS_KEY_SECRET`).", secret: true },
    securityToken: { type: "string", doc: "An STS token, with a temporary AccessKey (or `ALIBABA_CLOUD_SECURITY_TOKEN`).", secret: true },
    profile: { type: "string", doc: "A profile of the Alibaba Cloud credentials file (or `ALIBABA_CLOUD_PROFILE`)." },
    timeoutSeconds: { type: "integer", doc: "How long one operation may take, retries included, in seconds (default 300)." },
    maxRequestsPerSecond: {
        type: "number",
        doc: "The most ESA requests per second this provider sends, all resources together (default: learned from the account's throttling).",
    },
    rolloutAction: {
        type: "string",
        doc: "An emergency control of a rollout in flight: `promote:<candidate>` (finish now) or `abort:<candidate>` (restore the split from before).",
    },
} as const satisfies Record<string, PropertyShape>;
