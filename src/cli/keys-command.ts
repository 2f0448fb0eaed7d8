/**
 * `ifas keys create|list|rotate|revoke`: API key administration on the configured store. The full
 * key is printed once, at creation or rotation; the store only ever holds its hash.
 */

import { z } from 'zod';
import { openAuditStore } from '../audit/open-audit-store.js';
import { issueApiKey, revokeApiKey, rotateApiKey } from '../auth/api-keys.js';
import { SCOPES, scopeSchema } from '../auth/scopes.js';
import { serviceConfigFromEnv } from '../config/service-config.js';
import { describeError, type Output } from './check-command.js';
import { parseCommand } from './parse-command.js';

export const KEYS_USAGE = [
  'usage: ifas keys create --tenant T [--name N] [--scopes s1,s2]   (scopes: ' +
    SCOPES.join(', ') +
    ')',
  '       ifas keys list [--tenant T]',
  '       ifas keys rotate ID [--grace-seconds N]   (old key keeps working for N s, default 86400)',
  '       ifas keys revoke ID',
].join('\n');

const optionsSchema = z.object({
  tenant: z.string().min(1).optional(),
  name: z.string().min(1).max(100).default('api'),
  scopes: z
    .string()
    .default('checks:write,checks:read')
    .transform((text) => text.split(',').map((s) => s.trim()))
    .pipe(z.array(scopeSchema).min(1)),
  'grace-seconds': z.coerce.number().int().min(0).default(86_400),
});

export async function runKeys(argv: string[], io: Output): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      tenant: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      'grace-seconds': { type: 'string' },
    },
    optionsSchema,
    KEYS_USAGE,
    io,
  );
  if (!parsed) return 2;
  const [action, id] = parsed.positionals;
  const opts = parsed.values;
  if (action === 'create' && !opts.tenant) {
    io.err(`create needs --tenant\n${KEYS_USAGE}`);
    return 2;
  }
  if ((action === 'rotate' || action === 'revoke') && !id) {
    io.err(`${action} needs a key id\n${KEYS_USAGE}`);
    return 2;
  }
  if (!['create', 'list', 'rotate', 'revoke'].includes(action ?? '')) {
    io.err(KEYS_USAGE);
    return 2;
  }
  try {
    const store = await openAuditStore(serviceConfigFromEnv().store);
    try {
      if (action === 'create') {
        const issued = await issueApiKey(store, {
          tenant: opts.tenant ?? '',
          name: opts.name,
          scopes: opts.scopes,
        });
        io.out(
          `key ${issued.row.id} for tenant ${issued.row.tenant} (${issued.row.scopes.join(' ')}); shown once:`,
        );
        io.out(issued.key);
      } else if (action === 'list') {
        for (const key of await store.listApiKeys(opts.tenant)) {
          const state = key.revokedAt
            ? `revoked ${key.revokedAt}`
            : key.expiresAt
              ? `expires ${key.expiresAt}`
              : 'active';
          io.out(
            `${key.id}\t${key.tenant}\t${key.name}\t${key.scopes.join(' ')}\t${key.createdAt}\t${state}`,
          );
        }
      } else if (action === 'rotate') {
        const issued = await rotateApiKey(store, id ?? '', opts['grace-seconds']);
        io.out(
          `key ${issued.row.id} replaces ${id} (which expires in ${opts['grace-seconds']} s); shown once:`,
        );
        io.out(issued.key);
      } else {
        await revokeApiKey(store, id ?? '');
        io.out(`key ${id} revoked`);
      }
    } finally {
      await store.close();
    }
    return 0;
  } catch (error) {
    const { code, message } = describeError(error);
    io.err(`${code}: ${message}`);
    return 1;
  }
}
