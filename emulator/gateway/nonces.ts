/**
 * Remembers `x-acs-signature-nonce` values to refuse replayed requests. A nonce only has
 * to be remembered while a request carrying it could still pass the clock-skew check, so
 * entries are dropped after that window and memory stays bounded.
 */
export class NonceCache {
    private readonly seen = new Map<string, number>();
    private lastSweep = 0;

    constructor(private readonly retentionMs: number) {}

    /** Record the nonce; false if it was already used within the retention window. */
    remember(accessKeyId: string, nonce: string, now: number): boolean {
        this.sweep(now);
        const key = `${accessKeyId}\u0000${nonce}`;
        const expiresAt = this.seen.get(key);
        if (expiresAt !== undefined && expiresAt > now) return false;
        this.seen.set(key, now + this.retentionMs);
        return true;
    }

    private sweep(now: number): void {
        if (now - this.lastSweep < 10_000) return;
        this.lastSweep = now;
        for (const [key, expiresAt] of this.seen) {
            if (expiresAt <= now) this.seen.delete(key);
        }
    }
}
