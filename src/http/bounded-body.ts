/**
 * The body-size limit every route that reads a body uses: hono/body-limit, refusing with the typed
 * PayloadTooLargeError so the answer is the same 413 problem+json everywhere.
 */

import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { PayloadTooLargeError } from '../errors.js';

export function boundedBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(`the body is over ${maxBytes} bytes`);
    },
  });
}
