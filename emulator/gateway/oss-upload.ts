/**
 * The OSS-like form-upload endpoint (`POST /oss/<bucket>`, multipart/form-data), where
 * clients put the code an upload ticket was issued for (model/upload-policy.ts).
 *
 * Checks, in order: the form fields a signed PostObject needs, the AccessKey id, the
 * policy's signature, its expiry, the `key` against the policy, the STS token when one
 * was issued, then the file. Field names are matched case-insensitively (`key`/`Key`,
 * `policy`/`Policy`), as OSS does; the file is the field named `file`, and fields after
 * it are ignored, as OSS ignores them. Errors are OSS's XML documents.
 *
 * A staging upload fills the routine's staging slot; an assets upload starts the
 * version's build (model/builds.ts). Faults can be injected under the action name `PostObject`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { archiveProblem, readArchive, startBuild, STATUS_AVAILABLE } from "../model/builds";
import type { EmulatorContext } from "../context";
import { newRequestId } from "../model/ids";
import { readMultipartForm, NotMultipartError, type FormPart } from "./multipart-form";
import {
    decodeDescription,
    decodePolicy,
    MAX_UPLOAD_BYTES,
    OSS_ACCESS_KEY_ID,
    OSS_BUCKET,
    policyKey,
    type UploadTicket,
} from "../model/upload-policy";

/** The name upload requests have in the request log and in fault specs. */
export const UPLOAD_ACTION = "PostObject";

export class OssError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
    ) {
        super(message);
    }
}

interface UploadOutcome {
    status: number;
    body: string;
    contentType?: string;
}

/** The form fields of an upload (up to and including `file`), by lower-case name. */
type UploadFields = Map<string, string | Buffer>;

/** Apply one parsed upload; throws OssError for a refusal. */
export function acceptUpload(ctx: EmulatorContext, fields: UploadFields, now: number): UploadOutcome {
    const field = (name: string): string | undefined => {
        const value = fields.get(name.toLowerCase());
        return typeof value === "string" ? value : undefined;
    };

    const accessKeyId = field("OSSAccessKeyId");
    const policy = field("policy");
    const signature = field("Signature");
    if (!accessKeyId || !policy || !signature) {
        throw new OssError(
            403,
            "AccessDenied",
            "Anonymous access is forbidden for this operation: OSSAccessKeyId, policy and Signature are required.",
        );
    }
    if (accessKeyId !== OSS_ACCESS_KEY_ID) {
        throw new OssError(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.");
    }
    if (!ctx.tickets.verify(policy, signature)) {
        throw new OssError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
    }
    const document = decodePolicy(policy);
    if (!document) throw new OssError(400, "InvalidPolicyDocument", "Invalid Policy: the policy is not a JSON policy document.");
    if (Date.parse(document.expiration) <= now) {
        throw new OssError(403, "AccessDenied", "Invalid according to Policy: Policy expired.");
    }
    const key = field("key");
    const allowedKey = policyKey(document);
    if (key === undefined || key !== allowedKey) {
        throw new OssError(
            403,
            "AccessDenied",
            `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "${allowedKey ?? ""}"]`,
        );
    }
    const ticket = ctx.tickets.get(key);
    if (!ticket) throw new OssError(403, "AccessDenied", "Invalid according to Policy: the upload was not issued by this service.");
    const token = field("x-oss-security-token") ?? "";
    if (token !== (ticket.securityToken ?? "")) {
        throw new OssError(403, "InvalidAccessKeyId", "The security token you provided is invalid.");
    }
    const file = fields.get("file");
    if (file === undefined) throw new OssError(400, "InvalidArgument", "The body of your POST request must contain a file field.");
    const bytes = typeof file === "string" ? Buffer.from(file, "utf8") : file;
    if (bytes.length > MAX_UPLOAD_BYTES)
        throw new OssError(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.");

    applyUpload(ctx, ticket, bytes, decodeDescription(field("x:codeDescription")), now);
    return successAnswer(field("success_action_status"), field("callback"), key);
}

function applyUpload(ctx: EmulatorContext, ticket: UploadTicket, bytes: Buffer, description: string, now: number): void {
    // OSS stores whatever it is given; a routine or version deleted meanwhile just ignores it.
    const routine = ctx.store.getRoutine(ticket.routine);
    if (!routine) return;
    if (ticket.flow === "staging") {
        ctx.store.stageCode(ticket.routine, bytes, description, now);
        return;
    }
    const codeVersion = ticket.codeVersion ?? "";
    if (!ctx.store.getVersion(ticket.routine, codeVersion)) return;
    const archive = readArchive(bytes);
    const ordered = ctx.takeFailedBuild(ticket.routine);
    const outcome = ordered ?? (archiveProblem(archive, routine.hasAssets) ? "failed" : STATUS_AVAILABLE);
    ctx.store.updateVersion(ticket.routine, codeVersion, startBuild(archive, outcome, now, ctx.settings.buildDelayMs));
}

function successAnswer(successStatus: string | undefined, callback: string | undefined, key: string): UploadOutcome {
    if (successStatus === "204") return { status: 204, body: "" };
    if (successStatus === "201") {
        return {
            status: 201,
            contentType: "application/xml",
            body: `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Bucket>${OSS_BUCKET}</Bucket><Key>${escapeXml(key)}</Key></PostResponse>`,
        };
    }
    // With a callback, OSS answers with the callback server's JSON.
    if (callback) return { status: 200, contentType: "application/json", body: JSON.stringify({ Status: "OK" }) };
    return { status: 200, body: "" };
}

/** Fields up to and including `file`, by lower-case name; the file as bytes. Throws OssError. */
export async function readUploadForm(headers: IncomingMessage["headers"], body: Buffer): Promise<UploadFields> {
    const contentType = String(headers["content-type"] ?? "");
    const notMultipart = new OssError(400, "InvalidArgument", "The request must be multipart/form-data.");
    // busboy would also read a url-encoded form; OSS's PostObject takes multipart only.
    if (!contentType.toLowerCase().startsWith("multipart/form-data")) throw notMultipart;
    let parts: FormPart[];
    try {
        parts = await readMultipartForm(contentType, body);
    } catch (error) {
        if (error instanceof NotMultipartError) throw notMultipart;
        throw new OssError(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.");
    }
    const fields = new Map<string, string | Buffer>();
    for (const { name, value } of parts) {
        const lower = name.toLowerCase();
        if (lower === "file") {
            // A file sent as a plain field was read as latin1, one character per byte (multipart-form.ts).
            fields.set("file", typeof value === "string" ? Buffer.from(value, "latin1") : value);
            break;
        }
        if (typeof value === "string" && !fields.has(lower)) fields.set(lower, value);
    }
    return fields;
}

export function ossErrorXml(error: OssError, requestId: string): string {
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<Error>",
        `  <Code>${escapeXml(error.code)}</Code>`,
        `  <Message>${escapeXml(error.message)}</Message>`,
        `  <RequestId>${requestId}</RequestId>`,
        `  <HostId>${OSS_BUCKET}.oss-emulator.local</HostId>`,
        "</Error>",
        "",
    ].join("\n");
}

/** OSS request ids are 24 upper-case hex digits. */
export function ossRequestId(): string {
    return newRequestId().replace(/-/g, "").slice(0, 24);
}

function escapeXml(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function sendUploadAnswer(res: ServerResponse, outcome: UploadOutcome, requestId: string): void {
    const headers: Record<string, string | number> = { "x-oss-request-id": requestId, "content-length": Buffer.byteLength(outcome.body) };
    if (outcome.contentType) headers["content-type"] = outcome.contentType;
    res.writeHead(outcome.status, headers);
    res.end(outcome.body);
}
