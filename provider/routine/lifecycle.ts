/**
 * The lifecycle of a `Routine` against ESA (README: Releasing code from source).
 *
 * - An existing routine is never silently taken over: CreateRoutine's
 *   `RoutineAlreadyExist` fails the create with a message that says how to bring it in
 *   (`adoptExisting: true`). The state records whether the stack created the routine
 *   (`createdByStack`), and delete removes only a routine the stack created.
 * - A CreateRoutine whose answer was lost is looked for (GetRoutine) before it is sent again.
 */
import { ApiFailure } from "../esa/errors";
import { CallFailed, Calls, CODE_ADVICE, isNotFound } from "../esa/call";
import type { ResourceContext } from "../esa/context";
import type { RoutineApi } from "./api";
import type { RoutineInputs, RoutineOutputs } from "./types";

const ALREADY_EXISTS = /^Routine(Name)?AlreadyExists?$/;

export class Routines {
    private readonly calls: Calls;

    constructor(private readonly ctx: ResourceContext<RoutineApi>) {
        this.calls = new Calls(ctx, CODE_ADVICE);
    }

    async create(inputs: RoutineInputs): Promise<RoutineOutputs> {
        const { name } = inputs;
        // Looked for first, so that an answer lost later cannot be mistaken for someone else's routine.
        const existing = await this.get(name);
        if (existing) return this.adoptOrRefuse(inputs, existing.createTime);
        await this.requireService(name);
        try {
            await this.calls.call({
                action: "CreateRoutine",
                routine: name,
                retryAmbiguous: true,
                run: (o) => this.ctx.api.createRoutine({ name, description: inputs.description ?? "", hasAssets: true }, o),
            });
        } catch (error) {
            if (!(error instanceof CallFailed)) throw error;
            if (!ALREADY_EXISTS.test(error.failure.code ?? "")) throw error.userError;
            if (error.attempts <= 1) return this.adoptOrRefuse(inputs, "", error.failure);
            // A retry found the routine that our first request created before its answer was lost.
            this.ctx.log("info", `Routine "${name}": the answer to CreateRoutine was lost, but the routine was created.`);
        }
        const live = await this.get(name);
        return { ...inputs, createdByStack: true, createTime: live?.createTime ?? "" };
    }

    /** A routine can be created only while the account's Edge Routine service runs (as Alibaba's own tools check first). */
    private async requireService(name: string): Promise<void> {
        let status: string;
        try {
            status = await this.calls.call({
                action: "GetErService",
                routine: name,
                retryAmbiguous: true,
                run: (o) => this.ctx.api.erServiceStatus(o),
            });
        } catch (error) {
            throw error instanceof CallFailed ? error.userError : error;
        }
        if (status.toLowerCase() !== "running") {
            throw new Error(
                `Routine "${name}" cannot be created: the account's Edge Routine service is ${status ? `"${status}"` : "not reported"}, not "Running". ` +
                    `Open (activate) Edge Routine in the ESA console, or settle the account if it was stopped, then run \`pulumi up\` again. Nothing was created.`,
            );
        }
    }

    private adoptOrRefuse(inputs: RoutineInputs, createTime: string, failure?: ApiFailure): RoutineOutputs {
        const { name } = inputs;
        if (inputs.adoptExisting) {
            this.ctx.log(
                "info",
                `Routine "${name}" already existed: adopted (adoptExisting). Destroying the stack will leave it in place.`,
            );
            return { ...inputs, createdByStack: false, createTime };
        }
        const detail = failure ? ` (ESA ${failure.code}${failure.requestId ? `, RequestId: ${failure.requestId}` : ""})` : "";
        throw new Error(
            this.calls.redact(
                `Routine "${name}" already exists${detail}, and a stack never takes over a routine silently. ` +
                    `To manage it from this stack, set \`adoptExisting: true\` on this Routine (destroying the stack will then leave the routine in place), ` +
                    `or choose another name.`,
            ),
        );
    }

    async read(name: string, previous: Partial<RoutineOutputs>): Promise<RoutineOutputs | undefined> {
        const live = await this.get(name);
        if (!live) return undefined;
        return {
            ...(previous as RoutineOutputs),
            name,
            description: live.description === "" && previous.description === undefined ? undefined : live.description,
            createdByStack: previous.createdByStack ?? false,
            createTime: live.createTime || previous.createTime || "",
        };
    }

    async updateDescription(name: string, description: string): Promise<void> {
        try {
            await this.calls.call({
                action: "UpdateRoutineConfigDescription",
                routine: name,
                retryAmbiguous: true,
                run: (o) => this.ctx.api.updateRoutineDescription(name, description, o),
            });
        } catch (error) {
            throw error instanceof CallFailed ? error.userError : error;
        }
    }

    async delete(name: string, props: Partial<RoutineOutputs>): Promise<void> {
        if (!props.createdByStack) {
            this.ctx.log(
                "warning",
                `Routine "${name}" removed from the stack only: the stack did not create it (it was adopted), so it is left in place.`,
            );
            return;
        }
        try {
            await this.calls.call({
                action: "DeleteRoutine",
                routine: name,
                retryAmbiguous: true,
                run: (o) => this.ctx.api.deleteRoutine(name, o),
            });
        } catch (error) {
            if (error instanceof CallFailed && isNotFound(error.failure)) return;
            throw error instanceof CallFailed ? error.userError : error;
        }
        // What an earlier message of the same destroy left standing (a deployment's split, a serving version) is gone now.
        this.ctx.log("info", `Routine "${name}" deleted, and with it its code versions and what its environments served.`);
    }

    private async get(name: string) {
        try {
            return await this.calls.call({
                action: "GetRoutine",
                routine: name,
                retryAmbiguous: true,
                run: (o) => this.ctx.api.getRoutine(name, o),
            });
        } catch (error) {
            if (error instanceof CallFailed && isNotFound(error.failure)) return undefined;
            throw error instanceof CallFailed ? error.userError : error;
        }
    }
}
