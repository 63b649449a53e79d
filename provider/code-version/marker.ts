/**
 * The tag this package appends to every version's CodeDescription:
 * `<description> [rd:<owner>:<hash>]`.
 *
 * - `owner` (8 hex) identifies the `RoutineCodeVersion` resource (project, stack and
 *   resource name), so a later release of the same resource can recognise, and delete,
 *   the predecessors it had to keep while they were serving (the quota never fills up
 *   with one stack's own history).
 * - `hash` (12 hex) is the start of the content hash, so a version whose commit answer
 *   was lost can be recognised before the commit is sent again.
 *
 * ESA shows the description in its console; the tag keeps it readable.
 */

interface Marker {
    owner: string;
    hash: string;
}

const TAG = /\s*\[rd:([0-9a-f]{8}):([0-9a-f]{12})\]$/;

export function tagDescription(description: string | undefined, marker: Marker): string {
    const text = (description ?? "").trim();
    const tag = `[rd:${marker.owner}:${marker.hash.slice(0, 12)}]`;
    return text ? `${text} ${tag}` : tag;
}

/** The marker of a tagged description, or undefined for versions made by other tools. */
export function readMarker(codeDescription: string | undefined): Marker | undefined {
    const match = TAG.exec(codeDescription ?? "");
    return match ? { owner: match[1], hash: match[2] } : undefined;
}
