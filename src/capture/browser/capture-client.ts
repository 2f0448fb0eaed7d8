/**
 * The capture route through the typed API client (openapi-fetch over the types generated from
 * /openapi.json), reduced to what the component needs to say next.
 */

import createClient from 'openapi-fetch';
import type { paths } from '../../client/api-types.js';

export type SendOutcome =
  | { kind: 'answer'; status: 'passed' | 'retry' | 'failed'; reason?: string | undefined }
  | { kind: 'expired' | 'exhausted' | 'unauthorized' | 'error' };

export interface CaptureClient {
  sendFrames(sessionId: string, frames: readonly Blob[]): Promise<SendOutcome>;
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
  };
}
