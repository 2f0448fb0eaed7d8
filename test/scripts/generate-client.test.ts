import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  API_TYPES_FILE,
  currentOpenApiDocument,
  renderApiTypes,
} from '../../scripts/generate-client.js';

describe('the typed API client', () => {
  it('is generated from the current /openapi.json (run npm run generate:client when this fails)', async () => {
    const fresh = await renderApiTypes(await currentOpenApiDocument());
    expect(await readFile(API_TYPES_FILE, 'utf8')).toBe(fresh);
  });
});
