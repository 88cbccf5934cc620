// The watchtower's settings on the options page: how many parts of each file a check asks for,
// how often, when an unreachable provider is reported, and the opt-in to challenge and claim by
// itself within a spending cap. Plain words; the detection arithmetic shown as a sentence.
import { detectionSentence, type WatchForm } from "../lib/watch/watchForm.ts";

export function WatchSettings({ form, onChange }: { form: WatchForm; onChange: (form: WatchForm) => void }) {
  const set = (patch: Partial<WatchForm>) => onChange({ ...form, ...patch });
  return (
    <section aria-labelledby="settings-watch-title" data-testid="settings-watch">
      <h2 id="settings-watch-title" style={{ marginTop: 14 }}>
        Checking your files
      </h2>
      <p className="muted">Pekanu checks every stored file on its own, at a random time in each period, by asking the provider for a few random parts of it and verifying them.</p>
      <div className="row" style={{ flexWrap: "wrap", alignItems: "flex-start" }}>
        <label htmlFor="settings-watch-chunks">
          Parts per check
          <input id="settings-watch-chunks" type="number" min={1} max={64} step={1} data-testid="settings-watch-chunks" value={form.chunks} aria-describedby="settings-watch-odds" onChange={(e) => set({ chunks: e.target.value })} />
        </label>
        <label htmlFor="settings-watch-interval">
          Check each file every (hours)
          <input id="settings-watch-interval" type="number" min={0.01} max={720} step="any" data-testid="settings-watch-interval" value={form.intervalHours} aria-describedby="settings-watch-odds" onChange={(e) => set({ intervalHours: e.target.value })} />
        </label>
        <label htmlFor="settings-watch-unreachable">
          Tell me when a provider is unreachable for (hours)
          <input id="settings-watch-unreachable" type="number" min={0.01} max={720} step="any" data-testid="settings-watch-unreachable" value={form.unreachableHours} onChange={(e) => set({ unreachableHours: e.target.value })} />
        </label>
      </div>
      <p id="settings-watch-odds" className="muted" data-testid="settings-watch-odds">
        {detectionSentence(form)}
      </p>
      <div className="row" style={{ alignItems: "center" }}>
        <input id="settings-watch-auto" type="checkbox" data-testid="settings-watch-auto" checked={form.autoEnforce} aria-describedby="settings-watch-auto-help" onChange={(e) => set({ autoEnforce: e.target.checked })} />
        <label htmlFor="settings-watch-auto" style={{ color: "inherit", fontSize: "inherit" }}>
          When a check fails, challenge the provider and claim the penalty for me
        </label>
      </div>
      <p id="settings-watch-auto-help" className="muted">
        Each step still asks for your confirmation in the wallet. A challenge puts down a bond, which comes back if the provider fails to answer; below is the most Pekanu may put down in bonds on its own.
      </p>
      <label htmlFor="settings-watch-cap">
        Most to put down on my behalf (ETH)
        <input id="settings-watch-cap" type="text" inputMode="decimal" className="mono" data-testid="settings-watch-cap" value={form.capEth} disabled={!form.autoEnforce} aria-describedby="settings-watch-auto-help" onChange={(e) => set({ capEth: e.target.value })} />
      </label>
    </section>
  );
}
