/** The studio window: toolbar, graph canvas, and the Results and Diagnostics panels. */
import { useCallback, useEffect, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { Canvas } from './canvas/Canvas.js';
import { StudioContext, useModelState } from './context.js';
import { installShortcuts } from './keyboard.js';
import { DiagnosticsPanel } from './panels/DiagnosticsPanel.js';
import { ExamplesGallery } from './panels/ExamplesGallery.js';
import { ResultsPanel } from './panels/ResultsPanel.js';
import { Inspector } from './panels/Inspector.js';
import { Palette } from './panels/Palette.js';
import { Toolbar } from './panels/Toolbar.js';
import type { Position } from './model/document.js';
import { autoLayout, newModel, openExample, openFile, runCurrentModel, saveModel, validateModel, type Studio } from './studio.js';

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

  const onOpen = useCallback(() => {
    const ask = studio.host.transport === 'websocket' ? window.prompt('Model file to open (a path inside the workspace folder):') : undefined;
    if (ask === null) return;
    openFile(studio, ask || undefined).catch((e: Error) => setNotice(e.message));
  }, [studio]);

  const onSave = useCallback(
    (saveAs = false) => {
      saveModel(studio, { saveAs }).then(
        (path) => path && setNotice(`Saved ${path}`),
        (e: Error) => setNotice(e.message),
      );
    },
    [studio],
  );

  useEffect(
    () =>
      studio.host.onMenuCommand((command, path) => {
        const s = studio.model.getState();
        switch (command) {
          case 'open':
            return onOpen();
          case 'open-recent':
            if (path) openFile(studio, path).catch((e: Error) => setNotice(e.message));
            return;
          case 'save':
            return onSave();
          case 'save-as':
            return onSave(true);
          case 'examples':
            return setGalleryOpen(true);
          case 'undo':
            return s.undo();
          case 'redo':
            return s.redo();
          case 'run':
            return void runCurrentModel(studio);
          case 'auto-layout':
            return void autoLayout(studio);
        }
      }),
    [studio, onOpen, onSave],
  );

  useEffect(() => installShortcuts(studio, () => onSave(), () => openPalette()), [studio, onSave, openPalette]);

  const closeGallery = useCallback(() => setGalleryOpen(false), []);

  return (
    <StudioContext.Provider value={studio}>
      <ReactFlowProvider>
        <div className="app">
          <Toolbar onNew={() => newModel(studio)} onPalette={() => openPalette()} onExamples={() => setGalleryOpen(true)} onOpen={onOpen} onSave={() => onSave()} />
          <main className="workspace">
            <Canvas onOpenPalette={openPalette} />
            <Inspector />
            <aside className="side">
              <ResultsPanel />
              <DiagnosticsPanel />
            </aside>
          </main>
          <StatusBar notice={notice} onDismiss={() => setNotice(null)} />
        </div>
        {galleryOpen && <ExamplesGallery onClose={closeGallery} />}
        {palette && <Palette at={palette.at} onClose={closePalette} />}
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
