/** The File menu: Save As, the recent files (missing ones marked), and exports of the results. */
import { useEffect, useRef, useState } from 'react';
import { useFilesState, useRunState, useStudio } from '../context.js';
import { exportStem, resultsCsv, resultsJson, saveExport } from '../files/exports.js';
import { refreshRecent } from '../files/file-actions.js';
import { modelHash } from '../store/run-history.js';

export function FileMenu({ onSaveAs, onOpenRecent }: { onSaveAs: () => void; onOpenRecent: (path: string) => void }) {
  const studio = useStudio();
  const [open, setOpen] = useState(false);
  const recent = useFilesState((s) => s.recent);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    void refreshRecent(studio);
    const onDown = (e: MouseEvent) => !menu.current?.contains(e.target as Node) && setOpen(false);
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('mousedown', onDown);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('mousedown', onDown);
      window.removeEventListener('keydown', onKey);
    };
  }, [open, studio]);

  const act = (fn: () => void) => () => {
    setOpen(false);
    fn();
  };

  const exportResults = (kind: 'csv' | 'json') => {
    const { columns, results, mode, diagnostics } = studio.run.getState();
    const model = studio.model.getState().model;
    const name = typeof model.name === 'string' && model.name ? model.name : 'model';
    const text =
      kind === 'csv'
        ? resultsCsv(columns, results)
        : resultsJson({ model: name, modelHash: modelHash(model), mode: diagnostics?.mode ?? mode, executedMode: diagnostics?.executed_mode ?? null }, columns, results);
    saveExport(studio, `${exportStem(name)}-results.${kind}`, text).then(
      (path) => path && studio.files.getState().setNotice(`Exported the results to ${path}`),
      (e: Error) => studio.files.getState().setNotice(`Export failed: ${e.message}`),
    );
  };
  const hasResults = useRunState((s) => s.results.length > 0);

  return (
    <div className="menu-wrap" ref={menu}>
      <button type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        File ▾
      </button>
      {open && (
        <div className="menu" role="menu" aria-label="File">
          <button type="button" role="menuitem" onClick={act(onSaveAs)}>
            Save As…
          </button>
          <div className="menu-sep" role="separator" />
          <div className="menu-label" id="recent-label">
            Recent files
          </div>
          <div role="group" aria-labelledby="recent-label">
            {recent.length === 0 && <div className="menu-empty">none yet</div>}
            {recent.map((f) => (
              <button
                type="button"
                role="menuitem"
                key={f.path}
                disabled={!f.exists}
                title={f.exists ? f.path : `${f.path} was moved or deleted`}
                onClick={act(() => onOpenRecent(f.path))}
              >
                {f.path}
                {!f.exists && <span className="missing"> (missing)</span>}
              </button>
            ))}
          </div>
          <div className="menu-sep" role="separator" />
          <button type="button" role="menuitem" disabled={!hasResults} onClick={act(() => exportResults('csv'))}>
            Export results as CSV
          </button>
          <button type="button" role="menuitem" disabled={!hasResults} onClick={act(() => exportResults('json'))}>
            Export results as JSON
          </button>
        </div>
      )}
    </div>
  );
}
