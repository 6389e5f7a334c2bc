import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * Renders only the rows in view (plus a margin) of a list with one fixed row
 * height: 5,000 checks cost ~40 DOM rows. Written here because with fixed
 * heights it is a few lines of arithmetic over the window's scroll position,
 * which a library would not make shorter.
 */
export function VirtualList<T>({
  items,
  rowHeight,
  render,
  label,
}: {
  items: T[];
  rowHeight: number;
  render(item: T, index: number): ComponentChildren;
  label: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const update = () => {
      const el = ref.current;
      if (!el) return;
      const top = -el.getBoundingClientRect().top;
      setView({ top, height: window.innerHeight });
    };
    update();
    window.addEventListener('scroll', update, { passive: true });
    window.addEventListener('resize', update);
    return () => {
      window.removeEventListener('scroll', update);
      window.removeEventListener('resize', update);
    };
  }, []);
  const margin = 10;
  const first = Math.max(0, Math.floor(view.top / rowHeight) - margin);
  const last = Math.min(items.length, Math.ceil((view.top + view.height) / rowHeight) + margin);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) rows.push(render(items[i]!, i));
  return (
    <div ref={ref} class="vlist" style={{ height: `${items.length * rowHeight}px` }}>
      <ul class="vlist-window" aria-label={label} style={{ transform: `translateY(${first * rowHeight}px)` }}>
        {rows}
      </ul>
    </div>
  );
}
