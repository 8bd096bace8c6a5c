/**
 * The Inspector's form fields: a labelled row with help text and an inline message, and inputs
 * edited as drafts that commit on Enter or leaving the field (so one edit is one command).
 */
import { useId, useRef, useState, type ClipboardEvent, type ReactNode } from 'react';

/** A label, an input (given its id and description id), the help text and an inline message. */
export function Row({ label, help, title, error, children }: { label: string; help?: string | undefined; title?: string | undefined; error?: string | undefined; children: (id: string, describedBy: string) => ReactNode }) {
  const id = useId();
  return (
    <div className={`field-row${error ? ' invalid' : ''}`}>
      <label htmlFor={id} title={title}>
        {label}
      </label>
      {children(id, `${id}-help ${id}-error`)}
      {help && (
        <small id={`${id}-help`} className="field-help">
          {help}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

export const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/** A text input edited as a draft and committed on Enter or leaving the field (one command per edit). */
export function DraftInput({
  id,
  describedBy,
  value,
  placeholder,
  type = 'text',
  label,
  invalid,
  onCommit,
  onPaste,
}: {
  id?: string;
  describedBy?: string;
  value: string;
  placeholder?: string | undefined;
  type?: string;
  /** An accessible name, for an input without a <label> (a table cell). */
  label?: string;
  invalid?: boolean;
  onCommit: (text: string) => void;
  onPaste?: (e: ClipboardEvent<HTMLInputElement>) => void;
}) {
  const [draft, setDraft] = useState(value);
  const [base, setBase] = useState(value);
  // what was last handed to onCommit: Enter then an immediate blur (focus moving on) commits once
  const committed = useRef<string | null>(null);
  if (base !== value) {
    // the model changed under the field (undo, another edit): show the model's value
    setBase(value);
    setDraft(value);
  }
  const commit = () => {
    if (draft === value || draft === committed.current) return;
    committed.current = draft;
    onCommit(draft);
  };
  return (
    <input
      id={id}
      type={type}
      aria-describedby={describedBy}
      aria-label={label}
      aria-invalid={invalid || undefined}
      value={draft}
      placeholder={placeholder}
      step={type === 'number' ? 'any' : undefined}
      onChange={(e) => {
        committed.current = null;
        setDraft(e.target.value);
      }}
      onPaste={onPaste}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        else if (e.key === 'Escape') setDraft(value);
      }}
    />
  );
}

export function TextField({ label, value, help, error, onCommit }: { label: string; value: string; help?: string; error?: string | undefined; onCommit: (v: string) => void }) {
  return <Row label={label} help={help} error={error}>{(id, d) => <DraftInput id={id} describedBy={d} value={value} onCommit={onCommit} />}</Row>;
}

export function NumberField(props: { label: string; value: unknown; integer?: boolean; placeholder?: string; help?: string | undefined; error?: string | undefined; onCommit: (v: number | undefined) => void }) {
  const [local, setLocal] = useState<string | null>(null);
  return (
    <Row label={props.label} help={props.help} error={local ?? props.error}>
      {(id, d) => (
        <DraftInput
          id={id}
          describedBy={d}
          type="number"
          value={show(props.value)}
          placeholder={props.placeholder}
          onCommit={(text) => {
            if (text.trim() === '') return (setLocal(null), props.onCommit(undefined));
            const n = Number(text);
            if (!Number.isFinite(n)) return setLocal('a number');
            if (props.integer && !Number.isInteger(n)) return setLocal('a whole number');
            setLocal(null);
            props.onCommit(n);
          }}
        />
      )}
    </Row>
  );
}

