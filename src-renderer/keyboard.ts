/**
 * Studio-wide shortcuts: Ctrl+Enter runs, Ctrl+S saves, Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and
 * redo, Delete deletes the selection, Escape clears it, A opens the palette.
 */
import { runCurrentModel, type Studio } from './studio.js';

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function installShortcuts(studio: Studio, save: () => void, openPalette: () => void): () => void {
  const onKey = (e: KeyboardEvent) => {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key === 'Enter') {
      e.preventDefault();
      void runCurrentModel(studio);
      return;
    }
    if (mod && e.key.toLowerCase() === 's') {
      e.preventDefault();
      save();
      return;
    }
    // inside a text field, undo/redo and Delete belong to the field
    if (isEditable(e.target)) return;
    const key = e.key.toLowerCase();
    if (mod && key === 'z') {
      e.preventDefault();
      if (e.shiftKey) studio.model.getState().redo();
      else studio.model.getState().undo();
    } else if (mod && key === 'y') {
      e.preventDefault();
      studio.model.getState().redo();
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      studio.model.getState().deleteSelection();
    } else if (!mod && !e.altKey && key === 'a' && !document.querySelector('[role="dialog"]')) {
      e.preventDefault();
      openPalette();
    } else if (e.key === 'Escape') {
      studio.model.getState().select({ nodes: [], edges: [] });
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
