/** Wire safety of deployment's answers (the suite and what it asserts: `./wire-suite.ts`). */
import { wireSuite } from "./wire-suite";

wireSuite(["deployment"], true);
