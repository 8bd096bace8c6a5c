/**
 * The file questions and messages: Save / Don't save / Cancel about unsaved changes, the offer
 * to recover an autosaved model (naming the file it belonged to), and a failed save (path and
 * reason, shown until dismissed).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Recovery } from '../../shared/ipc/protocol.js';
import { useFilesState, useStudio } from '../context.js';
import { discardRecovery, recover, refreshRecent } from '../files/file-actions.js';
import { ModalDialog } from './ModalDialog.js';

function describeSource(source: Recovery['source']): string {
  if (source.kind === 'file') return `the file ${source.path}`;
  if (source.kind === 'example') return `the example ${source.name} (not saved to a file)`;
  return 'a new model (never saved)';
}

export function FileDialogs() {
  const prompt = useFilesState((s) => s.prompt);
  const studio = useStudio();
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), [prompt]);
  if (!prompt) return null;

  if (prompt.kind === 'open') return <OpenDialog answer={prompt.answer} />;

  if (prompt.kind === 'unsaved') {
    return (
      <div className="overlay overlay-top">
        <div className="dialog question" role="alertdialog" aria-modal="true" aria-label="Unsaved changes" aria-describedby="unsaved-text">
          <h2>Unsaved changes</h2>
          <p id="unsaved-text">
            <strong>{prompt.title}</strong> has changes that are not saved. Save them before you {prompt.action}?
          </p>
          <div className="dialog-buttons">
            <button type="button" className="primary" ref={first} onClick={() => prompt.answer('save')}>
              Save
            </button>
            <button type="button" onClick={() => prompt.answer('discard')}>
              Don’t save
            </button>
            <button type="button" onClick={() => prompt.answer('cancel')}>
              Cancel
            </button>
          </div>
        </div>
      </div>
    );
  }

  const { recovery } = prompt;
  const name = typeof recovery.model.name === 'string' && recovery.model.name ? recovery.model.name : 'untitled';
  return (
    <div className="overlay overlay-top">
      <div className="dialog question" role="alertdialog" aria-modal="true" aria-label="Recover unsaved work" aria-describedby="recovery-text">
        <h2>Recover unsaved work?</h2>
        <p id="recovery-text" data-testid="recovery-text">
          CogStudio closed while <strong>{name}</strong> had unsaved changes. They were autosaved at {new Date(recovery.savedAt).toLocaleString()} and belong to{' '}
          <strong data-testid="recovery-source">{describeSource(recovery.source)}</strong>.
        </p>
        <div className="dialog-buttons">
          <button type="button" className="primary" ref={first} onClick={() => recover(studio, recovery)}>
            Recover
          </button>
          <button type="button" onClick={() => void discardRecovery(studio)}>
            Discard
          </button>
        </div>
      </div>
    </div>
  );
}

/** The web host's Open: a path inside the workspace folder, typed or picked from the recent files. */
function OpenDialog({ answer }: { answer: (path: string | null) => void }) {
  const studio = useStudio();
  const recent = useFilesState((s) => s.recent);
  const [path, setPath] = useState('');
  useEffect(() => void refreshRecent(studio), [studio]);
  const cancel = useCallback(() => answer(null), [answer]);
  return (
    <ModalDialog label="Open a model" className="question open-dialog" onClose={cancel}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) answer(path.trim());
        }}
      >
        <label className="field-row">
          <span>Path of a model file in the workspace folder</span>
          <input aria-label="Path" autoFocus value={path} placeholder="models/my_model.cogmodel.json" onChange={(e) => setPath(e.target.value)} />
        </label>
        {recent.length > 0 && (
          <div role="group" aria-label="Recent files" className="open-recent">
            <span className="menu-label">Recent files</span>
            {recent.map((f) => (
              <button type="button" key={f.path} disabled={!f.exists} onClick={() => answer(f.path)} title={f.exists ? f.path : `${f.path} was moved or deleted`}>
                {f.path}
                {!f.exists && <span className="missing"> (missing)</span>}
              </button>
            ))}
          </div>
        )}
        <div className="dialog-buttons">
          <button type="submit" className="primary" disabled={!path.trim()}>
            Open
          </button>
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}

/** A failed save (until dismissed), a failed autosave, and the last export's notice. */
export function FileNotices() {
  const studio = useStudio();
  const saveError = useFilesState((s) => s.saveError);
  const autosaveError = useFilesState((s) => s.autosaveError);
  const notice = useFilesState((s) => s.notice);
  return (
    <>
      {saveError && (
        <div className="save-error" role="alert" aria-label="Save failed">
          <strong>Save failed{saveError.path ? ` — ${saveError.path}` : ''}.</strong> <span data-testid="save-error-message">{saveError.message}</span> The file on disk was not changed; your
          edits are still here.
          <button type="button" onClick={() => studio.files.getState().setSaveError(null)} aria-label="Dismiss save error">
            ×
          </button>
        </div>
      )}
      {(autosaveError ?? notice) && (
        <div className="file-notice" role="status" aria-label="File notice">
          {autosaveError ?? notice}
          {notice && !autosaveError && (
            <button type="button" onClick={() => studio.files.getState().setNotice(null)} aria-label="Dismiss">
              ×
            </button>
          )}
        </div>
      )}
    </>
  );
}
