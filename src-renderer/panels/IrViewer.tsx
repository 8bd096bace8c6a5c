/** The IR viewer: the LLVM IR the host generates for the model on screen (its compile request). */
import { useEffect, useState } from 'react';
import type { CompileResult } from '../../shared/ipc/protocol.js';
import { useStudio } from '../context.js';

export function IrViewer({ onClose }: { onClose: () => void }) {
  const studio = useStudio();
  const [result, setResult] = useState<CompileResult | null>(null);
  const [error, setError] = useState<string | null>(null);

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

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <div className="overlay" onClick={onClose}>
      <div className="dialog ir-dialog" role="dialog" aria-modal="true" aria-label="LLVM IR" onClick={(e) => e.stopPropagation()}>
        <div className="dialog-head">
          <h2>LLVM IR</h2>
          {result && (
            <span className="panel-meta">
              {(result.diagnostics.ir_bytes / 1024).toFixed(1)} KiB, {result.diagnostics.functions} functions, {result.ir.split('\n').length} lines (mode {result.mode})
            </span>
          )}
          <button type="button" onClick={onClose} aria-label="Close">
            ×
          </button>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {!result && !error && <p className="hint">Compiling…</p>}
        {result && (
          <pre className="ir" data-testid="ir-text">
            {result.ir}
          </pre>
        )}
      </div>
    </div>
  );
}
