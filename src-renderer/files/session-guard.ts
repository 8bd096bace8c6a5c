/**
 * Unsaved changes are never lost silently: the window title shows them (• before the name), the
 * host is told (Electron asks Save / Don't Save / Cancel when the window closes), and in a browser
 * tab leaving the page asks first (`beforeunload`).
 */
import { isDirty } from '../store/model-store.js';
import type { Studio } from '../studio.js';
import { modelTitle } from './file-actions.js';

export function installSessionGuard(studio: Studio): () => void {
  let last = '';
  const report = () => {
    const s = studio.model.getState();
    const dirty = isDirty(s);
    const title = modelTitle(s);
    document.title = `${dirty ? '• ' : ''}${title} — CogStudio`;
    const key = `${dirty}\n${title}`;
    if (key === last) return;
    last = key;
    studio.host.call({ method: 'session.state', dirty, title }).catch(() => undefined);
  };
  report();
  const unsubscribe = studio.model.subscribe(report);
  const onBeforeUnload = (e: BeforeUnloadEvent) => {
    if (!isDirty(studio.model.getState())) return;
    e.preventDefault();
    // older Chromium needs returnValue set to show the prompt
    e.returnValue = '';
  };
  // Electron would cancel the close without asking: its main process asks instead
  if (studio.host.transport === 'websocket') window.addEventListener('beforeunload', onBeforeUnload);
  return () => {
    unsubscribe();
    window.removeEventListener('beforeunload', onBeforeUnload);
  };
}

/** Sends the page's state again (after a save the main process waits on). */
export function reportSessionState(studio: Studio): Promise<unknown> {
  const s = studio.model.getState();
  return studio.host.call({ method: 'session.state', dirty: isDirty(s), title: modelTitle(s) }).catch(() => undefined);
}
