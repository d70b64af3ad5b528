/**
 * Issue 20: a select never truncates its option text. A closed native <select> cannot wrap its text, and it is as
 * wide as its longest option only when nothing squeezes it; in the editor's grid (styles.css `.grid`: columns of at
 * least 190 px) a long option was cut ("all-linear (every linear la…"). A select whose longest option does not fit
 * the narrowest cell gets the class below, which gives its field a whole row of the grid, where it keeps its natural
 * width (the width of its longest option).
 *
 * Why 17 characters: a cell is at least 190 px; the select's padding (2 × 8 px), border (2 × 1 px) and Chromium's
 * drop-down arrow (about 20 px) leave about 152 px of text. The app's font is 14 px system-ui, which on Linux is often
 * DejaVu Sans, the widest of the usual UI fonts: about 0.62 em (8.7 px) per character of mixed text (its advance
 * widths: 'a' 0.613 em, 'n' 0.634 em, 'e' 0.615 em, 'i' 0.278 em, capitals about 0.7 em). 152 / 8.7 ≈ 17.
 */
export const SELECT_WIDE_CLASS = 'select-wide';

/** Longest option label, in characters, that fits a grid cell of the narrowest width. */
export const MAX_CELL_OPTION_CHARS = 17;

export function selectNeedsRow(labels: Iterable<string>): boolean {
  for (const l of labels) if (l.trim().length > MAX_CELL_OPTION_CHARS) return true;
  return false;
}

/** The class of a field holding a select with these option labels. */
export function selectFieldClass(labels: Iterable<string>): string {
  return selectNeedsRow(labels) ? SELECT_WIDE_CLASS : '';
}
