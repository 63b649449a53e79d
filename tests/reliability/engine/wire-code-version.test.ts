/** Wire safety of code-version's answers (the suite and what it asserts: `./wire-suite.ts`). */
import { wireSuite } from "./wire-suite";

wireSuite(["codeVersion"]);
