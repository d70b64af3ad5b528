/**
 * A wide table that scrolls sideways inside its column (docs UI.md: "wide tables keep their first column and show
 * that they scroll"): the first column stays put (`.comparison th:first-child` is sticky in styles.css), a shadow
 * marks the side with more, and a line under the table says which way to scroll. Used by the comparison table and
 * the recorded runs.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * Whether a scroll box has more to the left or right, kept in state so the table can say that it scrolls. Updated on
 * scroll and on resize only when it changes.
 */
export function useScrollEdges(ref: React.RefObject<HTMLDivElement | null>): { left: boolean; right: boolean } {
  const [edges, setEdges] = useState({ left: false, right: false });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => {
      const left = el.scrollLeft > 1;
      const right = el.scrollLeft + el.clientWidth < el.scrollWidth - 1;
      setEdges((e) => (e.left === left && e.right === right ? e : { left, right }));
    };
    update();
    el.addEventListener('scroll', update, { passive: true });
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(update);
    observer?.observe(el);
    if (el.firstElementChild) observer?.observe(el.firstElementChild);
    return () => {
      el.removeEventListener('scroll', update);
      observer?.disconnect();
    };
  }, [ref]);
  return edges;
}

export function ScrollWrap({
  label,
  more,
  back,
  children,
}: {
  /** The table's name, for the scroll region ("Technique comparison"). */
  label: string;
  /** The line under the table while more is to the right ("More techniques to the right — scroll sideways →"). */
  more: string;
  /** The line once scrolled to the end ("← Scroll back for the first techniques"). */
  back: string;
  children: ReactNode;
}) {
  const wrap = useRef<HTMLDivElement>(null);
  const edges = useScrollEdges(wrap);
  const scrolls = edges.left || edges.right;
  return (
    <>
      <div
        className="table-wrap"
        ref={wrap}
        data-scroll-left={edges.left || undefined}
        data-scroll-right={edges.right || undefined}
        // Scrollable regions must be reachable by keyboard (axe: scrollable-region-focusable).
        tabIndex={scrolls ? 0 : undefined}
        role={scrolls ? 'region' : undefined}
        aria-label={scrolls ? `${label}, scrolls sideways` : undefined}
      >
        {children}
      </div>
      {scrolls ? (
        <p className="scroll-hint" aria-hidden="true">
          {edges.right ? more : back}
        </p>
      ) : null}
    </>
  );
}
