/**
 * The capture route through the typed API client (openapi-fetch over the types generated from
 * /openapi.json), reduced to what the component needs to say next.
 */

import createClient from 'openapi-fetch';
import type { paths } from '../../client/api-types.js';

export type SendOutcome =
  | { kind: 'answer'; status: 'passed' | 'retry' | 'failed'; reason?: string | undefined }
  | { kind: 'expired' | 'exhausted' | 'unauthorized' | 'error' };

/** A preview's hint; `stop`: previews are not available (no detector) or the session is closed. */
export type PreviewOutcome =
  | { kind: 'hint'; hint: string }
  | { kind: 'later'; retryAfterMs: number }
  | { kind: 'stop' };

export interface CaptureClient {
  sendFrames(sessionId: string, frames: readonly Blob[]): Promise<SendOutcome>;
  preview(sessionId: string, frame: Blob, captureWidth: number): Promise<PreviewOutcome>;
}

export function captureClient(baseUrl: string, captureToken: string): CaptureClient {
  const client = createClient<paths>({ baseUrl });
  return {
    async sendFrames(sessionId, frames) {
      const { data, error, response } = await client.POST('/v1/sessions/{id}/captures', {
        params: { path: { id: sessionId } },
        headers: { authorization: `Bearer ${captureToken}` },
        body: { image: [] },
        bodySerializer: () => {
          const form = new FormData();
          for (const [index, frame] of frames.entries()) {
            form.append('image', frame, `frame-${index + 1}.jpg`);
          }
          return form;
        },
      });
      if (data) return { kind: 'answer', status: data.status, reason: data.reason };
      if (response.status === 410) {
        return { kind: error?.code === 'SESSION_EXHAUSTED' ? 'exhausted' : 'expired' };
      }
      if (response.status === 401) return { kind: 'unauthorized' };
      return { kind: 'error' };
    },
    async preview(sessionId, frame, captureWidth) {
      const { data, response } = await client.POST('/v1/sessions/{id}/preview', {
        params: { path: { id: sessionId } },
        headers: { authorization: `Bearer ${captureToken}` },
        body: { image: '', captureWidth },
        bodySerializer: () => {
          const form = new FormData();
          form.append('image', frame, 'preview.jpg');
          form.append('captureWidth', String(captureWidth));
          return form;
        },
      });
      if (data)
        return data.hint === 'unavailable' ? { kind: 'stop' } : { kind: 'hint', hint: data.hint };
      if (response.status === 429 || response.status === 503) {
        return {
          kind: 'later',
          retryAfterMs: 1000 * Number(response.headers.get('retry-after') ?? 1),
        };
      }
      return { kind: 'stop' };
    },
  };
}
