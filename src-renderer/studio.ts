/**
 * The studio's parts wired together — the host, the model store, the run store — and the
 * actions that span them (open, lay out, validate, run, save).
 */
import type { ModelDocument, OpenedModel } from '../shared/ipc/protocol.js';
import { defaultTrials, emptyModel, type Position } from './model/document.js';
import { addNode, applyLayout, moveNodes, uniqueNodeName } from './store/commands.js';
import { mechanismInfo } from './store/catalog-store.js';
import { layoutModel, needsLayout } from './store/layout.js';
import { createModelStore, type ModelStore } from './store/model-store.js';
import { createRunStore, type RunStore } from './store/run-store.js';
import { createCatalogStore, type CatalogStore } from './store/catalog-store.js';
import { createFilesStore, type FilesStore } from './store/files-store.js';
import { createRunHistory, recordRuns, type RunHistoryStore } from './store/run-history.js';
import type { StudioHost } from './host/host.js';

export interface Studio {
  host: StudioHost;
  model: ModelStore;
  run: RunStore;
  catalog: CatalogStore;
  /** File UI state: unsaved-changes and recovery questions, a failed save, recent files. */
  files: FilesStore;
  /** The session's finished runs, for listing and comparing. */
  history: RunHistoryStore;
}

export function createStudio(host: StudioHost): Studio {
  const studio: Studio = { host, model: createModelStore(), run: createRunStore(), catalog: createCatalogStore(), files: createFilesStore(), history: createRunHistory() };
  host.onRunEvent((e) => studio.run.getState().receive(e));
  recordRuns(studio.run, studio.history, () => studio.model.getState().model);
  return studio;
}

/** Shows an opened model: a fresh history, its default trial count, and a layout if it has none. */
export async function showModel(studio: Studio, opened: OpenedModel): Promise<void> {
  let model = opened.model;
  // a file without positions is laid out before it is shown, as part of opening it (no undo step)
  if (needsLayout(model)) model = moveNodes(await layoutModel(model)).apply(model);
  const run = studio.run.getState();
  run.clear();
  run.setTrials(defaultTrials(model));
  studio.model.getState().load(model, opened.source);
}

export async function openExample(studio: Studio, name: string): Promise<void> {
  await showModel(studio, await studio.host.call({ method: 'examples.open', name }));
}

export async function autoLayout(studio: Studio): Promise<void> {
  const { model, measured } = studio.model.getState();
  const positions = await layoutModel(model, measured);
  if (studio.model.getState().model === model) studio.model.getState().execute(applyLayout(positions));
}

export function runCurrentModel(studio: Studio): Promise<void> {
  return studio.run.getState().start(studio.host, studio.model.getState().model);
}

export function validateModel(studio: Studio, model: ModelDocument): Promise<void> {
  return studio.run.getState().validate(studio.host, model);
}

/** Saves to the file the model came from, or (Save As, or a model not from a file) asks the host where. */
export async function saveModel(studio: Studio, options: { saveAs?: boolean } = {}): Promise<string | null> {
  const { model, source } = studio.model.getState();
  const target = !options.saveAs && source.kind === 'file' ? source.path : undefined;
  const { path: written } = await studio.host.call({ method: 'file.save', model, ...(target ? { path: target } : {}) });
  if (written) studio.model.getState().markSaved({ kind: 'file', path: written });
  return written;
}

export async function openFile(studio: Studio, path?: string): Promise<boolean> {
  const { opened } = await studio.host.call({ method: 'file.open', ...(path ? { path } : {}) });
  if (opened) await showModel(studio, opened);
  return opened !== null;
}

/** A new, empty model (a fresh history: New is not undoable, like Open). */
export function newModel(studio: Studio): void {
  const run = studio.run.getState();
  run.clear();
  run.setTrials(1);
  studio.model.getState().load(emptyModel(), { kind: 'new' });
}

/** Adds a node of a mechanism type at `position` under a new name, selects it, and returns the name. */
export function addNodeOfType(studio: Studio, type: string, position: Position): string | null {
  const store = studio.model.getState();
  const base = type.replace(/Mechanism$/, '') || type;
  const name = uniqueNodeName(store.model, base);
  if (studio.catalog.getState().catalog && !mechanismInfo(studio.catalog.getState().catalog, type)) return null;
  const spec = { type, size: 1 };
  if (!store.execute(addNode(name, spec, { x: Math.round(position.x), y: Math.round(position.y) }))) return null;
  studio.model.getState().select({ nodes: [name], edges: [] });
  return name;
}
