/**
 * Automatic layout with ELK's layered algorithm: input nodes on the left, outputs on the right,
 * feedback projections (cycles) allowed. Uses measured node sizes when React Flow has them.
 */
import ElkModule from 'elkjs/lib/elk.bundled.js';
import type { ModelDocument } from '../../shared/ipc/protocol.js';
import { nodeEntries, positionOf, projections, type Position } from '../model/document.js';

/** About the size of a mechanism node before React Flow has measured it. */
const DEFAULT_SIZE = { width: 180, height: 64 };

// a CommonJS module whose constructor is also its `default`
const ELK = ElkModule.default;
let elk: InstanceType<typeof ELK> | null = null;

export async function layoutModel(
  model: ModelDocument,
  measured: Readonly<Record<string, { width: number; height: number }>> = {},
): Promise<Record<string, Position>> {
  elk ??= new ELK();
  const names = nodeEntries(model).map(([n]) => n);
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '36',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      // feedback projections point against the file's node order (inputs are written first)
      'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: names.map((id) => ({ id, ...(measured[id] ?? DEFAULT_SIZE) })),
    edges: projections(model)
      .filter((p) => p.sender in model.nodes && p.receiver in model.nodes && p.sender !== p.receiver)
      .map((p, i) => ({ id: `e${i}`, sources: [p.sender], targets: [p.receiver] })),
  });
  return Object.fromEntries((graph.children ?? []).map((c) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]));
}

/** True when some node has no stored position (the file was written without a layout). */
export function needsLayout(model: ModelDocument): boolean {
  return nodeEntries(model).some(([, spec]) => !positionOf(spec));
}
