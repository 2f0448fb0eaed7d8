/**
 * A few DOM helpers for the console. Everything the API returns reaches the page as text nodes
 * (textContent), never as markup: an audit record's fields are caller-supplied and must not run.
 */

type Child = Node | string | null | undefined | false;

/** An element with attributes and children; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) element.append(child);
  }
  return element;
}

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the console page has no #${id}`);
  return element as T;
}

/** A button that runs `onClick` (keyboard included: it is a real <button>). */
export function button(
  label: string,
  onClick: () => void,
  attributes: Record<string, string> = {},
) {
  const element = h('button', { type: 'button', ...attributes }, label);
  element.addEventListener('click', onClick);
  return element;
}

/**
 * A table with a caption and header row, in a focusable scroll region. On a phone the CSS stacks
 * each row as a card with its cells labelled from the headers (data-label); the explicit ARIA roles
 * keep it a table for screen readers, which drop table semantics when the display changes.
 */
export function table(
  caption: string,
  headers: readonly string[],
  rows: HTMLElement[],
): HTMLElement {
  const head = h(
    'tr',
    { role: 'row' },
    ...headers.map((text) => h('th', { scope: 'col', role: 'columnheader' }, text)),
  );
  for (const row of rows) {
    row.setAttribute('role', 'row');
    for (const [index, cell] of [...row.children].entries()) {
      cell.setAttribute('role', cell.tagName === 'TH' ? 'rowheader' : 'cell');
      cell.setAttribute('data-label', headers[index] ?? '');
    }
  }
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: '0' },
    h(
      'table',
      { role: 'table' },
      h('caption', {}, caption),
      h('thead', { role: 'rowgroup' }, head),
      h('tbody', { role: 'rowgroup' }, ...rows),
    ),
  );
}

/** A description list from label/value pairs; pairs with a null value are left out. */
export function details(
  pairs: ReadonlyArray<readonly [string, Child | number | null]>,
): HTMLElement {
  const list = h('dl');
  for (const [label, value] of pairs) {
    if (value === null || value === undefined || value === false) continue;
    list.append(h('dt', {}, label), h('dd', {}, typeof value === 'number' ? String(value) : value));
  }
  return list;
}

/** ISO time as `YYYY-MM-DD HH:MM:SS UTC` (one zone for every operator reading the same log). */
export function utc(iso: string | null): string {
  if (!iso) return '—';
  const time = new Date(iso);
  return Number.isNaN(time.getTime())
    ? iso
    : `${time.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A long hash shortened for tables; the full value stays in the title. */
export function shortHash(hash: string): HTMLElement {
  return h('code', { title: hash }, hash.length > 24 ? `${hash.slice(0, 12)}…` : hash);
}
