/** Labelled form controls with units, hints and the validation message under the field. */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { selectFieldClass } from './select-width';

interface Base {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  unit?: string;
  /** A symbol read before the figure, as money is written: "$" [8] (issue 20: "$8", not "8 $"). */
  prefix?: string;
}

function Frame({
  id,
  label,
  error,
  hint,
  unit,
  prefix,
  className,
  children,
}: Base & { id: string; className?: string; children: ReactNode }) {
  return (
    <div className={['field', error ? 'invalid' : '', className ?? ''].filter(Boolean).join(' ')}>
      <label htmlFor={id}>{label}</label>
      <div className="control-row">
        {prefix ? (
          <span className="unit prefix" aria-hidden="true">
            {prefix}
          </span>
        ) : null}
        {children}
        {unit ? <span className="unit">{unit}</span> : null}
      </div>
      {error ? (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      ) : hint ? (
        <p className="hint">{hint}</p>
      ) : null}
    </div>
  );
}

const describedBy = (id: string, error?: string) =>
  error ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {};

export function NumberField({
  label,
  error,
  hint,
  unit,
  prefix,
  value,
  onChange,
  min,
  max,
  step,
  nullable,
  digits,
}: Base & {
  value: number | null | undefined;
  onChange: (v: number | null) => void;
  min?: number;
  max?: number;
  step?: number | 'any';
  nullable?: boolean;
  /**
   * Significant figures to show while the field is not being typed in (an imported 0.0338888… h reads 0.03389); the
   * value itself is kept whole until the user types a new one.
   */
  digits?: number;
}) {
  const id = useId();
  // Keep the text the user typed (e.g. "1e-" while typing) separate from the parsed number.
  const [text, setText] = useState<string | null>(null);
  const shown =
    text ??
    (value === null || value === undefined || Number.isNaN(value)
      ? ''
      : digits === undefined || !Number.isFinite(value)
        ? String(value)
        : String(Number(value.toPrecision(digits))));
  return (
    <Frame id={id} label={label} error={error} hint={hint} unit={unit} prefix={prefix}>
      <input
        id={id}
        inputMode="decimal"
        value={shown}
        min={min}
        max={max}
        step={step ?? 'any'}
        onChange={(e) => {
          const raw = e.target.value;
          setText(raw);
          if (raw.trim() === '') onChange(nullable ? null : Number.NaN);
          else onChange(Number(raw));
        }}
        onBlur={() => setText(null)}
        {...describedBy(id, error)}
      />
    </Frame>
  );
}

export function TextField({
  label,
  error,
  hint,
  value,
  onChange,
  maxLength,
  multiline,
}: Base & { value: string; onChange: (v: string) => void; maxLength?: number; multiline?: boolean }) {
  const id = useId();
  return (
    <Frame id={id} label={label} error={error} hint={hint}>
      {multiline ? (
        <textarea
          id={id}
          rows={3}
          value={value}
          maxLength={maxLength}
          onChange={(e) => onChange(e.target.value)}
          {...describedBy(id, error)}
        />
      ) : (
        <input
          id={id}
          value={value}
          maxLength={maxLength}
          onChange={(e) => onChange(e.target.value)}
          {...describedBy(id, error)}
        />
      )}
    </Frame>
  );
}

export function SelectField<T extends string>({
  label,
  error,
  hint,
  value,
  onChange,
  options,
}: Base & { value: T; onChange: (v: T) => void; options: ReadonlyArray<{ value: T; label: string }> }) {
  const id = useId();
  return (
    <Frame id={id} label={label} error={error} hint={hint} className={selectFieldClass(options.map((o) => o.label))}>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as T)} {...describedBy(id, error)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Frame>
  );
}

export function CheckField({
  label,
  hint,
  checked,
  onChange,
}: {
  label: string;
  hint?: ReactNode;
  checked: boolean;
  onChange: (v: boolean) => void;
}) {
  const id = useId();
  return (
    <div className="field check">
      <div className="control-row">
        <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
        <label htmlFor={id}>{label}</label>
      </div>
      {hint ? <p className="hint">{hint}</p> : null}
    </div>
  );
}

const REVEAL_EVENT = 'tuneplan:reveal';

/**
 * Opens the collapsed Section whose body is `el` (synchronously, so its fields can be focused right after). Only
 * from outside React's render and effects (an event handler, an awaited callback): it uses flushSync.
 */
export function revealSection(el: HTMLElement): void {
  el.dispatchEvent(new Event(REVEAL_EVENT));
}

/** A collapsible card; when collapsed it shows a one-line summary. */
export function Section({
  title,
  summary,
  children,
  defaultOpen = true,
}: {
  title: string;
  summary: string;
  children: ReactNode;
  defaultOpen?: boolean;
}) {
  const [open, setOpen] = useState(defaultOpen);
  const id = useId();
  const body = useRef<HTMLDivElement>(null);
  // Opened from outside to reach a field inside (the error summary after a failed save, issue 20).
  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const reveal = () => flushSync(() => setOpen(true));
    el.addEventListener(REVEAL_EVENT, reveal);
    return () => el.removeEventListener(REVEAL_EVENT, reveal);
  }, []);
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} className="card-title">
        <button type="button" aria-expanded={open} aria-controls={`${id}-body`} onClick={() => setOpen(!open)}>
          <span aria-hidden="true">{open ? '▾' : '▸'}</span> {title}
        </button>
        {!open ? <span className="summary">{summary}</span> : null}
      </h2>
      <div id={`${id}-body`} ref={body} hidden={!open} className="card-body">
        {children}
      </div>
    </section>
  );
}

export function Advanced({ children, label = 'Advanced' }: { children: ReactNode; label?: string }) {
  return (
    <details className="advanced">
      <summary>{label}</summary>
      <div className="grid">{children}</div>
    </details>
  );
}
