import { describe, expect, it } from "vitest";
import { fileTooLarge } from "./fileTooLarge.ts";
import { formatByteLimit } from "./format.ts";
import { largestFile } from "./largestFile.ts";
import { largestFileLine } from "./largestFileLine.ts";

const GiB = 2 ** 30;

describe("the largest file for the protection chosen", () => {
  it("states the largest file for the choice, never rounded up", () => {
    expect(largestFileLine({ maxFileSize: GiB, protection: "private" })).toBe("files up to 1023.7 MiB encrypted (1,073,479,644 bytes; 1 GiB not encrypted)");
    expect(largestFileLine({ maxFileSize: GiB, protection: "convergent" })).toBe("files up to 1023.7 MiB encrypted (1,073,479,644 bytes; 1 GiB not encrypted)");
    expect(largestFileLine({ maxFileSize: GiB, protection: "none" })).toBe("files up to 1 GiB (1,073,741,824 bytes)");
    // formatBytes would say "1024 MiB" for 1,073,479,644 bytes: more than fits.
    expect(formatByteLimit(1_073_479_644)).toBe("1023.7 MiB");
    expect(formatByteLimit(1023)).toBe("1023 B");
    expect(formatByteLimit(1536)).toBe("1.5 KiB");
  });

  it("the page's check before encrypting agrees with the largest file, to the byte", () => {
    const encryption = { segmentSize: 65_536 };
    const largest = largestFile({ maxFileSize: GiB, encryption });
    expect(largest).toBe(1_073_479_644);
    expect(fileTooLarge({ maxFileSize: GiB, name: "a", plainSize: largest, encryption })).toBeNull();
    expect(fileTooLarge({ maxFileSize: GiB, name: "a", plainSize: largest + 1, encryption })).toMatchObject({ code: "FileTooLarge" });
    expect(fileTooLarge({ maxFileSize: GiB, name: "a", plainSize: GiB, encryption: null })).toBeNull();
    expect(fileTooLarge({ maxFileSize: GiB, name: "a", plainSize: GiB + 1, encryption: null })).toMatchObject({ code: "FileTooLarge" });
  });
});
