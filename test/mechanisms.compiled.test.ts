/**
 * A mechanism compiled on its own gives the interpreter's value, ports and state, execution
 * after execution (the studio's "test this node").
 */
import { describe, expect, it } from 'vitest';
import { compileMechanism } from '../src-main/compiler/components.js';
import { buildComposition } from '../src-main/engine/composition.js';
import { ContextStore } from '../src-main/engine/state.js';
import { readReferenceJson, referenceCaseFiles } from './shared-files.js';
import { UNSUPPORTED_YET } from '../src-main/engine/composition.js';

describe('mechanisms compiled on their own agree with the interpreter', () => {
  for (const file of referenceCaseFiles()) {
    const c = readReferenceJson<{ name: string; model: { nodes: Record<string, { type: string }> } }>(file);
    if (Object.values(c.model.nodes).some((n) => UNSUPPORTED_YET[n.type])) continue;
    it(`every node of ${c.name}`, () => {
      const comp = buildComposition(c.model);
      for (const m of comp.nodes) {
        const a = new ContextStore(comp.layout);
        const b = new ContextStore(comp.layout);
        const interpreted = m.bind(a);
        const native = compileMechanism(m, comp.layout.byteLength);
        try {
          for (let k = 0; k < 3; k++) {
            const input = Float64Array.from({ length: m.inputPorts.reduce((s, p) => s + p.size, 0) }, (_, i) => Math.sin(3 * k + i) * 0.8);
            let pos = 0;
            interpreted.execute(m.inputPorts.map((p) => input.slice(pos, (pos += p.size))));
            const finished = native.call(b.buffer, input);
            expect(finished).toBe(interpreted.isFinished());
          }
          const va = new Float64Array(a.buffer);
          const vb = new Float64Array(b.buffer);
          va.forEach((x, i) => {
            const y = vb[i]!;
            if (x !== y && !(Math.abs(x - y) <= 1e-12 * Math.abs(x)) && !(Number.isNaN(x) && Number.isNaN(y))) expect.fail(`${m.name}: state double ${i}: interpreted ${x}, compiled ${y}`);
          });
        } finally {
          native.dispose();
        }
      }
    });
  }

  it('refuses an input of the wrong size before calling native code', () => {
    const comp = buildComposition(readReferenceJson<{ model: object }>('a_linear_chain.json').model);
    const native = compileMechanism(comp.nodes[0]!, comp.layout.byteLength);
    try {
      expect(() => native.call(new ContextStore(comp.layout).buffer, new Float64Array(99))).toThrow(/expected 2 inputs/);
      expect(() => native.call(new ArrayBuffer(8), new Float64Array(2))).toThrow(/state buffer/);
    } finally {
      native.dispose();
    }
  });
});
