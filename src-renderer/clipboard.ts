/**
 * Copy/cut/paste of nodes through the system clipboard where the page may use it (the browser's
 * copy/cut/paste events, which Ctrl+C/X/V and Electron's Edit menu raise, and the async
 * Clipboard API for the buttons), with the model store's in-app clipboard as the fallback.
 * What is pasted from outside is validated by the store (model/fragment.ts) before it lands.
 */
import type { Studio } from './studio.js';

export function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Copies the selection to the in-app clipboard and, when permitted, the system one. */
export function copyNodes(studio: Studio, cut = false): void {
  const store = studio.model.getState();
  const text = cut ? store.cutSelection() : store.copySelection();
  if (text) navigator.clipboard?.writeText(text).catch(() => undefined);
}

/** Pastes the system clipboard's text when the page may read it, else the in-app clipboard. */
export async function pasteNodes(studio: Studio): Promise<void> {
  let text: string | undefined;
  try {
    text = (await navigator.clipboard?.readText()) || undefined;
  } catch {
    text = undefined; // reading is not permitted: the in-app clipboard it is
  }
  studio.model.getState().paste(text);
}

/**
 * Listens for copy/cut/paste outside text fields. A Ctrl+V that raises no paste event (no
 * clipboard access) still pastes the in-app clipboard.
 */
export function installClipboard(studio: Studio): () => void {
  let pendingPaste: ReturnType<typeof setTimeout> | undefined;
  const onCopy = (e: ClipboardEvent) => {
    if (isEditable(e.target) || window.getSelection()?.toString()) return; // text being copied: the browser's
    const store = studio.model.getState();
    const text = e.type === 'cut' ? store.cutSelection() : store.copySelection();
    if (!text) return;
    e.clipboardData?.setData('text/plain', text);
    e.preventDefault();
  };
  const onPaste = (e: ClipboardEvent) => {
    clearTimeout(pendingPaste);
    pendingPaste = undefined;
    if (isEditable(e.target)) return;
    e.preventDefault();
    studio.model.getState().paste(e.clipboardData?.getData('text/plain') || undefined);
  };
  const onKey = (e: KeyboardEvent) => {
    if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'v' || isEditable(e.target)) return;
    clearTimeout(pendingPaste);
    pendingPaste = setTimeout(() => {
      pendingPaste = undefined;
      studio.model.getState().paste();
    }, 0);
  };
  document.addEventListener('copy', onCopy);
  document.addEventListener('cut', onCopy);
  document.addEventListener('paste', onPaste);
  window.addEventListener('keydown', onKey);
  return () => {
    clearTimeout(pendingPaste);
    document.removeEventListener('copy', onCopy);
    document.removeEventListener('cut', onCopy);
    document.removeEventListener('paste', onPaste);
    window.removeEventListener('keydown', onKey);
  };
}
