/**
 * The component catalog the studio's palette and inspector are generated from: every mechanism,
 * function and condition type the engine declares, with PsyNeuLink's parameter names, defaults
 * and help. Built from the declarations themselves, so the studio never lists a component the
 * engine does not know.
 */
import type { Catalog, ParamInfo } from '../../shared/ipc/protocol.js';
import { FUNCTIONS } from '../components/functions/index.js';
import { MECHANISMS } from '../components/mechanisms/index.js';
import type { ParamDecl } from '../components/types.js';
import { CONDITION_RULES } from '../scheduler/conditions.js';

function paramInfo(p: ParamDecl): ParamInfo {
  return {
    name: p.name,
    kind: p.kind,
    ...(p.default !== undefined ? { default: JSON.parse(JSON.stringify(p.default)) as unknown } : {}),
    help: p.help,
    ...(p.values ? { values: [...p.values] } : {}),
    ...(p.unit ? { unit: p.unit } : {}),
  };
}

let cached: Catalog | null = null;

export function componentCatalog(): Catalog {
  cached ??= {
    mechanisms: Object.values(MECHANISMS).map((m) => ({
      type: m.type,
      help: m.help,
      params: m.params.map(paramInfo),
      defaultFunction: m.defaultFunction,
      defaultOutputPorts: [...m.defaultOutputPorts],
    })),
    functions: Object.values(FUNCTIONS).map((f) => ({ type: f.type, category: f.category, help: f.help, params: f.params.map(paramInfo), stochastic: f.stochastic })),
    conditions: Object.entries(CONDITION_RULES).map(([type, rule]) => ({ type, args: [...rule.args] })),
  };
  return cached;
}
