/**
 * The graph editor: React Flow showing nodes and edges derived from the model store. Drags,
 * selections and connections become store updates and commands; React Flow keeps no model state.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type MouseEvent as ReactMouseEvent } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type NodeTypes,
} from '@xyflow/react';
import { createPortal } from 'react-dom';
import { useShallow } from 'zustand/react/shallow';
import { useModelState, useRunState, useStudio } from '../context.js';
import { flaggedNodesKey } from '../store/run-store.js';
import { connect } from '../store/commands.js';
import { createFlowDeriver, type MechanismFlowNode } from '../store/derive.js';
import { MechanismNode } from './MechanismNode.js';
import { copyNodes, isEditable, pasteNodes } from '../clipboard.js';
import { ShortcutsHelp } from '../panels/ShortcutsHelp.js';
import type { MechanismNodeData } from '../store/derive.js';

/** Registered once, at module scope, so React Flow never remounts the nodes. */
const nodeTypes: NodeTypes = { mechanism: MechanismNode };
const fitViewOptions = { padding: 0.2, maxZoom: 1.25 };
const proOptions = { hideAttribution: true };
/** Shift- or Ctrl-click adds to the selection; Shift-drag on the empty canvas draws a selection box. */
const MULTI_SELECT_KEYS = ['Shift', 'Control', 'Meta'];
const ROLE_COLOURS: Record<MechanismNodeData['role'], string> = { input: '#7dd3fc', output: '#fcd34d', hidden: '#a5b4fc', single: '#d1d5db' };
const miniMapColour = (n: MechanismFlowNode) => (n.className === 'has-issue' ? '#f87171' : ROLE_COLOURS[n.data.role]);

export function Canvas({ onOpenPalette }: { onOpenPalette: (at: { x: number; y: number }) => void }) {
  const studio = useStudio();
  const flow = useReactFlow();
  const derive = useMemo(createFlowDeriver, []);
  const { model, selection, dragging, measured } = useModelState(
    useShallow((s) => ({ model: s.model, selection: s.selection, dragging: s.dragging, measured: s.measured })),
  );
  const flaggedKey = useRunState(flaggedNodesKey);
  const flagged = useMemo(() => new Set(flaggedKey ? flaggedKey.split('\n') : []), [flaggedKey]);
  const { nodes, edges } = derive({ model, selection, dragging, measured, flagged });
  const modelKey = useModelState((s) => (s.source.kind === 'file' ? s.source.path : s.source.kind === 'example' ? s.source.name : 'new'));
  // fit the view to a model that opens with nodes; an empty canvas keeps its viewport, so the first
  // node added stays where it was put instead of the view jumping to it
  const fitFor = useRef<{ key: string; fit: boolean } | null>(null);
  if (fitFor.current?.key !== modelKey) fitFor.current = { key: modelKey, fit: nodes.length > 0 };
  const fitView = fitFor.current.fit;

  // F fits the view to the model, as the Controls' fit-view button does
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== 'f' || e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target) || document.querySelector('[role="dialog"]')) return;
      e.preventDefault();
      void flow.fitView(fitViewOptions);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [flow]);

  const onNodesChange = useCallback(
    (changes: NodeChange<MechanismFlowNode>[]) => {
      const store = studio.model.getState();
      const moved: Record<string, { x: number; y: number }> = {};
      let dropped = false;
      let selectionChanged = false;
      const selected = new Set(store.selection.nodes);
      for (const c of changes) {
        if (c.type === 'position') {
          if (c.position) moved[c.id] = c.position;
          if (c.dragging === false) dropped = true;
        } else if (c.type === 'select') {
          selectionChanged = true;
          if (c.selected) selected.add(c.id);
          else selected.delete(c.id);
        } else if (c.type === 'dimensions' && c.dimensions) {
          store.setMeasured(c.id, c.dimensions);
        }
      }
      if (Object.keys(moved).length) store.setDragging(moved);
      if (dropped) store.commitDrag();
      if (selectionChanged) store.select({ nodes: [...selected], edges: studio.model.getState().selection.edges });
    },
    [studio],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const store = studio.model.getState();
      const selected = new Set(store.selection.edges);
      let changed = false;
      for (const c of changes) {
        if (c.type !== 'select') continue;
        changed = true;
        if (c.selected) selected.add(c.id);
        else selected.delete(c.id);
      }
      if (changed) store.select({ nodes: store.selection.nodes, edges: [...selected] });
    },
    [studio],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      if (!c.source || !c.target) return;
      const senderPort = c.sourceHandle?.replace(/^out:/, '');
      const receiverPort = c.targetHandle?.replace(/^in:/, '');
      studio.model.getState().execute(
        connect({ sender: c.source, receiver: c.target, ...(senderPort ? { sender_port: senderPort } : {}), ...(receiverPort ? { receiver_port: receiverPort } : {}) }),
      );
    },
    [studio],
  );

  /** A double-click on the empty canvas opens the palette; the new node goes where it was clicked. */
  const onDoubleClick = useCallback(
    (e: ReactMouseEvent) => {
      if (!(e.target instanceof Element) || !e.target.classList.contains('react-flow__pane')) return;
      onOpenPalette(flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [flow, onOpenPalette],
  );

  return (
    <div className="canvas" aria-label="Model graph" role="region" onDoubleClick={onDoubleClick}>
      <ReactFlow
        key={modelKey}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        deleteKeyCode={null}
        zoomOnDoubleClick={false}
        fitView={fitView}
        fitViewOptions={fitViewOptions}
        proOptions={proOptions}
        minZoom={0.1}
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        selectionKeyCode="Shift"
      >
        <Background gap={24} />
        <MiniMap pannable zoomable ariaLabel="Minimap" nodeColor={miniMapColour} nodeStrokeWidth={3} />
        <Controls fitViewOptions={fitViewOptions} />
        <EditBar />
      </ReactFlow>
    </div>
  );
}

/** Edit actions as buttons (the same as the shortcuts): copy, paste, duplicate, delete, select all. */
function EditBar() {
  const studio = useStudio();
  const [help, setHelp] = useState(false);
  // ? lists the shortcuts
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '?' || e.ctrlKey || e.metaKey || isEditable(e.target) || document.querySelector('[role="dialog"]')) return;
      e.preventDefault();
      setHelp(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const selected = useModelState((s) => s.selection.nodes.length + s.selection.edges.length);
  const nodes = useModelState((s) => s.selection.nodes.length);
  const clip = useModelState((s) => s.clipboard !== null);
  const state = () => studio.model.getState();
  return (
    <Panel position="top-center" className="edit-bar" role="toolbar" aria-label="Edit">
      <button type="button" className="small" disabled={!nodes} title="Copy the selected nodes (Ctrl+C)" onClick={() => copyNodes(studio)}>
        Copy
      </button>
      <button type="button" className="small" title={clip ? 'Paste (Ctrl+V)' : 'Paste nodes copied here or model JSON from the clipboard (Ctrl+V)'} onClick={() => void pasteNodes(studio)}>
        Paste
      </button>
      <button type="button" className="small" disabled={!nodes} title="Copy the selected nodes next to them (Ctrl+D)" onClick={() => state().duplicateSelection()}>
        Duplicate
      </button>
      <button type="button" className="small" disabled={!selected} title="Delete the selection (Delete)" onClick={() => state().deleteSelection()}>
        Delete
      </button>
      <button type="button" className="small" title="Select every node (Ctrl+A)" onClick={() => state().selectAll()}>
        Select all
      </button>
      <button type="button" className="small" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={() => setHelp(true)}>
        ?
      </button>
      {/* in a portal: the panel is transformed, which would pin a fixed overlay to it */}
      {help && createPortal(<ShortcutsHelp onClose={() => setHelp(false)} />, document.body)}
    </Panel>
  );
}
