/** One part of the demo's story: a title and the commands it runs in the shared terminal. */
import { DemoTerminal } from "./terminal";

export interface Chapter {
    title: string;
    run(terminal: DemoTerminal): Promise<void>;
}
