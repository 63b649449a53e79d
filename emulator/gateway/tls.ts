/**
 * The emulator's HTTPS certificate: a local CA (written to `ca.pem`, the file
 * `NODE_EXTRA_CA_CERTS` names) and a server certificate it signs for localhost,
 * 127.0.0.1, 127.0.0.2 and ::1. Given a directory that already holds the CA, the CA is
 * reused, so a trust setting made once (an exported NODE_EXTRA_CA_CERTS) survives
 * restarts; the server certificate is new at every start. Without a directory, the CA
 * lives in a temporary folder of this start's own, which `discard()` removes at close.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";

interface TlsMaterial {
    key: string;
    cert: string;
    caFile: string;
    /** Removes the temporary CA folder; a `caDir` the caller gave is theirs and stays. */
    discard(): void;
}

const CA_CERT = "ca.pem";
const CA_KEY = "ca-key.pem";

export async function prepareTls(caDir?: string): Promise<TlsMaterial> {
    const dir = caDir ?? mkdtempSync(join(tmpdir(), "esa-emulator-tls-"));
    const discard = caDir === undefined ? () => rmSync(dir, { recursive: true, force: true }) : () => undefined;
    try {
        return { ...(await writeCertificates(dir)), discard };
    } catch (error) {
        discard();
        throw error;
    }
}

async function writeCertificates(dir: string): Promise<Omit<TlsMaterial, "discard">> {
    mkdirSync(dir, { recursive: true });
    const caFile = join(dir, CA_CERT);
    const caKeyFile = join(dir, CA_KEY);

    let ca: { key: string; cert: string };
    if (existsSync(caFile) && existsSync(caKeyFile)) {
        ca = { key: readFileSync(caKeyFile, "utf8"), cert: readFileSync(caFile, "utf8") };
    } else {
        const now = new Date();
        const generated = await generate([{ name: "commonName", value: "ESA emulator local CA" }], {
            keyType: "ec",
            algorithm: "sha256",
            notBeforeDate: new Date(now.getTime() - 60_000),
            notAfterDate: new Date(now.getTime() + 365 * 24 * 3600_000),
            extensions: [
                { name: "basicConstraints", cA: true, critical: true },
                { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
            ],
        });
        ca = { key: generated.private, cert: generated.cert };
        writeFileSync(caKeyFile, ca.key, { mode: 0o600 });
        writeFileSync(caFile, ca.cert, { mode: 0o644 });
    }

    const now = new Date();
    const server = await generate([{ name: "commonName", value: "localhost" }], {
        keyType: "ec",
        algorithm: "sha256",
        notBeforeDate: new Date(now.getTime() - 60_000),
        notAfterDate: new Date(now.getTime() + 30 * 24 * 3600_000),
        ca,
        extensions: [
            { name: "basicConstraints", cA: false },
            { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
            { name: "extKeyUsage", serverAuth: true },
            {
                name: "subjectAltName",
                altNames: [
                    { type: 2, value: "localhost" },
                    { type: 7, ip: "127.0.0.1" },
                    { type: 7, ip: "127.0.0.2" },
                    { type: 7, ip: "::1" },
                ],
            },
        ],
    });
    return { key: server.private, cert: server.cert, caFile };
}
