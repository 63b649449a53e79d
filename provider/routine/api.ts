/**
 * The ESA calls of `Routine`, behind an interface (tests pass an in-memory one): one HTTP
 * request per method, errors passed on as thrown (SDK errors carry the code and RequestId).
 */
import type { Connection } from "../esa/config";
import { getRoutineInfo, RoutineInfo } from "../esa/routine-info";
import { CallOptions, lazySdkClient, loadEsaSdk, runtimeOptions } from "../esa/sdk";

export type { RoutineInfo } from "../esa/routine-info";

export interface RoutineApi {
    /** GetErService's `Status`: `Running` when the account's Edge Routine service is open. */
    erServiceStatus(options: CallOptions): Promise<string>;
    createRoutine(request: { name: string; description: string; hasAssets: boolean }, options: CallOptions): Promise<void>;
    /** The routine, or ESA's `RoutineNotExist` error. */
    getRoutine(name: string, options: CallOptions): Promise<RoutineInfo>;
    updateRoutineDescription(name: string, description: string, options: CallOptions): Promise<void>;
    deleteRoutine(name: string, options: CallOptions): Promise<void>;
}

export type RoutineApiFactory = (connection: Connection) => RoutineApi;

/** The production implementation, over the official SDK. */
export const createSdkRoutineApi: RoutineApiFactory = (connection) => {
    const sdk = lazySdkClient(connection);
    const esa = loadEsaSdk;
    return {
        async erServiceStatus(options) {
            const response = await sdk().getErServiceWithOptions(new (esa().GetErServiceRequest)({}), runtimeOptions(options));
            return String(response.body?.status ?? "");
        },
        async createRoutine(request, options) {
            await sdk().createRoutineWithOptions(new (esa().CreateRoutineRequest)({ ...request }), runtimeOptions(options));
        },
        getRoutine: (name, options) => getRoutineInfo(sdk(), name, options),
        async updateRoutineDescription(name, description, options) {
            await sdk().updateRoutineConfigDescriptionWithOptions(
                new (esa().UpdateRoutineConfigDescriptionRequest)({ name, description }),
                runtimeOptions(options),
            );
        },
        async deleteRoutine(name, options) {
            await sdk().deleteRoutineWithOptions(new (esa().DeleteRoutineRequest)({ name }), runtimeOptions(options));
        },
    };
};
