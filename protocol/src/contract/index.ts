export { serverContractAbi } from "./serverContractAbi.ts";
export { serverContractBytecode } from "./serverContractBytecode.ts";
export { clientContractAbi, clientEventNames, clientFunctionNames } from "./clientContractAbi.ts";
export { computeContractAbi } from "./computeContractAbi.ts";
export { computeContractBytecode } from "./computeContractBytecode.ts";
