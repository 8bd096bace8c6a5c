/**
 * The studio's file-related UI state: the question on screen (unsaved changes, or a recovery to
 * offer), the last failed save (shown until dismissed), and the recent files.
 */
import { createStore } from 'zustand/vanilla';
import type { RecentFile, Recovery } from '../../shared/ipc/protocol.js';

export type UnsavedAnswer = 'save' | 'discard' | 'cancel';

export type FilesPrompt =
  | { kind: 'unsaved'; title: string; action: string; answer(choice: UnsavedAnswer): void }
  | { kind: 'recovery'; recovery: Recovery }
  /** The web host's Open dialog (no native one in a tab): a workspace path, or null when cancelled. */
  | { kind: 'open'; answer(path: string | null): void };

export interface SaveFailure {
  /** The file the save was for (as the host names it), or null for a new file. */
  path: string | null;
  message: string;
}

export interface FilesState {
  prompt: FilesPrompt | null;
  saveError: SaveFailure | null;
  recent: RecentFile[];
  /** Where the last autosave failed (shown in the status bar), null when the last one worked. */
  autosaveError: string | null;
  /** The last file message (exported to …), for the status bar. */
  notice: string | null;
  /** Asks Save / Don't save / Cancel about unsaved changes to `title` before `action`. */
  askUnsaved(title: string, action: string): Promise<UnsavedAnswer>;
  offerRecovery(recovery: Recovery): void;
  askOpenPath(): Promise<string | null>;
  closePrompt(): void;
  setSaveError(error: SaveFailure | null): void;
  setRecent(recent: RecentFile[]): void;
  setAutosaveError(error: string | null): void;
  setNotice(notice: string | null): void;
}

export type FilesStore = ReturnType<typeof createFilesStore>;

export function createFilesStore() {
  return createStore<FilesState>()((set, get) => ({
    prompt: null,
    saveError: null,
    recent: [],
    autosaveError: null,
    notice: null,
    askUnsaved(title, action) {
      // a second question replaces the first, which counts as cancelled
      const previous = get().prompt;
      if (previous?.kind === 'unsaved') previous.answer('cancel');
      if (previous?.kind === 'open') previous.answer(null);
      return new Promise<UnsavedAnswer>((resolve) => {
        const answer = (choice: UnsavedAnswer) => {
          if (get().prompt === prompt) set({ prompt: null });
          resolve(choice);
        };
        const prompt: FilesPrompt = { kind: 'unsaved', title, action, answer };
        set({ prompt });
      });
    },
    offerRecovery: (recovery) => set({ prompt: { kind: 'recovery', recovery } }),
    askOpenPath() {
      const previous = get().prompt;
      if (previous?.kind === 'unsaved') previous.answer('cancel');
      if (previous?.kind === 'open') previous.answer(null);
      return new Promise<string | null>((resolve) => {
        const prompt: FilesPrompt = {
          kind: 'open',
          answer: (path) => {
            if (get().prompt === prompt) set({ prompt: null });
            resolve(path);
          },
        };
        set({ prompt });
      });
    },
    closePrompt: () => set({ prompt: null }),
    setSaveError: (saveError) => set({ saveError }),
    setRecent: (recent) => set({ recent }),
    setAutosaveError: (autosaveError) => set({ autosaveError }),
    setNotice: (notice) => set({ notice }),
  }));
}
