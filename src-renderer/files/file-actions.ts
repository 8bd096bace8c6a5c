/**
 * File actions with the safety around them: saving reports a failure (path and reason) until the
 * user dismisses it and removes the recovery file once saved; leaving a model with unsaved
 * changes (New, Open, an example) asks first; recent files; recovering an autosaved model.
 */
import type { ModelDocument, Recovery } from '../../shared/ipc/protocol.js';
import { HostCallError } from '../host/host.js';
import { defaultTrials, emptyModel } from '../model/document.js';
import { isDirty, type ModelState } from '../store/model-store.js';
import { saveModel, type Studio } from '../studio.js';

/** The name a model goes by in titles and questions: its file's name, else the model's name. */
export function modelTitle(s: Pick<ModelState, 'model' | 'source'>): string {
  if (s.source.kind === 'file') return s.source.path.split(/[\\/]/).pop() || s.source.path;
  return typeof s.model.name === 'string' && s.model.name ? s.model.name : 'untitled';
}

/** Saves (Save As when asked, or for a model not from a file); a failure stays on screen. */
export async function saveWithReport(studio: Studio, saveAs = false): Promise<string | null> {
  const { source } = studio.model.getState();
  const files = studio.files.getState();
  try {
    const written = await saveModel(studio, { saveAs });
    if (written) {
      files.setSaveError(null);
      await studio.host.call({ method: 'recovery.discard' }).catch(() => undefined);
      void refreshRecent(studio);
    }
    return written;
  } catch (e) {
    files.setSaveError({ path: !saveAs && source.kind === 'file' ? source.path : null, message: e instanceof Error ? e.message : String(e) });
    return null;
  }
}

/**
 * Before the model on screen is replaced (`action`, e.g. "open another model"): when it has
 * unsaved changes, asks Save / Don't save / Cancel. True when it may be replaced.
 */
export async function confirmLeave(studio: Studio, action: string): Promise<boolean> {
  const s = studio.model.getState();
  if (!isDirty(s)) return true;
  const answer = await studio.files.getState().askUnsaved(modelTitle(s), action);
  if (answer === 'cancel') return false;
  if (answer === 'save') return (await saveWithReport(studio)) !== null;
  await studio.host.call({ method: 'recovery.discard' }).catch(() => undefined);
  return true;
}

export async function refreshRecent(studio: Studio): Promise<void> {
  try {
    const { files } = await studio.host.call({ method: 'file.recent' });
    studio.files.getState().setRecent(files);
  } catch {
    // the list is a convenience; the File menu shows none
  }
}

/** Asks the host for a recovery file; when there is one, the user is offered it. */
export async function checkRecovery(studio: Studio): Promise<void> {
  try {
    const { recovery } = await studio.host.call({ method: 'recovery.check' });
    if (recovery) studio.files.getState().offerRecovery(recovery);
  } catch (e) {
    if (!(e instanceof HostCallError && e.error.kind === 'unavailable')) throw e;
  }
}

/** Shows a recovered model as it was being edited: its source kept, marked as not saved. */
export function recover(studio: Studio, recovery: Recovery): void {
  const model: ModelDocument = recovery.model;
  const run = studio.run.getState();
  run.clear();
  run.setTrials(defaultTrials(model));
  studio.model.getState().load(model, recovery.source);
  // the recovered edits are in no file yet: the last saved document is another one
  studio.model.setState({ saved: emptyModel() });
  studio.files.getState().closePrompt();
}

export async function discardRecovery(studio: Studio): Promise<void> {
  studio.files.getState().closePrompt();
  await studio.host.call({ method: 'recovery.discard' }).catch(() => undefined);
}
