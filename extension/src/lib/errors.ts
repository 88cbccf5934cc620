// Every failure becomes a HumanError: a stable code (for the e2e tests and the UI's choice of
// remedy), a title and a sentence a person understands, and the action the UI offers next.

export type HumanErrorAction =
  | "retry"
  | "installWallet"
  | "unlockWallet"
  | "openWallet"
  | "switchChain"
  | "addFunds"
  | "newQuote"
  | "penalty"
  | "signIn"
  | "reconnect"
  | "reselectFile"
  | "none";

export type HumanError = {
  code: string;
  title: string;
  message: string;
  action: HumanErrorAction;
  /** Technical detail for the curious (never a stack trace). */
  detail?: string;
};

export function humanError(code: string, title: string, message: string, action: HumanErrorAction = "none", detail?: string): HumanError {
  return detail === undefined ? { code, title, message, action } : { code, title, message, action, detail };
}

/** An error raised by our own code with its human form attached. */
export class UserFacingError extends Error {
  readonly human: HumanError;
  constructor(human: HumanError) {
    super(human.message);
    this.name = "UserFacingError";
    this.human = human;
  }
}

export const walletErrors = {
  missing: (walletId: string) =>
    humanError(
      "WalletMissing",
      "Wallet not found",
      `No wallet answered at extension id ${walletId}. Install MetaMask (or set your wallet's extension id in Settings), then try again.`,
      "installWallet",
    ),
  locked: () =>
    humanError("WalletLocked", "Wallet locked", "Your wallet is locked or has not connected an account to Pekanu. Unlock it and approve the connection.", "unlockWallet"),
  rejected: () =>
    humanError("UserRejected", "Request rejected", "You rejected the request in your wallet. Nothing was signed or sent.", "retry"),
  pending: () =>
    humanError("WalletRequestPending", "Wallet request waiting", "Your wallet already has a request from Pekanu waiting: open the wallet and answer it.", "openWallet"),
  wrongChain: (expected: number, actual: number | null) =>
    humanError(
      "WrongChain",
      "Wrong network",
      `The provider's contract is on chain ${expected}, your wallet is on ${actual ?? "an unknown chain"}. Switch networks in your wallet.`,
      "switchChain",
    ),
  wrongAccount: (expected: string, actual: string | null) =>
    humanError(
      "WrongAccount",
      "Different account selected",
      `This order belongs to ${expected}, but your wallet's current account is ${actual ?? "none"}. Switch back to it in your wallet.`,
      "openWallet",
    ),
};

export const providerErrors = {
  unreachable: (url: string, detail?: string) =>
    humanError("ProviderUnreachable", "Provider unreachable", `Could not reach the provider at ${url}. Check the address and your connection, then retry.`, "retry", detail),
  invalidAnswer: (what: string, detail?: string) =>
    humanError("ProviderInvalidAnswer", "Unexpected answer", `The provider's answer to ${what} is not what the protocol expects.`, "retry", detail),
  permissionDenied: (origin: string) =>
    humanError("HostPermissionDenied", "Permission needed", `Pekanu needs your permission to talk to ${origin}. Connect again and allow it.`, "reconnect"),
};

/** Sentences for the provider's API error codes (protocol's `errorCodes`). */
const apiMessages: Record<string, [string, string, HumanErrorAction]> = {
  BadRequest: ["Request refused", "The provider refused the request as malformed.", "retry"],
  PayloadTooLarge: ["File too large", "The provider does not accept a file this large.", "none"],
  Unauthenticated: ["Sign-in needed", "Your session with the provider expired. Sign in again.", "signIn"],
  Forbidden: ["Not allowed", "The provider does not allow this for your account.", "none"],
  NotFound: ["Not found", "The provider does not know this order or file.", "none"],
  Conflict: ["Conflict", "The provider already has a conflicting request for this order.", "retry"],
  NonceInvalid: ["Sign-in expired", "The sign-in request expired before you signed it. Try again.", "signIn"],
  SiweInvalid: ["Sign-in refused", "The provider did not accept the sign-in signature.", "signIn"],
  NotRegistered: ["Not registered", "Your address is not registered with this provider yet.", "retry"],
  RegistrationRefused: ["Registration refused", "The provider refused to register your address.", "none"],
  QuoteRejected: ["Quote refused", "The provider would not quote this file.", "none"],
  OrderNotPaid: ["Payment not seen yet", "The provider has not seen your payment confirmed yet. Wait a little and retry.", "retry"],
  OrderExpired: ["Quote expired", "The quote expired before it was paid. Ask for a new quote.", "newQuote"],
  SizeMismatch: ["Wrong file", "The uploaded bytes do not have the quoted size. Select the same file you quoted.", "reselectFile"],
  RootMismatch: ["Wrong file", "The uploaded bytes do not match the quoted commitment. Select the same file you quoted.", "reselectFile"],
  OwnershipProofFailed: ["Ownership proof refused", "The provider says the proof of ownership did not verify.", "penalty"],
  RangeNotSatisfiable: ["Bad range", "The provider could not serve that part of the file.", "retry"],
  ChainUnavailable: ["Provider cannot reach the chain", "The provider cannot read the blockchain right now. Retry later.", "retry"],
  RateLimited: ["Too many requests", "The provider asks you to slow down. Wait a few seconds, then retry.", "retry"],
  Internal: ["Provider error", "The provider had an internal error. Retry later.", "retry"],
  NotYourFile: ["Not your file", "A chosen input is not a file you store with this provider (stored, paid and checked). Store it first.", "none"],
  WrongDimensions: ["Wrong matrix size", "A chosen file's matrix shape does not fit the job. Check the sizes of both matrices.", "none"],
  JobTooLarge: ["Job too large", "This provider does not take a job this large.", "none"],
  UnknownKernel: ["Unknown computation", "This provider does not offer that computation.", "none"],
  InputEncrypted: ["Not a matrix file", "A chosen file is encrypted or not a matrix file, so the provider cannot compute on it. Store the matrix unencrypted.", "none"],
};

export function apiError(code: string, serverMessage: string, status: number): HumanError {
  const known = apiMessages[code];
  if (known) return humanError(`Api${code}`, known[0], known[1], known[2], `${status} ${code}: ${serverMessage}`);
  return humanError("ApiError", "Provider error", `The provider answered with an error (${status}).`, "retry", `${code}: ${serverMessage}`);
}

/** Sentences for the contract's custom errors (ServerContract.sol). */
const contractMessages: Record<string, [string, string, HumanErrorAction]> = {
  ComputeContractQuoteExpired: ["Price expired", "The job's price expired. Ask the provider for a new one.", "none"],
  ComputeContractJobExists: ["Already paid", "This job was already paid.", "none"],
  ComputeContractIncorrectPayment: ["Wrong amount", "The amount sent does not match the job's price.", "none"],
  ComputeContractInvalidQuoteSignature: ["Price not signed by the provider", "The contract refuses the job price's signature. Do not pay; ask for a new price.", "none"],
  ComputeContractInsufficientFreeStake: ["Provider deposit too low", "The provider has no free deposit to back this job's fine. Do not pay; try later.", "none"],
  ComputeContractInvalidState: ["Not possible now", "The job is not in a state that allows this (it may have changed meanwhile).", "none"],
  ComputeContractResultCorrect: ["The result is right there", "The contract recomputed this entry and it is correct: no fine.", "none"],
  ComputeContractTooLate: ["Too late", "The time to report a wrong result for this job has passed.", "none"],
  ComputeContractInvalidProof: ["Proof refused", "The contract refused the pieces sent as proof (they do not match the files).", "none"],
  ComputeContractInvalidReceiptSignature: ["Receipt not signed by the provider", "The contract refuses the result's signature.", "none"],
  ComputeContractNothingToWithdraw: ["Nothing to withdraw", "There are no compute credits to withdraw.", "none"],
  ComputeContractUnauthorized: ["Wrong account", "Only the job's client account can do this. Switch accounts in your wallet.", "openWallet"],
  ServerContractQuoteExpired: ["Quote expired", "The quote expired. Ask the provider for a new one.", "newQuote"],
  ServerContractNotRegistered: ["Not registered", "Your address is not registered on the provider's contract.", "none"],
  ServerContractUnauthorized: ["Wrong account", "Only the order's client account can do this. Switch accounts in your wallet.", "openWallet"],
  ServerContractOrderExists: ["Already paid", "This order was already paid.", "none"],
  ServerContractIncorrectPayment: ["Wrong amount", "The amount sent does not match what the contract expects.", "none"],
  ServerContractInvalidQuoteSignature: ["Quote not signed by the provider", "The contract refuses the quote's signature.", "newQuote"],
  ServerContractInsufficientFreeStake: ["Provider stake too low", "The provider has no free stake to back this order's fine. Do not pay; try later or another provider.", "none"],
  ServerContractInvalidState: ["Not possible now", "The order is not in a state that allows this (it may have changed meanwhile).", "none"],
  ServerContractTooEarly: ["Too early", "The deadline has not passed yet. Try again after it.", "none"],
  ServerContractTooLate: ["Too late", "The storage period of this order is over.", "none"],
  ServerContractChallengeCooldown: ["Wait before challenging again", "Challenges on one order are rate limited. Try after the cooldown.", "none"],
  ServerContractInvalidReceiptSignature: ["Receipt not valid on chain", "The contract refuses this receipt's signature.", "none"],
  ServerContractTermsMismatch: ["Terms mismatch", "The stored quote does not match the order on chain.", "none"],
  ServerContractUnknownOrder: ["Unknown order", "The contract has no such order.", "none"],
  ServerContractNothingToWithdraw: ["Nothing to withdraw", "You have no credit on this contract.", "none"],
  ServerContractInvalidStorageUntil: ["Quote unusable", "The quote's storage period is already over.", "newQuote"],
};

export function contractError(name: string, detail?: string): HumanError {
  const known = contractMessages[name];
  if (known) return humanError(name, known[0], known[1], known[2], detail);
  return humanError("ContractReverted", "Transaction would fail", `The contract refused the transaction (${name}).`, "none", detail);
}

export const flowErrors = {
  quoteExpired: () => humanError("QuoteExpired", "Quote expired", "The quote expired before payment. Ask the provider for a new one.", "newQuote"),
  insufficientFunds: (shortfallEth: string) =>
    humanError("InsufficientFunds", "Not enough ETH", `You need ${shortfallEth} ETH more to pay the price and the gas. Add funds to your account, then check again.`, "addFunds"),
  receiptInvalid: (detail: string) =>
    humanError(
      "ReceiptInvalid",
      "Receipt σ is not valid",
      "The provider's signed receipt does not verify against the signer named by its contract. Do not rely on it: you can dispute the delivery on chain.",
      "penalty",
      detail,
    ),
  uploadInterrupted: (detail?: string) =>
    humanError("UploadInterrupted", "Upload interrupted", "The upload stopped before the provider answered. Select the same file again to retry.", "reselectFile", detail),
  fileMismatch: () =>
    humanError("FileMismatch", "Different file", "This is not the file that was quoted and paid for (its commitment differs). Select the original file.", "reselectFile"),
  quoteMismatch: (what: string) =>
    humanError("QuoteMismatch", "Quote does not match", `The provider's quote does not match your request (${what}). It was not accepted.`, "none"),
  quoteSignature: (detail: string) =>
    humanError("QuoteSignatureInvalid", "Quote not signed by the provider", "The quote's signature does not come from the signer the contract names. It was not accepted.", "none", detail),
};

type RpcLike = { code?: unknown; message?: unknown; data?: unknown; cause?: unknown; name?: unknown; shortMessage?: unknown };

function walk(err: unknown, visit: (e: RpcLike) => HumanError | null): HumanError | null {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const found = visit(current as RpcLike);
    if (found) return found;
    current = (current as RpcLike).cause;
  }
  return null;
}

/** Maps anything thrown (EIP-1193 errors, viem errors, fetch failures, our own) to a HumanError. */
export function toHumanError(err: unknown, context: { walletId?: string } = {}): HumanError {
  if (err instanceof UserFacingError) return err.human;
  const found = walk(err, (e) => {
    if ((e as { human?: HumanError }).human) return (e as { human: HumanError }).human;
    const code = typeof e.code === "number" ? e.code : undefined;
    if (code === 4001) return walletErrors.rejected();
    if (code === 4100) return walletErrors.locked();
    if (code === -32002) return walletErrors.pending();
    if (code === 4902) return humanError("ChainUnknownToWallet", "Network not in wallet", "Your wallet does not know the provider's network yet: add it.", "switchChain");
    const name = typeof e.name === "string" ? e.name : "";
    if (name === "UserRejectedRequestError") return walletErrors.rejected();
    if (name === "InsufficientFundsError") return flowErrors.insufficientFunds("more");
    if (name === "ContractFunctionRevertedError") {
      const errorName = (e as { data?: { errorName?: string } }).data?.errorName;
      if (errorName) return contractError(errorName, String(e.shortMessage ?? e.message ?? ""));
    }
    if (e.code === "ReceiptSignerMismatch" || e.code === "InvalidSignature") return flowErrors.receiptInvalid(String(e.message));
    if (e.code === "QuoteSignerMismatch") return flowErrors.quoteSignature(String(e.message));
    return null;
  });
  if (found) return found;
  const message = err instanceof Error ? err.message : String(err);
  if (/insufficient funds/i.test(message)) return flowErrors.insufficientFunds("more");
  if (/user rejected|user denied/i.test(message)) return walletErrors.rejected();
  return humanError("Unexpected", "Something went wrong", "An unexpected error happened. Retry; if it persists, reload the extension.", "retry", message.slice(0, 300));
}
