import { describe, expect, it } from 'vitest';
import { MT19937 } from '../src-main/random/mt19937.js';
import { readReferenceJson } from './shared-files.js';

interface Vectors {
  uint32_first10: number[];
  random_sample_first10: number[];
  standard_normal_first10: number[];
  'normal(0.25, 2.0)_first10': number[];
  'uniform(-1.0, 3.0)_first10': number[];
  state_after_seeding_first_5_key_words: number[];
}
const rng = readReferenceJson<{
  vectors: Record<'init_by_array' | 'init_genrand', Record<string, Vectors>>;
  mixed_sequence_example: { values: number[] };
}>('rng.json');

function draw(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

describe('MT19937 reproduces numpy RandomState bit for bit (rng.json)', () => {
  for (const method of ['init_by_array', 'init_genrand'] as const) {
    for (const [seed, v] of Object.entries(rng.vectors[method])) {
      const make = () => {
        const r = new MT19937();
        if (method === 'init_by_array') r.initByArray([Number(seed)]);
        else r.initGenrand(Number(seed));
        return r;
      };
      it(`${method}(${seed}): uint32, random_sample, standard_normal, normal, uniform`, () => {
        let r = make();
        expect(draw(10, () => r.uint32())).toEqual(v.uint32_first10);
        r = make();
        expect(draw(10, () => r.randomSample())).toEqual(v.random_sample_first10);
        r = make();
        expect(draw(10, () => r.standardNormal())).toEqual(v.standard_normal_first10);
        r = make();
        expect(draw(10, () => r.normal(0.25, 2.0))).toEqual(v['normal(0.25, 2.0)_first10']);
        r = make();
        expect(draw(10, () => r.uniform(-1, 3))).toEqual(v['uniform(-1.0, 3.0)_first10']);
      });
    }
  }

  it('keeps the cached gaussian across interleaved uniform draws', () => {
    const r = new MT19937();
    r.seed(17);
    expect([r.normal(0, 1), r.uniform(0, 1), r.normal(0, 1), r.normal(0, 1)]).toEqual(
      rng.mixed_sequence_example.values,
    );
  });

  it('continues identically after its state bytes are copied', () => {
    const a = new MT19937();
    a.seed(5);
    a.standardNormal();
    const b = new MT19937();
    b.copyFrom(a);
    expect(draw(700, () => b.standardNormal())).toEqual(draw(700, () => a.standardNormal()));
  });
});
