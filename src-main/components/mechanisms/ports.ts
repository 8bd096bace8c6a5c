/** Input port declarations of a node: `size` (one port) or `input_ports` (a list). */
import { ModelError, describeValue } from '../../model/errors.js';
import type { InputPortInfo, MechanismEnv, NodeSpec } from './types.js';

/** Largest layer a model may declare; bigger ones are refused before anything is allocated. */
export const MAX_PORT_SIZE = 1_000_000;

export function inputPortsOf(spec: NodeSpec, env: MechanismEnv, defaultSize = 1, defaultName = 'InputPort-0'): InputPortInfo[] {
  const path = env.path;
  const checkSize = (v: unknown, p: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_PORT_SIZE) {
      throw new ModelError([{ path: p, node: env.node, parameter: 'size', message: `the size of ${env.node} must be a whole number from 1 to ${MAX_PORT_SIZE}`, expected: `an integer in 1..${MAX_PORT_SIZE}`, found: describeValue(v) }]);
    }
    return v;
  };
  if (spec.input_ports !== undefined) {
    if (!Array.isArray(spec.input_ports) || spec.input_ports.length === 0) {
      throw new ModelError([{ path: `${path}.input_ports`, node: env.node, message: `input_ports of ${env.node} must be a non-empty list`, expected: '[{"name": "InputPort-0", "size": 3}]', found: describeValue(spec.input_ports) }]);
    }
    const names = new Set<string>();
    return spec.input_ports.map((p: unknown, i: number) => {
      const pp = `${path}.input_ports[${i}]`;
      const port = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
      const name = typeof port.name === 'string' && port.name ? port.name : `InputPort-${i}`;
      if (names.has(name)) throw new ModelError([{ path: `${pp}.name`, node: env.node, message: `${env.node} has two input ports named ${JSON.stringify(name)}` }]);
      names.add(name);
      const size = port.size === undefined ? (i === 0 && spec.size !== undefined ? checkSize(spec.size, `${path}.size`) : defaultSize) : checkSize(port.size, `${pp}.size`);
      return { name, size };
    });
  }
  const size = spec.size === undefined ? defaultSize : checkSize(spec.size, `${path}.size`);
  return [{ name: defaultName, size }];
}
