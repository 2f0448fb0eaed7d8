/**
 * The capture page at /capture/{sessionId} (the session's captureUrl, token in the fragment) and its
 * bundled scripts. The page is public — it holds no secret until the browser reads the fragment — and
 * is served under a strict CSP: scripts and styles from this origin only, no inline code, requests only
 * to this origin, no framing, no Referer.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { CAPTURE_ASSETS_DIR } from '../capture/build-capture-assets.js';
import type { SessionService } from '../sessions/session-service.js';
import type { AppEnv } from './app-env.js';

export interface CapturePageOptions {
  sessions: SessionService;
  /** Where the bundles are (dist/capture by default). */
  assetsDir?: string;
}

const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSETS: Record<string, { file: string; type: string; crossOrigin: boolean }> = {
  '/capture/assets/capture-page.js': {
    file: 'capture-page.js',
    type: 'text/javascript',
    crossOrigin: false,
  },
  '/capture/assets/capture-page.css': { file: '', type: 'text/css', crossOrigin: false },
  // For hosts' pages on other origins: a classic script, which needs no CORS grant, only CORP.
  '/capture/ifas-capture.js': {
    file: 'ifas-capture.js',
    type: 'text/javascript',
    crossOrigin: true,
  },
};

const PAGE_CSS = `
html { background: #f4f6f8; }
body { margin: 0; padding: 1rem; font: 16px/1.4 system-ui, sans-serif; color: #111; }
main { max-width: 30rem; margin: 0 auto; }
h1 { font-size: 1.4rem; text-align: center; margin: 0.5rem 0 1rem; }
p.lead { text-align: center; margin: 0 0 1rem; color: #333; }
`;

const SESSION_ID = /^ses_[A-Za-z0-9_-]{10,60}$/;

export function isCapturePagePath(path: string): boolean {
  return path.startsWith('/capture/');
}

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function pageHtml(sessionId: string, state: string, returnUrl: string | null): string {
  const returnAttribute = returnUrl ? ` data-return-url="${escapeAttribute(returnUrl)}"` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Face check</title>
<link rel="stylesheet" href="/capture/assets/capture-page.css">
<script type="module" src="/capture/assets/capture-page.js"></script>
</head>
<body>
<main>
<h1>Face check</h1>
<p class="lead">We check that a live person is in front of the camera. No photo is kept.</p>
<ifas-capture session-id="${escapeAttribute(sessionId)}" state="${escapeAttribute(state)}"${returnAttribute}></ifas-capture>
</main>
</body>
</html>
`;
}

export function registerCapturePage(app: OpenAPIHono<AppEnv>, options: CapturePageOptions): void {
  const dir = options.assetsDir ?? CAPTURE_ASSETS_DIR;

  app.get('/capture/:id{ses_[A-Za-z0-9_-]+}', async (c) => {
    const id = c.req.param('id');
    const page = SESSION_ID.test(id) ? await options.sessions.pageState(id) : null;
    const html = pageHtml(id, page?.state ?? 'invalid', page?.returnUrl ?? null);
    return c.html(html, page ? 200 : 404, {
      'content-security-policy': PAGE_CSP,
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
  });

  for (const [path, asset] of Object.entries(ASSETS)) {
    app.get(path, async (c) => {
      let body: string;
      if (asset.file === '') {
        body = PAGE_CSS;
      } else {
        try {
          body = await readFile(join(dir, asset.file), 'utf8');
        } catch {
          throw new Error(`the capture page is not built (${dir}): run npm run build`);
        }
      }
      return c.body(body, 200, {
        'content-type': `${asset.type}; charset=utf-8`,
        'cache-control': 'public, max-age=300',
        ...(asset.crossOrigin ? { 'cross-origin-resource-policy': 'cross-origin' } : {}),
      });
    });
  }
}
