/**
 * A value computed after the screen has painted, never on the typing path (issue 14: levers and the guide's ranking
 * are computed "after the table and charts render"). Work is split into steps, one per idle period
 * (requestIdleCallback where the browser has it, a 0 ms timer otherwise); a new input cancels the steps still due,
 * so a keystroke never waits for advice about the previous draft.
 */
import { useEffect, useState } from 'react';

type Cancel = () => void;

function whenIdle(fn: () => void): Cancel {
  const w = globalThis as typeof globalThis & {
    requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number;
    cancelIdleCallback?: (h: number) => void;
  };
  if (w.requestIdleCallback && w.cancelIdleCallback) {
    const h = w.requestIdleCallback(fn, { timeout: 500 });
    return () => w.cancelIdleCallback?.(h);
  }
  const t = setTimeout(fn, 0);
  return () => clearTimeout(t);
}

/**
 * `steps(input)` lists the pieces of work; their results come back in order as they finish (`done` once all have).
 * `input` null = nothing to compute. Results belong to the input they were computed for (`for`).
 */
export function useIdleSteps<I, R>(
  input: I | null,
  steps: (input: I) => Array<() => R>,
): { for: I | null; results: R[]; done: boolean } {
  const [state, setState] = useState<{ for: I | null; results: R[]; done: boolean }>({
    for: null,
    results: [],
    done: false,
  });
  useEffect(() => {
    if (input === null) return;
    const work = steps(input);
    const results: R[] = [];
    let cancel: Cancel = () => undefined;
    const next = (i: number) => {
      cancel = whenIdle(() => {
        if (i < work.length) results.push(work[i]!());
        const done = i + 1 >= work.length;
        setState({ for: input, results: [...results], done });
        if (!done) next(i + 1);
      });
    };
    next(0);
    return () => cancel();
    // `steps` is a module-level function at every call site; the input alone decides what is computed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [input]);
  return state.for === input ? state : { for: input, results: [], done: input === null };
}
