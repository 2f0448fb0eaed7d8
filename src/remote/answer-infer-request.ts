/**
 * The infer function's work, shared by its Lambda handler and the container's HTTP mode: validate
 * the request, run the local engine, answer with the result or the error's stable code.
 */

import { ValidationError } from '../errors.js';
import type { Judge } from '../inference/judge.js';
import { issueSummary } from '../zod-issues.js';
import { type InferResponse, inferRequestSchema, wireErrorOf } from './infer-protocol.js';

export async function answerInferRequest(judge: Judge, payload: unknown): Promise<InferResponse> {
  try {
    const parsed = inferRequestSchema.safeParse(payload);
    if (!parsed.success) {
      throw new ValidationError(`invalid infer request: ${issueSummary(parsed.error)}`);
    }
    const request = parsed.data;
    if (request.action === 'describe') {
      return { ok: true, model: judge.model, statusWarning: judge.statusWarning };
    }
    const { explain, ...rest } = request.options;
    const options = Object.fromEntries(
      Object.entries(rest).filter(([, value]) => value !== undefined),
    );
    const result = await judge.check(Buffer.from(request.image, 'base64'), { explain, ...options });
    return { ok: true, result };
  } catch (error) {
    return { ok: false, error: wireErrorOf(error) };
  }
}
