/** The studio window: toolbar, graph canvas, and the Results and Diagnostics panels. */
import { useCallback, useEffect, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { Canvas } from './canvas/Canvas.js';
import { StudioContext, useModelState } from './context.js';
import { installShortcuts } from './keyboard.js';
import { DiagnosticsPanel } from './panels/DiagnosticsPanel.js';
import { ExamplesGallery } from './panels/ExamplesGallery.js';
import { ResultsPanel } from './panels/ResultsPanel.js';
import { SweepPanel } from './panels/SweepPanel.js';
import { Inspector } from './panels/Inspector.js';
import { Palette } from './panels/Palette.js';
import { Toolbar } from './panels/Toolbar.js';
import type { Position } from './model/document.js';
import { autoLayout, newModel, openExample, openFile, runCurrentModel, validateModel, type Studio } from './studio.js';
import { installAutosave } from './files/autosave.js';
import { checkRecovery, confirmLeave, refreshRecent, saveWithReport } from './files/file-actions.js';
import { installSessionGuard, reportSessionState } from './files/session-guard.js';
import { FileDialogs, FileNotices } from './panels/FileDialogs.js';
import { FileMenu } from './panels/FileMenu.js';

/** Validation waits this long after the last edit. */
const VALIDATE_DELAY_MS = 250;
/** How long a notice stays in the status bar. */
const NOTICE_MS = 8000;

export function App({ studio, initialExample }: { studio: Studio; initialExample: string | null }) {
  const [galleryOpen, setGalleryOpen] = useState(initialExample === null);
  const [notice, setNotice] = useState<string | null>(null);
  /** Open palette: where its node goes (null = the centre of the view). */
  const [palette, setPalette] = useState<{ at: Position | null } | null>(null);
  const openPalette = useCallback((at: Position | null = null) => setPalette({ at }), []);
  const closePalette = useCallback(() => setPalette(null), []);

  useEffect(() => void studio.catalog.getState().load(studio.host), [studio]);

  // a notice (saved, could not open…) stays a while, and goes when another model is shown
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), NOTICE_MS);
    const unsubscribe = studio.model.subscribe((s, prev) => s.source !== prev.source && setNotice(null));
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [studio, notice]);

  useEffect(() => {
    if (initialExample) openExample(studio, initialExample).catch((e: Error) => setNotice(e.message));
  }, [studio, initialExample]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = studio.model.subscribe((s, prev) => {
      if (s.model === prev.model) return;
      clearTimeout(timer);
      timer = setTimeout(() => void validateModel(studio, s.model), VALIDATE_DELAY_MS);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [studio]);

  const onOpen = useCallback(
    (path?: string) => {
      void (async () => {
        if (!(await confirmLeave(studio, 'open another model'))) return;
        const ask = path ?? (studio.host.transport === 'websocket' ? await studio.files.getState().askOpenPath() : undefined);
        if (ask === null) return;
        await openFile(studio, ask || undefined).catch((e: Error) => setNotice(e.message));
        void refreshRecent(studio);
      })();
    },
    [studio],
  );

  const onNew = useCallback(() => void confirmLeave(studio, 'start a new model').then((ok) => ok && newModel(studio)), [studio]);

  const onSave = useCallback(
    (saveAs = false) => saveWithReport(studio, saveAs).then((path) => (path && setNotice(`Saved ${path}`), path)),
    [studio],
  );

  // unsaved work: title and close prompts; the recovery offer, then autosave
  useEffect(() => installSessionGuard(studio), [studio]);
  useEffect(() => {
    let stop: (() => void) | undefined;
    let cancelled = false;
    void checkRecovery(studio)
      .catch((e: Error) => setNotice(`Could not check for unsaved work to recover: ${e.message}`))
      .then(() => {
        if (!cancelled) stop = installAutosave(studio);
      });
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [studio]);

  useEffect(
    () =>
      studio.host.onMenuCommand((command, path) => {
        const s = studio.model.getState();
        switch (command) {
          case 'new':
            return onNew();
          case 'open':
            return onOpen();
          case 'open-recent':
            if (path) onOpen(path);
            return;
          case 'save':
            return void onSave();
          case 'save-as':
            return void onSave(true);
          case 'save-and-close':
            // the window closes when the page reports itself clean; a failed save reports it still dirty
            return void onSave().then(() => reportSessionState(studio));
          case 'examples':
            return setGalleryOpen(true);
          case 'undo':
            return s.undo();
          case 'redo':
            return s.redo();
          case 'duplicate':
            return void s.duplicateSelection();
          case 'delete':
            return s.deleteSelection();
          case 'select-all':
            return s.selectAll();
          case 'run':
            return void runCurrentModel(studio);
          case 'auto-layout':
            return void autoLayout(studio);
        }
      }),
    [studio, onNew, onOpen, onSave],
  );

  useEffect(() => installShortcuts(studio, () => void onSave(), () => openPalette()), [studio, onSave, openPalette]);

  const closeGallery = useCallback(() => setGalleryOpen(false), []);

  return (
    <StudioContext.Provider value={studio}>
      <ReactFlowProvider>
        <div className="app">
          <Toolbar
            onNew={onNew}
            onPalette={() => openPalette()}
            onExamples={() => setGalleryOpen(true)}
            onOpen={() => onOpen()}
            onSave={() => void onSave()}
            fileMenu={<FileMenu onSaveAs={() => void onSave(true)} onOpenRecent={onOpen} />}
          />
          <FileNotices />
          <main className="workspace">
            <Canvas onOpenPalette={openPalette} />
            <Inspector />
            <aside className="side">
              <ResultsPanel />
              <SweepPanel />
              <DiagnosticsPanel />
            </aside>
          </main>
          <StatusBar notice={notice} onDismiss={() => setNotice(null)} />
        </div>
        {galleryOpen && <ExamplesGallery onClose={closeGallery} />}
        {palette && <Palette at={palette.at} onClose={closePalette} />}
        <FileDialogs />
      </ReactFlowProvider>
    </StudioContext.Provider>
  );
}

function StatusBar({ notice, onDismiss }: { notice: string | null; onDismiss: () => void }) {
  const commandError = useModelState((s) => s.commandError);
  const selection = useModelState((s) => s.selection);
  const source = useModelState((s) => s.source);
  const where = source.kind === 'file' ? source.path : source.kind === 'example' ? `example: ${source.name}` : 'new model';
  const selected = selection.nodes.length + selection.edges.length;
  return (
    <footer className="statusbar">
      <span>{where}</span>
      {selected > 0 && <span>{selection.nodes.length ? selection.nodes.join(', ') : `${selection.edges.length} projection(s)`} selected</span>}
      {(notice ?? commandError) && (
        <span className="notice" role="status">
          {notice ?? commandError}
          {notice && (
            <button type="button" onClick={onDismiss} aria-label="Dismiss">
              ×
            </button>
          )}
        </span>
      )}
    </footer>
  );
}
