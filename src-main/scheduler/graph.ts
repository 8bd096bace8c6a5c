/**
 * The scheduling graph: strongly connected components (cycles) are merged into one
 * consideration set, and the consideration queue is the topological order of the merged graph
 * in levels (all sets whose dependencies are done), as graph-scheduler's toposort builds it.
 */

/** Tarjan's SCC, iterative (no recursion on large graphs). Returns component id per node. */
export function stronglyConnectedComponents(n: number, children: readonly number[][]): number[] {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const comp = new Array<number>(n).fill(-1);
  const stack: number[] = [];
  let counter = 0;
  let compCount = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length) {
      const top = work[work.length - 1]!;
      const [v, i] = top;
      const kids = children[v]!;
      if (i < kids.length) {
        top[1]++;
        const w = kids[i]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, index[w]!);
        }
      } else {
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1]![0];
          low[parent] = Math.min(low[parent]!, low[v]!);
        }
        if (low[v] === index[v]) {
          let w: number;
          do {
            w = stack.pop()!;
            onStack[w] = false;
            comp[w] = compCount;
          } while (w !== v);
          compCount++;
        }
      }
    }
  }
  return comp;
}

export interface SchedulingGraph {
  /** Consideration sets in order; nodes within a set in node order. */
  queue: number[][];
  /** Parents of each node after cycles are merged (external parents of its cycle), in node order. */
  parents: number[][];
  /** The cycle (component) each node belongs to. */
  component: number[];
}

/** Builds the consideration queue from `edges[i]` = senders into node i (self-edges ignored). */
export function buildSchedulingGraph(n: number, senders: readonly number[][]): SchedulingGraph {
  const children: number[][] = Array.from({ length: n }, () => []);
  senders.forEach((ss, r) => {
    for (const s of ss) if (s !== r && !children[s]!.includes(r)) children[s]!.push(r);
  });
  const comp = stronglyConnectedComponents(n, children);
  const compCount = Math.max(-1, ...comp) + 1;
  const members: number[][] = Array.from({ length: compCount }, () => []);
  comp.forEach((c, v) => members[c]!.push(v));
  // parents of each component (outside it)
  const compParents: Set<number>[] = Array.from({ length: compCount }, () => new Set<number>());
  senders.forEach((ss, r) => {
    for (const s of ss) if (comp[s] !== comp[r]) compParents[comp[r]!]!.add(s);
  });
  const parents = Array.from({ length: n }, (_, v) => [...compParents[comp[v]!]!].sort((a, b) => a - b));
  // Kahn levels over components
  const indeg = new Array<number>(compCount).fill(0);
  const compChildren: Set<number>[] = Array.from({ length: compCount }, () => new Set<number>());
  compParents.forEach((ps, c) => {
    const pcs = new Set([...ps].map((p) => comp[p]!));
    indeg[c] = pcs.size;
    for (const pc of pcs) compChildren[pc]!.add(c);
  });
  const queue: number[][] = [];
  let level = indeg.map((d, c) => (d === 0 ? c : -1)).filter((c) => c >= 0);
  while (level.length) {
    const nodes = level.flatMap((c) => members[c]!).sort((a, b) => a - b);
    queue.push(nodes);
    const next: number[] = [];
    for (const c of level) {
      for (const k of compChildren[c]!) {
        if (--indeg[k]! === 0) next.push(k);
      }
    }
    level = next;
  }
  return { queue, parents, component: comp };
}
