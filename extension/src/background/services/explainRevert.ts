import { BaseError, ContractFunctionRevertedError } from "viem";
import { contractError, UserFacingError } from "../../lib/errors.ts";

/** Maps a contract revert to the contract's custom error, in words; anything else is thrown as it is. */
export function explainRevert(err: unknown): never {
  if (err instanceof BaseError) {
    const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName) {
      throw new UserFacingError(contractError(revert.data.errorName, revert.shortMessage));
    }
  }
  throw err;
}
