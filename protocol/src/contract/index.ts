export { serverContractAbi } from "./serverContractAbi.ts";
export { serverContractBytecode } from "./serverContractBytecode.ts";
