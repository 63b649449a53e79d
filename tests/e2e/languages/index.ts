/** The languages whose programs the native plugin's end-to-end test runs. */
import type { LanguageProgram } from "./program";
import { yaml } from "./yaml";
import { python } from "./python";
import { go } from "./go";

export const LANGUAGES: LanguageProgram[] = [yaml, go, python];
