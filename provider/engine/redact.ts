/**
 * Text of the program's inputs that may be secret, kept out of what the provider writes
 * under names of its own: warnings, errors, failure reasons, and derived outputs such as
 * a rollout's messages (README, "Security").
 *
 * The dynamic-provider plugin tells the engine it does not accept secrets, so the engine
 * hands the provider every input in plain text, secret or not, and keeps an output
 * secret only when an input of the same name was. Whatever the provider says under
 * another name is plain text in the state and the CLI's output. The provider cannot tell
 * which inputs were secret, so it treats every free-text input (a command line, a URL's
 * query and credentials, a header's value, a body to expect, a description) as if it
 * were: each one seen by this process, in any call, is replaced by `****` wherever the
 * provider's own words would carry it.
 *
 * Identifiers (a routine's or a gate's name, an environment, code version ids) are not
 * free text: they are what messages are about, and they are shown.
 */

/** Shorter texts are too common to tell apart from the provider's own words. */
const MIN_CHARS = 4;
/** The words of a command line that are this long are hidden too (a token passed as an argument). */
const MIN_WORD_CHARS = 8;
const REDACTED = "****";

const known = new Set<string>();
let ordered: string[] | undefined;

/** Remembers free text of the inputs, so that no later message of this process repeats it. */
export function rememberFreeText(texts: Iterable<unknown>): void {
    for (const text of texts) {
        if (typeof text !== "string" || text.length < MIN_CHARS || known.has(text)) continue;
        known.add(text);
        ordered = undefined;
    }
}

/** `text` with every remembered free text, and every given secret, replaced by `****`. */
export function redact(text: string, secrets: readonly string[] = []): string {
    if (!ordered) ordered = [...known].sort((a, b) => b.length - a.length);
    const given = secrets.filter((s) => typeof s === "string" && s.length > 0);
    // Longest first, so that a text containing a shorter one is hidden whole.
    const all = given.length === 0 ? ordered : [...given, ...ordered].sort((a, b) => b.length - a.length);
    let result = text;
    for (const secret of all) {
        if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    return result;
}

/**
 * The parts of a command line that may be a secret passed to it: the whole line, and its
 * words that look like a token (8 characters or more, with a digit, or with upper- and
 * lower-case letters mixed, or 20 or more). Plain words, paths and variable names stay
 * readable in the output shown.
 */
export function commandLineTexts(run: unknown): string[] {
    if (typeof run !== "string") return [];
    return [run, ...run.split(/[\s'"`=;&|<>(){}$,:]+/).filter(looksLikeToken)];
}

function looksLikeToken(word: string): boolean {
    if (word.length < MIN_WORD_CHARS || word.includes("/")) return false;
    // An environment variable's name (ESA_ROLLOUT_CANDIDATE) is what a script refers to, not a secret.
    if (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(word)) return false;
    // A code version id (19 digits) is an identifier messages are about: a gate that names one must not hide it.
    if (/^\d{19}$/.test(word)) return false;
    return word.length >= 20 || /\d/.test(word) || /[a-z].*[A-Z]|[A-Z].*[a-z].*[A-Z]/.test(word.slice(1));
}

/** The parts of a URL that may be secret: the whole URL, its user and password, each query value, its fragment. */
export function urlTexts(value: unknown): string[] {
    if (typeof value !== "string") return [];
    const texts = [value];
    try {
        const url = new URL(value);
        texts.push(decodeURIComponent(url.username), decodeURIComponent(url.password), url.search.slice(1), url.hash.slice(1));
        for (const [, query] of url.searchParams) texts.push(query);
    } catch {
        // Not a URL: the whole text is hidden.
    }
    return texts;
}
