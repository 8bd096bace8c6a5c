/**
 * Seeds every stochastic component as model-format.md (section Seeds) says: a component
 * without a `seed` gets `top-level seed + k`, k = 0, 1, 2, … over the unseeded stochastic
 * components in file order (nodes in node order; within a node the DDM itself first, then its
 * keys in file order, recursing into function objects).
 */

const ALWAYS_STOCHASTIC = new Set([
  'NormalDist',
  'UniformDist',
  'DriftDiffusionIntegrator',
  'OrnsteinUhlenbeckIntegrator',
  'OneHot',
  'GridSearch',
]);

function isStochasticFunction(o: Record<string, unknown>): boolean {
  const t = o.type;
  if (typeof t !== 'string') return false;
  if (ALWAYS_STOCHASTIC.has(t)) return true;
  return t === 'SoftMax' && (o.output === 'PROB' || o.output === 'PROB_INDICATOR');
}

type Json = unknown;

/** Returns a copy of `nodes` with every stochastic component's `seed` filled in. */
export function assignSeeds(nodes: Record<string, Json>, topSeed: number): Record<string, Json> {
  let k = 0;
  const next = () => topSeed + k++;
  const visit = (v: Json, depth: number): Json => {
    if (depth > 64 || typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return v.map((x) => visit(x, depth + 1));
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const seeded = isStochasticFunction(o) && o.seed === undefined;
    const seed = seeded ? next() : undefined;
    for (const [key, val] of Object.entries(o)) out[key] = visit(val, depth + 1);
    if (seed !== undefined) out.seed = seed;
    return out;
  };
  const result: Record<string, Json> = {};
  for (const [name, node] of Object.entries(nodes)) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      result[name] = node;
      continue;
    }
    const n = node as Record<string, unknown>;
    const ddmSeed = n.type === 'DDM' && n.seed === undefined ? next() : undefined;
    const out: Record<string, unknown> = {};
    for (const [key, val] of Object.entries(n)) out[key] = key === 'studio' ? val : visit(val, 1);
    if (ddmSeed !== undefined) out.seed = ddmSeed;
    result[name] = out;
  }
  return result;
}
