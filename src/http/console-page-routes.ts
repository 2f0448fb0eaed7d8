/**
 * The operator console at /console and its bundled script and stylesheet (dist/console, built by
 * esbuild). The page itself is public and holds nothing: every figure it shows comes from the API
 * with the credential the operator types in, kept in the page's memory. Strict CSP: script and
 * styles from this origin only (no inline code, so no nonce is needed), requests only to this
 * origin, no images at all (the console never shows a face), no framing, no Referer.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  CONSOLE_ASSETS_DIR,
  CONSOLE_SCRIPT,
  CONSOLE_STYLES,
} from '../console/build-console-assets.js';
import type { AppEnv } from './app-env.js';

export interface ConsolePageOptions {
  /** Where the bundles are (dist/console by default). */
  assetsDir?: string;
}

const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const ASSETS: Record<string, { file: string; type: string }> = {
  '/console/assets/console.js': { file: CONSOLE_SCRIPT, type: 'text/javascript' },
  '/console/assets/console.css': { file: CONSOLE_STYLES, type: 'text/css' },
};

export function isConsolePagePath(path: string): boolean {
  return path === '/console' || path.startsWith('/console/assets/');
}

const DECISION_OPTIONS = ['live', 'spoof', 'uncertain']
  .map((d) => `<option value="${d}">${d}</option>`)
  .join('');

const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>ifas-guard console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script type="module" src="/console/assets/console.js"></script>
</head>
<body>
<header>
<h1>ifas-guard operator console</h1>
<div id="signed-in" hidden><p id="who"></p><button type="button" id="sign-out">Sign out</button></div>
</header>
<main>
<div id="status" role="status" aria-live="polite"></div>
<div id="alert" role="alert"></div>

<section id="view-sign-in" aria-labelledby="sign-in-title">
<h2 id="sign-in-title" tabindex="-1">Sign in</h2>
<form id="sign-in-form" class="panel" method="post" autocomplete="off">
<label for="credential">API key or identity-provider token (JWT)</label>
<input id="credential" name="credential" type="password" required spellcheck="false" autocomplete="off" aria-describedby="credential-hint">
<p class="hint" id="credential-hint">Needs the audit:read scope (flags:write to retry dead letters, keys:read to list keys). Kept in this tab's memory only: it is never put in a URL or stored, and signing out, reloading or closing the tab forgets it.</p>
<div class="actions"><button type="submit">Sign in</button></div>
</form>
</section>

<div id="workspace" hidden>
<nav aria-label="Console sections"><ul>
<li><button type="button" data-view="records">Records</button></li>
<li><button type="button" data-view="chain">Chain</button></li>
<li><button type="button" data-view="flags">Flags</button></li>
<li><button type="button" data-view="keys">API keys</button></li>
</ul></nav>

<section id="view-records" aria-labelledby="records-title" hidden>
<h2 id="records-title" tabindex="-1">Audit records</h2>
<form id="search" class="panel" method="post">
<fieldset><legend>Search</legend>
<div><label for="q-subject">Subject</label><input id="q-subject" name="subject" maxlength="256" spellcheck="false"></div>
<div><label for="q-decision">Decision</label><select id="q-decision" name="decision"><option value="">any</option>${DECISION_OPTIONS}</select></div>
<div><label for="q-from">From (your local time)</label><input id="q-from" name="from" type="datetime-local" step="1"></div>
<div><label for="q-to">Until (your local time)</label><input id="q-to" name="to" type="datetime-local" step="1"></div>
<div><label for="q-check">Check id</label><input id="q-check" name="checkId" maxlength="64" spellcheck="false"></div>
</fieldset>
<div class="actions"><button type="submit">Search</button></div>
</form>
<div id="records-results"></div>
<div class="actions"><button type="button" id="more" class="secondary" hidden>Load more</button></div>
</section>

<section id="view-record" aria-labelledby="record-title" hidden>
<h2 id="record-title" tabindex="-1">Record</h2>
<div id="record-body"></div>
<div class="actions"><button type="button" id="back" class="secondary">Back to the results</button></div>
</section>

<section id="view-chain" aria-labelledby="chain-title" hidden>
<h2 id="chain-title" tabindex="-1">Chain verification</h2>
<p class="hint">Recomputes every link of this tenant's hash chain and checks it against the signed checkpoints, including the newest one anchored outside the database.</p>
<div class="actions"><button type="button" id="verify">Verify the chain</button></div>
<div id="verdict"></div>
<h3>Checkpoints</h3>
<div id="checkpoints"></div>
</section>

<section id="view-flags" aria-labelledby="flags-title" hidden>
<h2 id="flags-title" tabindex="-1">Flag deliveries</h2>
<form id="flag-filter" class="panel" method="post">
<label for="flag-status">Status</label>
<select id="flag-status" name="status"><option value="dead">dead letters</option><option value="pending">pending</option><option value="delivered">delivered</option><option value="all">all</option></select>
<div class="actions"><button type="submit">Show</button></div>
</form>
<div id="flags-results"></div>
</section>

<section id="view-keys" aria-labelledby="keys-title" hidden>
<h2 id="keys-title" tabindex="-1">API keys</h2>
<p class="hint">Issue, rotate and revoke keys with <code>ifas keys</code>; secrets are shown once, at issue, and never here.</p>
<div id="keys-results"></div>
</section>
</div>
</main>
</body>
</html>
`;

export function registerConsolePage(
  app: OpenAPIHono<AppEnv>,
  options: ConsolePageOptions = {},
): void {
  const dir = options.assetsDir ?? CONSOLE_ASSETS_DIR;

  app.get('/console', (c) => c.html(CONSOLE_HTML, 200, PAGE_HEADERS));

  for (const [path, asset] of Object.entries(ASSETS)) {
    app.get(path, async (c) => {
      let body: string;
      try {
        body = await readFile(join(dir, asset.file), 'utf8');
      } catch {
        throw new Error(`the console is not built (${dir}): run npm run build`);
      }
      return c.body(body, 200, {
        'content-type': `${asset.type}; charset=utf-8`,
        'cache-control': 'public, max-age=300',
      });
    });
  }
}
