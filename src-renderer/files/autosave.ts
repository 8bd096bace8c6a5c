/**
 * Autosave: a few seconds after the last edit of a model with unsaved changes, the model (with
 * its studio layout, which is part of the document) goes to the host's recovery file. When the
 * model becomes clean again (saved, or another model opened after Don't save) the file is removed.
 */
import { HostCallError } from '../host/host.js';
import { isDirty } from '../store/model-store.js';
import type { Studio } from '../studio.js';

export const AUTOSAVE_DELAY_MS = 2000;

export function installAutosave(studio: Studio, delayMs = AUTOSAVE_DELAY_MS): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let hadChanges = isDirty(studio.model.getState());
  let stopped = false;

  const flush = async () => {
    timer = undefined;
    // a recovery still waiting for the user's answer must not be overwritten
    if (studio.files.getState().prompt?.kind === 'recovery') {
      timer = setTimeout(() => void flush(), delayMs);
      return;
    }
    const s = studio.model.getState();
    try {
      if (isDirty(s)) {
        await studio.host.call({ method: 'recovery.save', model: s.model, source: s.source });
        hadChanges = true;
        studio.files.getState().setAutosaveError(null);
      } else if (hadChanges) {
        hadChanges = false;
        await studio.host.call({ method: 'recovery.discard' });
      }
    } catch (e) {
      if (e instanceof HostCallError && e.error.kind === 'unavailable') return stop();
      studio.files.getState().setAutosaveError(`Autosave failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const unsubscribe = studio.model.subscribe((s, prev) => {
    if (stopped || (s.model === prev.model && s.saved === prev.saved && s.source === prev.source)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void flush(), isDirty(s) ? delayMs : 0);
  });
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    unsubscribe();
  };
  // a model already dirty when autosave starts (a recovered one) is written at once
  if (hadChanges) timer = setTimeout(() => void flush(), 0);
  return stop;
}
