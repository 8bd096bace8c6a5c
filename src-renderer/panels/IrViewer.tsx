/**
 * The IR viewer: the LLVM IR the host generates for the model on screen (its compile request), the
 * whole module or one node's functions (the selected node's first).
 */
import { useEffect, useMemo, useState } from 'react';
import type { CompileResult } from '../../shared/ipc/protocol.js';
import { useStudio } from '../context.js';
import { nodeIr } from '../model/ir-sections.js';
import { ModalDialog } from './ModalDialog.js';

const WHOLE_MODEL = '';

export function IrViewer({ onClose }: { onClose: () => void }) {
  const studio = useStudio();
  const [result, setResult] = useState<CompileResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [nodeNames] = useState(() => Object.keys(studio.model.getState().model.nodes));
  const [shown, setShown] = useState(() => {
    const selected = studio.model.getState().selection.nodes;
    return selected.length === 1 ? selected[0]! : WHOLE_MODEL;
  });
  const text = useMemo(() => {
    if (!result || shown === WHOLE_MODEL) return result?.ir ?? '';
    return nodeIr(result.ir, nodeNames.indexOf(shown)) || `; no functions for ${shown} in this module`;
  }, [result, shown, nodeNames]);

  useEffect(() => {
    let live = true;
    studio.host.call({ method: 'model.compile', model: studio.model.getState().model, mode: 'LLVMRun' }).then(
      (r) => live && setResult(r),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [studio]);

  const meta = result && (
    <span className="panel-meta">
      {(result.ir.length / 1024).toFixed(1)} KiB, {result.diagnostics.functions} functions, {result.ir.split('\n').length} lines (mode {result.mode})
    </span>
  );

  return (
    <ModalDialog label="LLVM IR" className="ir-dialog" onClose={onClose} meta={meta}>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!result && !error && <p className="hint">Compiling…</p>}
      <label className="ir-show">
        Show{' '}
        <select aria-label="Show" value={shown} onChange={(e) => setShown(e.target.value)}>
          <option value={WHOLE_MODEL}>the whole model</option>
          {nodeNames.map((name) => (
            <option key={name} value={name}>
              node {name}
            </option>
          ))}
        </select>
      </label>
      {result && (
        <pre className="ir" data-testid="ir-text">
          {text}
        </pre>
      )}
    </ModalDialog>
  );
}
