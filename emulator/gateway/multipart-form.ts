/**
 * Reads a multipart/form-data body into its parts, in the order they were sent.
 *
 * Parsing is busboy's, the parser most Node servers use (multer, fastify-multipart): a
 * hand-written parser or the platform's `Request.formData()` would need its own care
 * for boundaries, quoting and binary parts, which busboy already has.
 *
 * A part is a file for busboy when it has a filename or is `application/octet-stream`
 * (the `form-data` package sends a Buffer appended without filename that way: ESA's CLI
 * uploads its zip so). Any other part is text; text without a declared charset is read
 * as latin1, one character per byte, so that a file sent as a plain field keeps its exact
 * bytes (`Buffer.from(text, "latin1")`). The upload endpoint's other fields are ASCII
 * (base64, object keys, digits), which latin1 reads the same as UTF-8.
 */
import busboy from "busboy";

/** One form part: a text field, or a file's bytes. */
export interface FormPart {
    name: string;
    value: string | Buffer;
}

/** Thrown when the content type names no multipart boundary. */
export class NotMultipartError extends Error {}

/** Thrown when the body is not well-formed multipart data. */
class MalformedMultipartError extends Error {}

export function readMultipartForm(contentType: string, body: Buffer): Promise<FormPart[]> {
    let parser: busboy.Busboy;
    try {
        // The body was read whole and capped by the server, so no part is cut short here.
        parser = busboy({ headers: { "content-type": contentType }, defCharset: "latin1", limits: { fieldSize: body.length } });
    } catch (error) {
        return Promise.reject(new NotMultipartError(String(error)));
    }
    return new Promise((resolve, reject) => {
        // File parts are collected as their bytes stream in; busboy closes after every file ended.
        const parts: Array<{ name: string; value: string | Buffer[] }> = [];
        parser.on("field", (name, value) => parts.push({ name, value }));
        parser.on("file", (name, stream) => {
            const chunks: Buffer[] = [];
            parts.push({ name, value: chunks });
            stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        });
        parser.on("error", (error) => reject(new MalformedMultipartError(String(error))));
        parser.on("close", () =>
            resolve(parts.map(({ name, value }) => ({ name, value: typeof value === "string" ? value : Buffer.concat(value) }))),
        );
        parser.end(body);
    });
}
