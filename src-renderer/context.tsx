/** React access to the studio: components subscribe to narrow slices of the stores. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { ModelState } from './store/model-store.js';
import type { RunState } from './store/run-store.js';
import type { FilesState } from './store/files-store.js';
import type { RunHistoryState } from './store/run-history.js';
import type { Studio } from './studio.js';
import type { Command } from './store/commands.js';

export const StudioContext = createContext<Studio | null>(null);

export function useStudio(): Studio {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error('useStudio outside <StudioContext.Provider>');
  return studio;
}

/** Executes an edit of the model as one undoable command. */
export function useRunCommand(): (cmd: Command) => boolean {
  const studio = useStudio();
  return (cmd) => studio.model.getState().execute(cmd);
}

export function useModelState<T>(selector: (s: ModelState) => T): T {
  return useStore(useStudio().model, selector);
}

export function useRunState<T>(selector: (s: RunState) => T): T {
  return useStore(useStudio().run, selector);
}

export function useFilesState<T>(selector: (s: FilesState) => T): T {
  return useStore(useStudio().files, selector);
}

export function useHistoryState<T>(selector: (s: RunHistoryState) => T): T {
  return useStore(useStudio().history, selector);
}
