// Who may talk to the background: only this extension's own pages (popup, full page, options).
// Never content scripts, web pages or other extensions (we register no external listeners).
export type SenderLike = { id?: string; url?: string; origin?: string; tab?: unknown };

export function isOwnExtensionPage(sender: SenderLike, self: { id: string; baseUrl: string }): boolean {
  if (sender.id !== self.id) return false;
  const url = sender.url ?? "";
  if (!url.startsWith(self.baseUrl)) return false;
  if (sender.origin !== undefined && `${sender.origin}/` !== self.baseUrl) return false;
  return true;
}
