// The watchtower settings form (options page, ui/WatchSettings.tsx): the form's text values from
// the settings, the settings patch of a valid form (or the first problem in plain words), and the
// detection arithmetic (1 − (1 − f)^k) as a sentence.
import { formatEther, parseEther } from "viem";
import type { Settings } from "../settings.ts";
import { detectionProbability } from "./checkFile.ts";

export type WatchForm = { chunks: string; intervalHours: string; unreachableHours: string; autoEnforce: boolean; capEth: string };

export function watchFormOf(s: Settings): WatchForm {
  return {
    chunks: String(s.watchChunks),
    intervalHours: String(round(s.watchIntervalMinutes / 60)),
    unreachableHours: String(round(s.watchUnreachableMinutes / 60)),
    autoEnforce: s.watchAutoEnforce,
    capEth: formatEther(BigInt(s.watchSpendCapWei || "0")),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** The settings patch of a valid form, or the first problem in plain words. */
export function watchPatchOf(form: WatchForm): { patch: Pick<Settings, "watchChunks" | "watchIntervalMinutes" | "watchUnreachableMinutes" | "watchAutoEnforce" | "watchSpendCapWei"> } | { problem: string } {
  const chunks = Number(form.chunks);
  if (!Number.isInteger(chunks) || chunks < 1 || chunks > 64) return { problem: "Parts per check: a whole number from 1 to 64." };
  const interval = Number(form.intervalHours) * 60;
  if (!(interval >= 0.5 && interval <= 720 * 60)) return { problem: "Check every: from 0.01 to 720 hours." };
  const unreachable = Number(form.unreachableHours) * 60;
  if (!(unreachable >= 0.5 && unreachable <= 720 * 60)) return { problem: "Unreachable for: from 0.01 to 720 hours." };
  let cap: bigint;
  try {
    cap = parseEther(form.capEth.trim() || "0");
  } catch {
    return { problem: "Spending cap: an amount in ETH, like 0.01." };
  }
  if (cap < 0n || cap >= 10n ** 30n) return { problem: "Spending cap: an amount in ETH, like 0.01." };
  return { patch: { watchChunks: chunks, watchIntervalMinutes: interval, watchUnreachableMinutes: unreachable, watchAutoEnforce: form.autoEnforce, watchSpendCapWei: cap.toString() } };
}

/** "a file missing 1 % of its parts is caught by one check with 3.9 % probability, within 30 days with 99 %". */
export function detectionSentence(form: WatchForm): string {
  const k = Number(form.chunks);
  const hours = Number(form.intervalHours);
  if (!(k >= 1) || !(hours > 0)) return "";
  const perCheck = detectionProbability(0.01, k);
  const checks = Math.floor((30 * 24) / hours);
  const month = detectionProbability(0.01, k * checks);
  const pct = (p: number) => (p >= 0.9995 ? "over 99.9 %" : `${(p * 100).toFixed(1)} %`);
  return `If a provider lost 1 % of a file, one check would notice with ${pct(perCheck)} probability, and the ${checks} checks of 30 days with ${pct(month)}.`;
}

