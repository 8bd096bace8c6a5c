/**
 * Studio-wide shortcuts: Ctrl+Enter runs, Ctrl+S saves, Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) undo and
 * redo, Delete deletes the selection, Ctrl+D duplicates it, Ctrl+A selects every node, Escape clears the selection,
 * A opens the palette. Ctrl+C/X/V are the clipboard's (clipboard.ts); F (fit view) is the canvas's.
 */
import { installClipboard, isEditable } from './clipboard.js';
import { runCurrentModel, type Studio } from './studio.js';

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
    } else if (mod && key === 'd') {
      e.preventDefault();
      studio.model.getState().duplicateSelection();
    } else if (mod && key === 'a') {
      e.preventDefault();
      studio.model.getState().selectAll();
    } else if (e.key === 'Escape') {
      studio.model.getState().select({ nodes: [], edges: [] });
    }
  };
  window.addEventListener('keydown', onKey);
  const removeClipboard = installClipboard(studio);
  return () => {
    window.removeEventListener('keydown', onKey);
    removeClipboard();
  };
}
