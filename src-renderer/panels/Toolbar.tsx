/** The run and edit controls: New, Examples, Open/Save, Undo/Redo, Auto-layout, Palette, Mode, Trials, Run/Stop. */
import type { ReactNode } from 'react';
import { EXECUTION_MODES, MAX_TRIALS, type ExecutionMode } from '../../shared/ipc/protocol.js';
import { useModelState, useRunState, useStudio } from '../context.js';
import { isDirty, redoLabel, undoLabel } from '../store/model-store.js';
import { autoLayout, runCurrentModel } from '../studio.js';

export function Toolbar({
  onNew,
  onPalette,
  onExamples,
  onOpen,
  onSave,
  fileMenu,
}: {
  onNew: () => void;
  onPalette: () => void;
  onExamples: () => void;
  onOpen: () => void;
  onSave: () => void;
  /** The File menu (Save As, recent files, exports), after Save. */
  fileMenu?: ReactNode;
}) {
  const studio = useStudio();
  const undo = useModelState(undoLabel);
  const redo = useModelState(redoLabel);
  const dirty = useModelState(isDirty);
  const title = useModelState((s) => (typeof s.model.name === 'string' && s.model.name ? s.model.name : 'untitled'));
  const mode = useRunState((s) => s.mode);
  const trials = useRunState((s) => s.trials);
  const status = useRunState((s) => s.status);
  const busy = status === 'running' || status === 'starting';

  return (
    <header className="toolbar" role="toolbar" aria-label="Studio">
      <span className="brand">CogStudio</span>
      <span className="model-title" title="Model name">
        {title}
        {dirty && (
          <span className="dirty" title="Unsaved changes" aria-label="Unsaved changes" data-testid="dirty">
            {' •'}
          </span>
        )}
      </span>
      <button type="button" onClick={onNew} title="A new, empty model">
        New
      </button>
      <button type="button" onClick={onExamples}>
        Examples
      </button>
      <button type="button" onClick={onOpen}>
        Open…
      </button>
      <button type="button" onClick={onSave}>
        Save
      </button>
      {fileMenu}
      <span className="separator" />
      <button type="button" onClick={() => studio.model.getState().undo()} disabled={!undo} title={undo ? `Undo ${undo} (Ctrl+Z)` : 'Nothing to undo'}>
        Undo
      </button>
      <button type="button" onClick={() => studio.model.getState().redo()} disabled={!redo} title={redo ? `Redo ${redo} (Ctrl+Shift+Z)` : 'Nothing to redo'}>
        Redo
      </button>
      <button type="button" onClick={() => void autoLayout(studio)}>
        Auto-layout
      </button>
      <button type="button" onClick={onPalette} title="Add a mechanism (A, or double-click the canvas)">
        Palette
      </button>
      <span className="separator" />
      <label className="field">
        Mode
        <select value={mode} onChange={(e) => studio.run.getState().setMode(e.target.value as ExecutionMode)}>
          {EXECUTION_MODES.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        Trials
        <input
          type="number"
          min={1}
          max={MAX_TRIALS}
          step={1}
          value={trials}
          onChange={(e) => studio.run.getState().setTrials(Math.min(MAX_TRIALS, Math.floor(Number(e.target.value))))}
        />
      </label>
      {busy ? (
        <button type="button" className="primary" onClick={() => void studio.run.getState().cancel(studio.host)}>
          Stop
        </button>
      ) : (
        <button type="button" className="primary" onClick={() => void runCurrentModel(studio)} title="Run (Ctrl+Enter)">
          Run
        </button>
      )}
      <span className="run-status" role="status" aria-label="Run status">
        {statusText(status)}
      </span>
    </header>
  );
}

function statusText(status: string): string {
  switch (status) {
    case 'starting':
      return 'Starting…';
    case 'running':
      return 'Running…';
    case 'done':
      return 'Done';
    case 'cancelled':
      return 'Stopped';
    case 'failed':
      return 'Failed';
    default:
      return '';
  }
}
