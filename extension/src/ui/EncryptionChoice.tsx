// How the next file is stored: encrypted privately (default), encrypted so identical files
// deduplicate, or as it is. Plain words here; the format is in docs/encryption.md.
import type { EncryptionChoiceMode } from "./prepareFile.ts";

const OPTIONS: { mode: EncryptionChoiceMode; label: string; explain: string }[] = [
  { mode: "private", label: "Encrypted (private)", explain: "Only you, and people you share a link with, can read it. The provider stores unreadable bytes." },
  {
    mode: "convergent",
    label: "Encrypted, shared storage",
    explain: "The key comes from the file itself, so identical files are stored once and you may pay less — but someone who has the same file can tell it is stored.",
  },
  { mode: "none", label: "Not encrypted", explain: "The provider can read the file. Use this only for files that must be readable, such as inputs of a computation." },
];

export function EncryptionChoice({
  value,
  onChange,
  disabled,
  name = "encryption-mode",
}: {
  value: EncryptionChoiceMode;
  onChange: (mode: EncryptionChoiceMode) => void;
  disabled?: boolean;
  /** The radio group's name, also the prefix of its test ids (two choices on one page need two). */
  name?: string;
}) {
  return (
    <fieldset className="encryption-choice" data-testid={name === "encryption-mode" ? "encryption-choice" : `${name}-choice`} data-mode={value} disabled={disabled}>
      <legend>Protection</legend>
      {OPTIONS.map((option) => (
        <label key={option.mode} className="encryption-option">
          <input type="radio" name={name} value={option.mode} data-testid={`${name}-${option.mode}`} checked={value === option.mode} onChange={() => onChange(option.mode)} />
          <span>
            <strong>{option.label}</strong> <span className="muted">{option.explain}</span>
          </span>
        </label>
      ))}
      {value !== "none" ? (
        <p className="warn" data-testid={name === "encryption-mode" ? "encryption-key-warning" : `${name}-key-warning`}>
          The key is kept in this browser's vault. Losing the key loses the file: export your vault (with a passphrase) to keep a copy.
        </p>
      ) : null}
    </fieldset>
  );
}
