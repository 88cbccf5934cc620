// This page's identity for upload leases: the background lets one page at a time upload an order.
export const PAGE_LEASE_ID: string = crypto.randomUUID();
