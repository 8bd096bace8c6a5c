/**
 * The editor's store: the model document (the source of truth), where it came from, the
 * undo/redo history of commands, and the editor's view state (selection, nodes being dragged,
 * measured node sizes). React Flow's nodes and edges are derived from it (derive.ts).
 * Undo/redo track the document only — never the selection or the viewport.
 */
import { createStore } from 'zustand/vanilla';
import type { ModelDocument, OpenedModel } from '../../shared/ipc/protocol.js';
import { emptyModel, projectionIndex, type Position } from '../model/document.js';
import { extractFragment, fragmentText, parseFragment, pasteNames } from '../model/fragment.js';
import { PASTE_OFFSET, deleteElements, moveNodes, pasteFragment, type Command } from './commands.js';

export type ModelSource = OpenedModel['source'] | { kind: 'new' };

interface HistoryEntry {
  label: string;
  model: ModelDocument;
}

/** The most undo steps kept. */
export const HISTORY_LIMIT = 200;

export interface Selection {
  nodes: readonly string[];
  edges: readonly string[];
}

export interface ModelState {
  model: ModelDocument;
  source: ModelSource;
  /** The document last opened or saved (dirty when `model` differs). */
  saved: ModelDocument;
  past: HistoryEntry[];
  future: HistoryEntry[];
  selection: Selection;
  /** Positions of nodes while they are dragged (committed as one command on drop). */
  dragging: Readonly<Record<string, Position>>;
  /** Sizes React Flow measured, by node name (used by auto-layout). */
  measured: Readonly<Record<string, { width: number; height: number }>>;
  /** Last error of a command (e.g. a name clash), for the status bar. */
  commandError: string | null;
  /**
   * The in-app clipboard (kept when another model opens, so nodes can be copied between models):
   * the last copied fragment's text, and how often it was pasted (each paste lands further off).
   */
  clipboard: { text: string; pastes: number } | null;

  load(model: ModelDocument, source: ModelSource): void;
  /** Replaces the document without an undo step (e.g. the first layout of a file without one). */
  replaceQuietly(model: ModelDocument): void;
  execute(command: Command): boolean;
  undo(): void;
  redo(): void;
  markSaved(source: ModelSource): void;
  select(selection: Selection): void;
  setDragging(positions: Record<string, Position>): void;
  /** Ends a drag: the dragged positions become one Move command. */
  commitDrag(): void;
  setMeasured(name: string, size: { width: number; height: number }): void;
  deleteSelection(): void;
  selectAll(): void;
  /** Copies the selected nodes (with the projections among them) and returns the fragment's text. */
  copySelection(): string | null;
  /** Copies, then deletes the selection (one undo step for the delete). */
  cutSelection(): string | null;
  /**
   * Pastes fragment text (default: the in-app clipboard) as new, selected nodes in one undo step.
   * Returns null, or why nothing was pasted.
   */
  paste(text?: string): string | null;
  /** Pastes a copy of the selected nodes next to them, leaving the clipboard as it was. */
  duplicateSelection(): string | null;
}

export type ModelStore = ReturnType<typeof createModelStore>;

const NO_SELECTION: Selection = { nodes: [], edges: [] };

export function createModelStore(initial: ModelDocument = emptyModel()) {
  return createStore<ModelState>()((set, get) => ({
    model: initial,
    source: { kind: 'new' },
    saved: initial,
    past: [],
    future: [],
    selection: NO_SELECTION,
    dragging: {},
    measured: {},
    commandError: null,
    clipboard: null,

    load(model, source) {
      set({ model, source, saved: model, past: [], future: [], selection: NO_SELECTION, dragging: {}, measured: {}, commandError: null });
    },

    replaceQuietly(model) {
      const { saved, model: current } = get();
      set({ model, saved: saved === current ? model : saved });
    },

    execute(command) {
      const { model, past } = get();
      let next: ModelDocument;
      try {
        next = command.apply(model);
      } catch (e) {
        set({ commandError: `${command.label}: ${e instanceof Error ? e.message : String(e)}` });
        return false;
      }
      if (next === model) return false;
      set({ model: next, past: [...past, { label: command.label, model }].slice(-HISTORY_LIMIT), future: [], commandError: null });
      return true;
    },

    undo() {
      const { past, future, model } = get();
      const last = past[past.length - 1];
      if (!last) return;
      set({ model: last.model, past: past.slice(0, -1), future: [{ label: last.label, model }, ...future], selection: pruneSelection(get().selection, last.model) });
    },

    redo() {
      const { past, future, model } = get();
      const next = future[0];
      if (!next) return;
      set({ model: next.model, past: [...past, { label: next.label, model }], future: future.slice(1), selection: pruneSelection(get().selection, next.model) });
    },

    markSaved(source) {
      set({ saved: get().model, source });
    },

    select(selection) {
      const cur = get().selection;
      if (sameList(cur.nodes, selection.nodes) && sameList(cur.edges, selection.edges)) return;
      set({ selection });
    },

    setDragging(positions) {
      set({ dragging: { ...get().dragging, ...positions } });
    },

    commitDrag() {
      const { dragging } = get();
      if (Object.keys(dragging).length === 0) return;
      set({ dragging: {} });
      get().execute(moveNodes(dragging));
    },

    setMeasured(name, size) {
      const cur = get().measured[name];
      if (cur && cur.width === size.width && cur.height === size.height) return;
      set({ measured: { ...get().measured, [name]: size } });
    },

    deleteSelection() {
      const { selection } = get();
      if (!selection.nodes.length && !selection.edges.length) return;
      const indices = selection.edges.map(projectionIndex).filter((i) => i >= 0);
      if (get().execute(deleteElements(selection.nodes, indices))) set({ selection: NO_SELECTION });
    },

    selectAll() {
      get().select({ nodes: Object.keys(get().model.nodes), edges: [] });
    },

    copySelection() {
      const { model, selection } = get();
      if (!selection.nodes.length) return null;
      const text = fragmentText(extractFragment(model, selection.nodes));
      set({ clipboard: { text, pastes: 0 } });
      return text;
    },

    cutSelection() {
      const text = get().copySelection();
      if (text) get().deleteSelection();
      return text;
    },

    duplicateSelection() {
      const { model, selection, clipboard } = get();
      if (!selection.nodes.length) return null;
      const error = get().paste(fragmentText(extractFragment(model, selection.nodes)));
      set({ clipboard });
      return error;
    },

    paste(text) {
      const { clipboard, model } = get();
      const source = text ?? clipboard?.text;
      if (!source?.trim()) {
        set({ commandError: 'Nothing to paste: copy some nodes first' });
        return get().commandError;
      }
      const parsed = parseFragment(source);
      if ('error' in parsed) {
        set({ commandError: parsed.error });
        return parsed.error;
      }
      // pasting the same copy again lands a step further on, so copies do not stack up unseen
      const own = clipboard && clipboard.text === source;
      const step = own ? clipboard.pastes + 1 : 1;
      const names = pasteNames(Object.keys(model.nodes), Object.keys(parsed.fragment.nodes));
      if (!get().execute(pasteFragment(parsed.fragment, { x: PASTE_OFFSET * step, y: PASTE_OFFSET * step }))) return get().commandError ?? 'nothing was pasted';
      set({ selection: { nodes: Object.values(names), edges: [] }, ...(own ? { clipboard: { text: source, pastes: step } } : {}) });
      return null;
    },
  }));
}

/** History labels for the Edit menu / tooltips. */
export function undoLabel(s: ModelState): string | null {
  return s.past[s.past.length - 1]?.label ?? null;
}

export function redoLabel(s: ModelState): string | null {
  return s.future[0]?.label ?? null;
}

export function isDirty(s: ModelState): boolean {
  return s.model !== s.saved;
}

function pruneSelection(sel: Selection, model: ModelDocument): Selection {
  const nodes = sel.nodes.filter((n) => n in model.nodes);
  return nodes.length === sel.nodes.length && sel.edges.length === 0 ? sel : { nodes, edges: [] };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
