/**
 * <ifas-capture>: the camera, an oval guide, live hints in an ARIA live region (from the server's
 * preview of a small frame about every 0.7 s — move closer, one face only — and from the picture's
 * light and steadiness), 1–5 frames taken over
 * about a second and posted to the session's capture route with the capture token, then a clear
 * result. Used by the capture page this service serves, and embeddable in a host's own page.
 *
 * Attributes: session-id (required), api-base (default: this page's origin), frames (1–5, default 3),
 * state (created | expired | used | invalid, rendered by the server for its own page). The capture token
 * is a property (`captureToken`), never an attribute, so it never sits in the DOM.
 *
 * Events: `ifas-capture-result` with detail { sessionId, status: passed | retry | failed | expired |
 * exhausted | used | denied | error, reason? }.
 */

import { type CaptureClient, captureClient } from './capture-client.js';
import { liveHint, MESSAGES, meanLuma, previewHint, RETRY_HINTS } from './capture-hints.js';
import { CAPTURE_CSS } from './capture-styles.js';

export type CaptureOutcome =
  | 'passed'
  | 'retry'
  | 'failed'
  | 'expired'
  | 'exhausted'
  | 'used'
  | 'denied'
  | 'error';

const FRAME_GAP_MS = 330;
const MAX_WIDTH = 640;
/** Server previews: a 320 px JPEG about every 0.7 s (the server allows one per 400 ms). */
const PREVIEW_EVERY_MS = 700;
const PREVIEW_WIDTH = 320;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class IfasCaptureElement extends HTMLElement {
  captureToken: string | null = null;
  private readonly root: ShadowRoot;
  private readonly video: HTMLVideoElement;
  private readonly frame: HTMLDivElement;
  private readonly oval: HTMLDivElement;
  private readonly hint: HTMLParagraphElement;
  private readonly result: HTMLParagraphElement;
  private readonly button: HTMLButtonElement;
  private stream: MediaStream | null = null;
  private hintTimer: number | undefined;
  private previewTimer: number | undefined;
  /** The server preview's latest hint; null when it saw one clear face, or offers no previews. */
  private serverHint: string | null = null;
  private busy = false;
  private finished = false;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CAPTURE_CSS);
    this.root.adoptedStyleSheets = [sheet];
    const frame = this.make('div', 'frame');
    this.frame = frame;
    this.video = this.make('video');
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.setAttribute('aria-label', 'Camera preview');
    this.oval = this.make('div', 'oval');
    this.oval.setAttribute('aria-hidden', 'true');
    frame.append(this.video, this.oval);
    // Hints change often: polite. The result is announced once: assertive.
    this.hint = this.make('p', 'hint');
    this.hint.setAttribute('role', 'status');
    this.hint.setAttribute('aria-live', 'polite');
    this.result = this.make('p', 'result');
    this.result.setAttribute('aria-live', 'assertive');
    this.button = this.make('button');
    this.button.type = 'button';
    this.button.textContent = 'Start the camera';
    this.button.addEventListener('click', () => void this.onButton());
    const actions = this.make('div', 'actions');
    actions.append(this.button);
    this.root.append(frame, this.hint, this.result, actions);
  }

  connectedCallback(): void {
    const state = this.getAttribute('state');
    if (state === 'expired') this.finish('expired', MESSAGES.expired);
    else if (state === 'used') this.finish('used', MESSAGES.used);
    else if (state === 'invalid' || !this.getAttribute('session-id'))
      this.finish('error', MESSAGES.invalid);
    else this.say(MESSAGES.ready.replace('Take my photo', 'Start the camera'));
  }

  disconnectedCallback(): void {
    window.clearInterval(this.hintTimer);
    window.clearTimeout(this.previewTimer);
    this.stopCamera();
  }

  private make<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    className?: string,
  ): HTMLElementTagNameMap[K] {
    const element = document.createElement(tag);
    if (className) element.className = className;
    return element;
  }

  private get client(): CaptureClient {
    const base = this.getAttribute('api-base') ?? window.location.origin;
    return captureClient(base, this.captureToken ?? '');
  }

  private get frameCount(): number {
    const asked = Number(this.getAttribute('frames') ?? 3);
    return Number.isInteger(asked) ? Math.min(5, Math.max(1, asked)) : 3;
  }

  private say(text: string): void {
    if (this.hint.textContent !== text) this.hint.textContent = text;
  }

  private async onButton(): Promise<void> {
    if (this.busy || this.finished) return;
    if (!this.stream) {
      await this.startCamera();
      return;
    }
    await this.captureAndSend();
  }

  private async startCamera(): Promise<void> {
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } },
        audio: false,
      });
    } catch (error) {
      const name = error instanceof DOMException ? error.name : '';
      const notFound = name === 'NotFoundError' || name === 'OverconstrainedError';
      this.finish(notFound ? 'error' : 'denied', notFound ? MESSAGES.noCamera : MESSAGES.denied);
      return;
    }
    this.video.srcObject = this.stream;
    await this.video.play();
    this.button.textContent = 'Take my photo';
    this.say(MESSAGES.ready);
    this.button.focus();
    this.watchPreview();
    this.watchServerPreview();
  }

  /**
   * Face hints from the server before any attempt: a small frame to the preview route about every
   * 0.7 s (no attempt spent, no score). Stops where the server offers none; waits when it asks to.
   */
  private watchServerPreview(): void {
    const sessionId = this.getAttribute('session-id') ?? '';
    const tick = async (): Promise<void> => {
      if (this.finished) return;
      let delay = PREVIEW_EVERY_MS;
      if (!this.busy && this.video.readyState >= 2) {
        try {
          const frame = await this.grabFrame(PREVIEW_WIDTH, 0.7);
          const outcome = await this.client.preview(sessionId, frame, this.captureWidth);
          if (outcome.kind === 'stop') {
            this.serverHint = null;
            return;
          }
          if (outcome.kind === 'later') delay = Math.max(delay, outcome.retryAfterMs);
          else this.serverHint = previewHint(outcome.hint);
        } catch {
          // A network hiccup: the next tick tries again.
        }
      }
      this.previewTimer = window.setTimeout(() => void tick(), delay);
    };
    void tick();
  }

  /** The width of the frames an attempt sends. */
  private get captureWidth(): number {
    return Math.min(MAX_WIDTH, this.video.videoWidth || MAX_WIDTH);
  }

  /** Live hints from a small sample of the preview, four times a second. */
  private watchPreview(): void {
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 24;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    let previous: number | null = null;
    this.hintTimer = window.setInterval(() => {
      if (!context || this.busy || this.finished || this.video.readyState < 2) return;
      context.drawImage(this.video, 0, 0, canvas.width, canvas.height);
      const luma = meanLuma(context.getImageData(0, 0, canvas.width, canvas.height).data);
      this.say(this.serverHint ?? liveHint(luma, previous));
      previous = luma;
    }, 250);
  }

  private async grabFrame(maxWidth = MAX_WIDTH, quality = 0.92): Promise<Blob> {
    const scale = Math.min(1, maxWidth / (this.video.videoWidth || maxWidth));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round((this.video.videoWidth || maxWidth) * scale);
    canvas.height = Math.round((this.video.videoHeight || 480) * scale);
    canvas.getContext('2d')?.drawImage(this.video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve, reject) =>
      canvas.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new Error('no frame'))),
        'image/jpeg',
        quality,
      ),
    );
  }

  private async captureAndSend(): Promise<void> {
    this.busy = true;
    this.button.disabled = true;
    this.oval.className = 'oval busy';
    this.result.textContent = '';
    this.say(MESSAGES.capturing);
    try {
      const frames: Blob[] = [];
      for (let i = 0; i < this.frameCount; i += 1) {
        if (i > 0) await sleep(FRAME_GAP_MS);
        frames.push(await this.grabFrame());
      }
      this.say(MESSAGES.checking);
      const answer = await this.client.sendFrames(this.getAttribute('session-id') ?? '', frames);
      this.onAnswer(answer);
    } catch {
      this.onAnswer({ kind: 'error' });
    } finally {
      this.busy = false;
      if (!this.finished) {
        this.button.disabled = false;
        this.oval.className = 'oval';
        this.button.focus();
      }
    }
  }

  private onAnswer(answer: Awaited<ReturnType<CaptureClient['sendFrames']>>): void {
    switch (answer.kind) {
      case 'answer':
        if (answer.status === 'passed') this.finish('passed', MESSAGES.passed);
        else if (answer.status === 'failed') {
          const exhausted = answer.reason === 'attempts_exhausted';
          this.finish(
            exhausted ? 'exhausted' : 'failed',
            exhausted ? MESSAGES.exhausted : MESSAGES.failed,
          );
        } else {
          const text = RETRY_HINTS[answer.reason ?? 'retake'] ?? RETRY_HINTS.retake ?? '';
          this.result.textContent = '';
          this.say(text);
          this.emit('retry', answer.reason);
        }
        return;
      case 'expired':
        this.finish('expired', MESSAGES.expired);
        return;
      case 'exhausted':
        this.finish('exhausted', MESSAGES.exhausted);
        return;
      case 'unauthorized':
        this.finish('used', MESSAGES.used);
        return;
      default:
        this.say(MESSAGES.network);
        this.emit('error');
    }
  }

  private finish(outcome: CaptureOutcome, message: string): void {
    this.finished = true;
    window.clearInterval(this.hintTimer);
    window.clearTimeout(this.previewTimer);
    this.stopCamera();
    // The preview gives way to a plain mark: nothing of the face stays on screen.
    this.frame.className = `frame done ${outcome === 'passed' ? 'passed' : 'failed'}`;
    this.frame.textContent = outcome === 'passed' ? '✓' : '✕';
    this.frame.setAttribute('aria-hidden', 'true');
    this.result.className = `result ${outcome === 'passed' ? 'passed' : 'failed'}`;
    this.result.textContent = message;
    this.say('');
    this.button.disabled = true;
    this.button.classList.add('hidden');
    this.setAttribute('data-outcome', outcome);
    this.emit(outcome);
  }

  private stopCamera(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
  }

  private emit(status: CaptureOutcome, reason?: string): void {
    this.dispatchEvent(
      new CustomEvent('ifas-capture-result', {
        bubbles: true,
        composed: true,
        detail: {
          sessionId: this.getAttribute('session-id'),
          status,
          ...(reason ? { reason } : {}),
        },
      }),
    );
  }
}

export function defineIfasCapture(): void {
  if (!customElements.get('ifas-capture'))
    customElements.define('ifas-capture', IfasCaptureElement);
}
