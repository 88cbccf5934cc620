// Shared support for the provider server's tests and the end-to-end tests.
export * from "./accounts.ts";
export * from "./chainClients.ts";
export * from "./files.ts";
export * from "./freePort.ts";
export * from "./payQuote.ts";
export * from "./providerClient.ts";
export * from "./signIn.ts";
export * from "./startHardhatNode.ts";
export * from "./startProvider.ts";
export * from "./startProviderProcess.ts";
export * from "./tcpProxy.ts";
export * from "./waitFor.ts";
export * from "./rawHttp.ts";
