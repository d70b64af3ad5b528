/** The last piece of advice applied, the fields it set, and one click to undo it. */
import { changeText, type AppliedChange } from '../../state/changes';

export function UndoBar({ applied, onUndo }: { applied: AppliedChange | null; onUndo: () => void }) {
  if (!applied) return null;
  return (
    <div className="banner info undo-bar" role="status">
      <span>
        Applied {applied.label}
        {applied.changes.length > 0 ? ': ' + applied.changes.map(changeText).join('; ') : ' (nothing changed)'}.
      </span>{' '}
      <button type="button" onClick={onUndo}>
        Undo
      </button>
    </div>
  );
}
