import { useMemo, useState } from 'preact/hooks';
import type { PageEntry } from './api';

/** The pages with the most events in the range, busiest first, with a search field. */
export function PageList(props: {
  pages: PageEntry[] | undefined;
  /** Pages asked for: when the list is this long, there may be more. */
  top: number;
  selected: string;
  noun: string;
  loading: boolean;
  onSelect(url: string): void;
}) {
  const [search, setSearch] = useState('');
  const pages = props.pages ?? [];
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle ? pages.filter((p) => p.url.toLowerCase().includes(needle)) : pages;
  }, [pages, search]);
  const busiest = pages[0]?.total ?? 0;
  return (
    <nav class="page-list" aria-label="Pages">
      <div class="page-list-head">
        <h2>Pages</h2>
        <input
          type="search"
          placeholder="Search pages"
          aria-label="Search pages"
          value={search}
          onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
        />
      </div>
      <ul>
        {shown.map((p) => (
          <li key={p.url}>
            <button
              type="button"
              class="page-item"
              aria-current={p.url === props.selected ? 'page' : undefined}
              title={p.url}
              onClick={() => props.onSelect(p.url)}
            >
              <span class="page-url">{p.url}</span>
              <span class="page-count">{p.total.toLocaleString('en-US')}</span>
              <span
                class="page-bar"
                style={{ width: `${busiest > 0 ? Math.max(2, (p.total / busiest) * 100) : 0}%` }}
              />
            </button>
          </li>
        ))}
      </ul>
      <p class="page-list-foot">
        {props.loading && pages.length === 0
          ? 'Loading…'
          : pages.length === 0
            ? `No ${props.noun} in this range.`
            : shown.length === 0
              ? `No page matches “${search.trim()}”${pages.length >= props.top ? ` among the ${props.top} busiest` : ''}.`
              : pages.length >= props.top
                ? `The ${props.top} busiest pages, by ${props.noun}.`
                : `${pages.length.toLocaleString('en-US')} ${pages.length === 1 ? 'page' : 'pages'}, by ${props.noun}.`}
      </p>
    </nav>
  );
}
