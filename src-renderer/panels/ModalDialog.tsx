/** A modal dialog: dimmed overlay (a click on it closes), a titled head with a close button, Escape closes. */
import { useEffect, type ReactNode } from 'react';

export function ModalDialog({ label, className, onClose, meta, children }: { label: string; className?: string; onClose: () => void; meta?: ReactNode; children: ReactNode }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <div className="overlay" onClick={onClose}>
      <div className={`dialog${className ? ` ${className}` : ''}`} role="dialog" aria-modal="true" aria-label={label} onClick={(e) => e.stopPropagation()}>
        <div className="dialog-head">
          <h2>{label}</h2>
          {meta}
          <button type="button" onClick={onClose} aria-label="Close">
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}
