/**
 * The operator console's script: sign in with an API key or an IdP token (kept in memory only), then
 * search the audit log and open records, verify the chain, retry dead-letter flags and list API keys.
 * Each view is a section of the one page; switching moves focus to its heading and results are
 * announced in a live region, so it works with a keyboard and a screen reader.
 */

import {
  type Answer,
  type AuditEntry,
  type ConsoleApi,
  consoleApi,
  type Flag,
  type FlagStatus,
  type RecordFilter,
} from './console-api.js';
import { byId, h } from './dom.js';
import { checkpointsView, flagsTable, keysTable, verdictView } from './operations-views.js';
import { fieldsOf, recordsTable, recordView } from './record-views.js';

const VIEWS = ['records', 'record', 'chain', 'flags', 'keys'] as const;
type View = (typeof VIEWS)[number];

let api: ConsoleApi | null = null;
let filter: RecordFilter = {};
let found: AuditEntry[] = [];
let nextCursor: string | null = null;

const status = byId<HTMLElement>('status');
const alertBox = byId<HTMLElement>('alert');

function announce(message: string): void {
  alertBox.textContent = '';
  status.textContent = message;
}

function warn(message: string): void {
  status.textContent = '';
  alertBox.textContent = message;
}

function show(view: View): void {
  for (const name of VIEWS) byId(`view-${name}`).hidden = name !== view;
  const current = view === 'record' ? 'records' : view;
  for (const link of document.querySelectorAll<HTMLButtonElement>('nav button[data-view]')) {
    if (link.dataset.view === current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  byId(`${view}-title`).focus();
}

/** Runs a call for the signed-in session; its answer is dropped if the operator signed out meanwhile. */
async function withApi<T extends Answer<unknown> | readonly Answer<unknown>[]>(
  into: HTMLElement,
  call: (session: ConsoleApi) => Promise<T>,
): Promise<T | null> {
  const session = api;
  if (!session) return null;
  into.setAttribute('aria-busy', 'true');
  try {
    const result = await call(session);
    if (api !== session) return null;
    // A credential that stops working (revoked, expired) ends the session, not just this view.
    const answers = (Array.isArray(result) ? result : [result]) as readonly Answer<unknown>[];
    for (const answer of answers) {
      if (!answer.ok && answer.status === 401) {
        signOut();
        warn(`${answer.message} Sign in again.`);
        return null;
      }
    }
    return result;
  } finally {
    into.removeAttribute('aria-busy');
  }
}

// --- Records ---------------------------------------------------------------------------------

const results = byId<HTMLElement>('records-results');
const more = byId<HTMLButtonElement>('more');

function renderRecords(): void {
  results.replaceChildren(
    found.length === 0 ? h('p', {}, 'No record matches.') : recordsTable(found, openRecord),
  );
  more.hidden = nextCursor === null;
}

async function search(append: boolean): Promise<void> {
  const answer = await withApi(results, (session) =>
    session.records(filter, append ? (nextCursor ?? undefined) : undefined),
  );
  if (!answer) return;
  if (!answer.ok) return warn(answer.message);
  found = append ? [...found, ...answer.data.records] : answer.data.records;
  nextCursor = answer.data.nextCursor;
  renderRecords();
  announce(
    `${found.length} record${found.length === 1 ? '' : 's'} found${nextCursor ? '; more available' : ''}.`,
  );
}

function filterFromForm(form: HTMLFormElement): RecordFilter | string {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '').trim();
  const next: RecordFilter = {};
  if (text('subject')) next.subject = text('subject');
  if (text('checkId')) next.checkId = text('checkId');
  const decision = text('decision');
  if (decision === 'live' || decision === 'spoof' || decision === 'uncertain') {
    next.decision = decision;
  }
  for (const bound of ['from', 'to'] as const) {
    if (!text(bound)) continue;
    // datetime-local is the operator's local time; the API takes an instant.
    const time = new Date(text(bound));
    if (Number.isNaN(time.getTime())) return `The “${bound}” time is not a valid date.`;
    next[bound] = time.toISOString();
  }
  return next;
}

function openRecord(entry: AuditEntry): void {
  byId('record-title').textContent = `Record ${fieldsOf(entry).checkId}`;
  byId('record-body').replaceChildren(recordView(entry));
  show('record');
}

// --- Chain, flags, keys ----------------------------------------------------------------------

async function verifyChain(): Promise<void> {
  const verdictBox = byId('verdict');
  const answer = await withApi(verdictBox, async (session) =>
    Promise.all([session.verify(), session.checkpoints()]),
  );
  if (!answer) return;
  const [verdict, checkpoints] = answer;
  if (!verdict.ok) return warn(verdict.message);
  verdictBox.replaceChildren(verdictView(verdict.data));
  if (checkpoints.ok) byId('checkpoints').replaceChildren(checkpointsView(checkpoints.data));
  announce(verdict.data.ok ? 'Chain verified.' : 'The chain is broken: see the verdict.');
}

async function loadFlags(): Promise<void> {
  const box = byId('flags-results');
  const chosen = byId<HTMLSelectElement>('flag-status').value;
  const answer = await withApi(box, (session) =>
    session.flags(chosen === 'all' ? undefined : (chosen as FlagStatus)),
  );
  if (!answer) return;
  if (!answer.ok) {
    box.replaceChildren();
    return warn(answer.message);
  }
  const flags = answer.data.flags;
  box.replaceChildren(
    flags.length === 0 ? h('p', {}, 'No flag with this status.') : flagsTable(flags, retryFlag),
  );
  announce(`${flags.length} flag${flags.length === 1 ? '' : 's'} listed.`);
}

async function retryFlag(flag: Flag): Promise<void> {
  const answer = await withApi(byId('flags-results'), (session) => session.retryFlag(flag.id));
  if (!answer) return;
  if (!answer.ok) return warn(answer.message);
  await loadFlags();
  announce(`The flag of ${flag.checkId} to ${flag.destination} is queued for delivery again.`);
}

async function loadKeys(): Promise<void> {
  const box = byId('keys-results');
  const answer = await withApi(box, (session) => session.keys());
  if (!answer) return;
  if (!answer.ok) {
    box.replaceChildren();
    return warn(answer.message);
  }
  box.replaceChildren(keysTable(answer.data.keys));
  announce(`${answer.data.keys.length} API keys listed.`);
}

// --- Signing in and out ----------------------------------------------------------------------

const credentialInput = byId<HTMLInputElement>('credential');

async function signIn(): Promise<void> {
  const credential = credentialInput.value.trim();
  // Out of the DOM at once: the credential lives only in the API object from here on.
  credentialInput.value = '';
  if (!credential) return warn('Enter an API key or an identity-provider token.');
  const candidate = consoleApi(window.location.origin, credential);
  const probe = await candidate.checkpoints();
  if (!probe.ok) {
    const needs = probe.status === 403 ? ' The console needs a credential with audit:read.' : '';
    warn(`${probe.message}${needs}`);
    credentialInput.focus();
    return;
  }
  api = candidate;
  byId('who').textContent = `Signed in to tenant ${probe.data.tenant}`;
  byId('signed-in').hidden = false;
  byId('view-sign-in').hidden = true;
  byId('workspace').hidden = false;
  filter = {};
  show('records');
  await search(false);
}

function signOut(): void {
  api = null;
  filter = {};
  found = [];
  nextCursor = null;
  for (const id of ['records-results', 'record-body', 'verdict', 'checkpoints', 'flags-results']) {
    byId(id).replaceChildren();
  }
  byId('keys-results').replaceChildren();
  byId<HTMLFormElement>('search').reset();
  more.hidden = true;
  byId('who').textContent = '';
  byId('signed-in').hidden = true;
  byId('workspace').hidden = true;
  byId('view-sign-in').hidden = false;
  announce('Signed out. The credential is forgotten.');
  credentialInput.focus();
}

function wire(): void {
  byId<HTMLFormElement>('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void signIn();
  });
  byId('sign-out').addEventListener('click', signOut);
  byId<HTMLFormElement>('search').addEventListener('submit', (event) => {
    event.preventDefault();
    const next = filterFromForm(event.target as HTMLFormElement);
    if (typeof next === 'string') return warn(next);
    filter = next;
    void search(false);
  });
  more.addEventListener('click', () => void search(true));
  byId('back').addEventListener('click', () => show('records'));
  byId('verify').addEventListener('click', () => void verifyChain());
  byId<HTMLFormElement>('flag-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    void loadFlags();
  });
  const onOpen: Partial<Record<View, () => Promise<void>>> = {
    chain: verifyChain,
    flags: loadFlags,
    keys: loadKeys,
  };
  for (const link of document.querySelectorAll<HTMLButtonElement>('nav button[data-view]')) {
    link.addEventListener('click', () => {
      const view = link.dataset.view as View;
      show(view);
      void onOpen[view]?.();
    });
  }
}

wire();
