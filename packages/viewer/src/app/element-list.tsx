import type { TopElement } from './api';
import { shortSelector } from './elements';

const int = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(x >= 0.1 ? 0 : 1).replace(/\.0$/, '')} %`;

/**
 * The most clicked elements of the range (the answer's `topElements`): a short name (the full
 * selector in the title), the count and the share. Each is a button: pressing it outlines the
 * element on the map and scrolls the stage to it; pressing it again lets go.
 */
export function ElementList(props: {
  title: string;
  elements: TopElement[];
  /** Selectors drawn at their recorded box (not on the page now). */
  missing: ReadonlySet<string>;
  /** The kind's noun for a count: "clicks", "1 rage click". */
  noun(n?: number): string;
  total: number;
  elementCount: number;
  highlight: string | undefined;
  onHighlight(selector: string | undefined): void;
}) {
  const top = props.elements[0]?.count ?? 0;
  return (
    <aside class="elements" aria-label="Top clicked elements">
      <h2>
        {props.title}
        <span class="elements-count">
          {int(props.elementCount)} {props.elementCount === 1 ? 'element' : 'elements'}
        </span>
      </h2>
      {props.elements.length === 0 ? (
        <p class="elements-empty">No {props.noun()} on an element in this range.</p>
      ) : (
        <ol>
          {props.elements.map((e, i) => {
            const gone = props.missing.has(e.selector);
            return (
              <li key={e.selector}>
                <button
                  type="button"
                  class="element-item"
                  aria-pressed={props.highlight === e.selector}
                  data-selector={e.selector}
                  title={`${e.selector}${gone ? ' (not on the page now: drawn where it was)' : ''}`}
                  onClick={() => props.onHighlight(props.highlight === e.selector ? undefined : e.selector)}
                >
                  <span class="element-rank">{i + 1}</span>
                  <span class="element-name">
                    <span class="element-sel">{shortSelector(e.selector)}</span>
                    {gone && <small class="element-gone">not on the page now · drawn where it was</small>}
                  </span>
                  <span class="element-count">{int(e.count)}</span>
                  <span class="element-share">{pct(e.share)}</span>
                  <span
                    class="element-bar"
                    style={{ width: `${top > 0 ? Math.max(2, (e.count / top) * 100) : 0}%` }}
                  />
                </button>
              </li>
            );
          })}
        </ol>
      )}
      <p class="elements-foot">
        {int(props.total)} {props.noun(props.total)} on elements
        {props.elementCount > props.elements.length ? `; the ${props.elements.length} most clicked` : ''}.
      </p>
    </aside>
  );
}
