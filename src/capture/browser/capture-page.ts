/**
 * The capture page's script: hands the capture token from the URL fragment to <ifas-capture>, takes
 * it out of the address bar (and so out of history and any later Referer), and sends the person on to
 * the session's return URL with the session id when the check is over.
 */

import { defineIfasCapture, type IfasCaptureElement } from './ifas-capture-element.js';

const REDIRECT_DELAY_MS = 1500;
const FINAL = new Set(['passed', 'failed', 'exhausted', 'expired', 'used']);

function tokenFromFragment(): string | null {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return token;
}

function start(): void {
  const token = tokenFromFragment();
  defineIfasCapture();
  const element = document.querySelector<IfasCaptureElement>('ifas-capture');
  if (!element) return;
  // After the upgrade: a property set before it would be reset by the element's own field.
  element.captureToken = token;
  const returnUrl = element.dataset.returnUrl;
  element.addEventListener('ifas-capture-result', (event) => {
    const detail = (event as CustomEvent<{ status: string; sessionId: string }>).detail;
    if (!returnUrl || !FINAL.has(detail.status)) return;
    const next = new URL(returnUrl);
    next.searchParams.set('sessionId', detail.sessionId);
    window.setTimeout(() => window.location.assign(next.toString()), REDIRECT_DELAY_MS);
  });
}

start();
