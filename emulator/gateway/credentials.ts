/**
 * Who may call the emulator: permanent AccessKey pairs and temporary (STS) keys that are
 * valid only together with their security token.
 */
import { ApiError } from "../model/errors";
import type { StsCredential } from "../types";

/**
 * A documented test pair, used when no `accessKeys` are configured. It grants access to
 * nothing but a local emulator, so printing it (as the CLI does) discloses nothing.
 */
export const DEFAULT_ACCESS_KEY_ID = "LTAI5tEsaEmulatorTestKey";
export const DEFAULT_ACCESS_KEY_SECRET = "esa-emulator-test-secret-0000000000";

/** The secret to verify a request with, once its key (and token, if any) is accepted. */
interface ResolvedCredential {
    accessKeyId: string;
    secret: string;
}

export class CredentialRegistry {
    private readonly permanent: Map<string, string>;
    private readonly temporary: Map<string, StsCredential>;
    /** token → the temporary key it was issued with, to tell "wrong key" from "not a token". */
    private readonly tokenOwners: Map<string, string>;

    constructor(accessKeys: Record<string, string> | undefined, sts: StsCredential[] | undefined) {
        this.permanent = new Map(Object.entries(accessKeys ?? { [DEFAULT_ACCESS_KEY_ID]: DEFAULT_ACCESS_KEY_SECRET }));
        this.temporary = new Map((sts ?? []).map((c) => [c.accessKeyId, c]));
        this.tokenOwners = new Map((sts ?? []).map((c) => [c.securityToken, c.accessKeyId]));
    }

    /**
     * Look up the secret for `accessKeyId`, checking the security token the way STS does:
     * a temporary key needs its own unexpired token; a token that belongs to another key is
     * a mismatch; a token the emulator never issued is malformed.
     */
    resolve(accessKeyId: string, securityToken: string | undefined, now: number): ResolvedCredential {
        const temp = this.temporary.get(accessKeyId);
        if (temp) {
            if (securityToken === undefined || securityToken === "") {
                throw new ApiError("MissingSecurityToken", "a temporary AccessKey was used without its token");
            }
            if (securityToken !== temp.securityToken) {
                throw this.tokenError(securityToken);
            }
            if (temp.expiresAt !== undefined && expiryOf(temp.expiresAt) <= now) {
                throw new ApiError("InvalidSecurityToken.Expired", "the security token has expired");
            }
            return { accessKeyId, secret: temp.accessKeySecret };
        }

        const secret = this.permanent.get(accessKeyId);
        if (secret === undefined) {
            throw new ApiError("InvalidAccessKeyId.NotFound", "unknown AccessKey id");
        }
        if (securityToken !== undefined && securityToken !== "") {
            // A permanent key never carries a token.
            throw this.tokenError(securityToken);
        }
        return { accessKeyId, secret };
    }

    private tokenError(securityToken: string): ApiError {
        return this.tokenOwners.has(securityToken)
            ? new ApiError("InvalidSecurityToken.MismatchWithAccessKey", "the security token was issued for another AccessKey")
            : new ApiError("InvalidSecurityToken.Malformed", "the security token is not one the emulator issued");
    }
}

function expiryOf(value: string | number): number {
    return typeof value === "number" ? value : Date.parse(value);
}
