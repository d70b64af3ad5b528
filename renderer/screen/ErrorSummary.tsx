import { forwardRef, useId } from 'react';
import { revealAndFocus, type InvalidField } from './invalid-fields';

/**
 * After a failed save: every field to fix, each a button that moves focus to it (issue 20). The pattern of the
 * GOV.UK error summary (https://design-system.service.gov.uk/components/error-summary/): a list above the form whose
 * entries lead to the fields, kept while any of them is still invalid.
 */
export const ErrorSummary = forwardRef<HTMLDivElement, { fields: readonly InvalidField[] }>(function ErrorSummary(
  { fields },
  ref,
) {
  const id = useId();
  return (
    <div ref={ref} className="banner error error-summary" role="group" aria-labelledby={id} tabIndex={-1}>
      <p id={id}>Please fix the highlighted fields before saving:</p>
      <ul>
        {fields.map((f) => (
          <li key={f.path}>
            {f.target ? (
              <button type="button" className="link" onClick={() => f.target && revealAndFocus(f.target)}>
                {f.label}: {f.message}
              </button>
            ) : (
              `${f.label}: ${f.message}`
            )}
          </li>
        ))}
      </ul>
    </div>
  );
});
