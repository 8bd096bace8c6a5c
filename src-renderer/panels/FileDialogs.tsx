/**
 * The file questions and messages: Save / Don't save / Cancel about unsaved changes, the offer
 * to recover an autosaved model (naming the file it belonged to), and a failed save (path and
 * reason, shown until dismissed).
 */
import { useEffect, useRef } from 'react';
import type { Recovery } from '../../shared/ipc/protocol.js';
import { useFilesState, useStudio } from '../context.js';
import { discardRecovery, recover } from '../files/file-actions.js';

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
