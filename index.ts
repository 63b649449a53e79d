/**
 * esa-routine-deployment: ship Alibaba Cloud ESA edge-routine code versions to
 * staging and production, as code.
 */
export * from "./sdk";
