// Types of @metamask/controller-utils' siwe module, imported by path (see metamaskChecks.ts).
declare module "*/@metamask/controller-utils/dist/siwe.mjs" {
  export { detectSIWE, isValidSIWEOrigin } from "@metamask/controller-utils";
}
