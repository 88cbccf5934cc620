import { computeDomain } from "./computeDomain.ts";
import { type ComputeDomain, type JobReceipt, jobReceiptTypes } from "./jobTypes.ts";

/** The JobReceipt as ready-to-sign typed data. */
export function jobReceiptTypedData({ domain, receipt }: { domain: ComputeDomain; receipt: JobReceipt }) {
  return { domain: computeDomain(domain), types: jobReceiptTypes, primaryType: "JobReceipt", message: receipt } as const;
}
