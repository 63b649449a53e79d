/**
 * OSS PostObject upload tickets: what GetRoutineStagingCodeUploadInfo and
 * CreateRoutineWithAssetsCodeVersion hand out in `OssPostConfig`, and how the upload
 * endpoint checks them.
 *
 * As on OSS, a ticket is a Base64 JSON policy (expiry and an exact `key` condition)
 * signed with HMAC-SHA1 by a secret only the emulator knows (the OSS V1 form
 * signature), plus the AccessKey id (and for the assets flow an STS token) the form
 * must carry. Tickets live in memory: an emulator restart voids the uploads in flight,
 * as an expired policy would.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The bucket part of the upload path, `/oss/<bucket>`. */
export const OSS_BUCKET = "esa-emulator-code";
export const OSS_PATH = `/oss/${OSS_BUCKET}`;

/** The AccessKey id every upload form carries (an OSS key of the emulator, not a user key). */
export const OSS_ACCESS_KEY_ID = "LTAI5tEsaEmulatorOssKey";

/** Largest upload a policy allows (content-length-range). */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** ~5 minutes, what Alibaba's tools observe for upload policies. */
export const DEFAULT_UPLOAD_POLICY_TTL_SECONDS = 300;

type UploadFlow = "staging" | "assets";

export interface UploadTicket {
    key: string;
    routine: string;
    flow: UploadFlow;
    /** The version the upload builds (assets flow only). */
    codeVersion?: string;
    /** The STS token the form must carry, when one was issued. */
    securityToken?: string;
    expiresAt: number;
    /** Base64 policy document and its signature, as handed out. */
    policy: string;
    signature: string;
}

interface PolicyDocument {
    expiration: string;
    conditions: unknown[];
}

export class UploadTickets {
    private readonly byKey = new Map<string, UploadTicket>();
    private readonly secret = randomBytes(24).toString("base64");
    private counter = 0;

    issue(input: { routine: string; flow: UploadFlow; codeVersion?: string; ttlSeconds: number; now: number }): UploadTicket {
        this.counter += 1;
        const key =
            input.flow === "staging"
                ? // The shape of the real staging key: site_er_js/<name>.<n>.unstable.js
                  `site_er_js/${input.routine}.${Date.now()}${this.counter}.unstable.js`
                : `site_er_assets/${input.routine}/${input.codeVersion}.zip`;
        const expiresAt = input.now + input.ttlSeconds * 1000;
        const document: PolicyDocument = {
            expiration: new Date(expiresAt).toISOString(),
            conditions: [{ bucket: OSS_BUCKET }, ["eq", "$key", key], ["content-length-range", 0, MAX_UPLOAD_BYTES]],
        };
        const policy = Buffer.from(JSON.stringify(document), "utf8").toString("base64");
        const ticket: UploadTicket = {
            key,
            routine: input.routine,
            flow: input.flow,
            codeVersion: input.codeVersion,
            securityToken: input.flow === "assets" ? `CAIS${randomBytes(24).toString("base64url")}` : undefined,
            expiresAt,
            policy,
            signature: this.sign(policy),
        };
        this.byKey.set(key, ticket);
        return ticket;
    }

    get(key: string): UploadTicket | undefined {
        return this.byKey.get(key);
    }

    /** OSS V1 form signature: Base64(HMAC-SHA1(secret, Base64 policy)). */
    sign(policy: string): string {
        return createHmac("sha1", this.secret).update(policy, "utf8").digest("base64");
    }

    verify(policy: string, signature: string): boolean {
        const a = Buffer.from(this.sign(policy), "utf8");
        const b = Buffer.from(signature, "utf8");
        return a.length === b.length && timingSafeEqual(a, b);
    }

    /** Forget every ticket (reset): uploads in flight then fail as unknown. */
    clear(): void {
        this.byKey.clear();
    }
}

/** Decode a policy the emulator signed; undefined when it is not a policy document. */
export function decodePolicy(policy: string): PolicyDocument | undefined {
    try {
        const parsed = JSON.parse(Buffer.from(policy, "base64").toString("utf8")) as PolicyDocument;
        return typeof parsed.expiration === "string" && Array.isArray(parsed.conditions) ? parsed : undefined;
    } catch {
        return undefined;
    }
}

/** The `["eq", "$key", …]` condition of a policy. */
export function policyKey(document: PolicyDocument): string | undefined {
    for (const c of document.conditions) {
        if (Array.isArray(c) && c[0] === "eq" && c[1] === "$key" && typeof c[2] === "string") return c[2];
    }
    return undefined;
}

/** Base64 of the JSON-quoted text: how `x:codeDescription` carries a description. */
export function encodeDescription(description: string): string {
    return Buffer.from(JSON.stringify(description), "utf8").toString("base64");
}

export function decodeDescription(value: string | undefined): string {
    if (!value) return "";
    try {
        const parsed: unknown = JSON.parse(Buffer.from(value, "base64").toString("utf8"));
        return typeof parsed === "string" ? parsed : "";
    } catch {
        return "";
    }
}
