/**
 * One node's part of a model's LLVM IR, for the IR viewer: the functions the compiler generates for
 * node k are named `node.K.NAME` (its execution, and `node.K.NAME.variant…` for controlled nodes),
 * `gather.K.NAME` (its input ports from the projections) and `reset.K.NAME` (src-main/compiler/
 * codegen/composition.ts). Names that need quoting in IR appear as `@"node.K.…"`.
 */

/** The node's function definitions, in the order of the module, each whole (`define … {` to `}`). */
export function nodeIr(ir: string, k: number): string {
  const prefixes = ['node', 'gather', 'reset'].map((kind) => `${kind}.${k}.`);
  const ownsSymbol = (line: string) => {
    const at = /^define\b[^@]*@"?([^"(\s]+)/.exec(line);
    return at !== null && prefixes.some((p) => at[1]!.startsWith(p));
  };
  const out: string[] = [];
  let inside = false;
  for (const line of ir.split('\n')) {
    if (!inside && ownsSymbol(line)) inside = true;
    if (inside) {
      out.push(line);
      if (line === '}') {
        inside = false;
        out.push('');
      }
    }
  }
  return out.join('\n');
}
