import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAuditStore } from '../../src/audit/postgres-audit-store.js';
import { postgresConnection, rdsCaBundle } from '../../src/store/postgres-tls.js';

/**
 * A stand-in PostgreSQL server that speaks only the start of the protocol: it answers the client's
 * SSLRequest with 'S', completes a TLS handshake with a certificate for `localhost` issued by a
 * throw-away CA, and records whether a startup message then arrived over TLS (which a client only
 * sends after it accepted the certificate).
 */
let dir: string;
let server: Server;
let port: number;
const startupsOverTls: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ifas-pg-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const selfSigned = (name: string, subject: string) =>
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-subj',
      subject,
    );
  selfSigned('ca', '/CN=ifas test CA');
  selfSigned('other-ca', '/CN=other');
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  const ext = join(dir, 'ext.cnf');
  execFileSync('sh', ['-c', `printf 'subjectAltName=DNS:localhost\\n' > ${ext}`]);
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    ext,
  );
  const key = readFileSync(join(dir, 'server.key'));
  const cert = readFileSync(join(dir, 'server.pem'));
  server = createServer((socket) => {
    socket.once('data', (request) => {
      // SSLRequest: int32 length 8, int32 code 80877103.
      if (request.length !== 8 || request.readInt32BE(4) !== 80877103) {
        socket.destroy();
        return;
      }
      socket.write('S');
      const secure = new TLSSocket(socket, { isServer: true, key, cert });
      secure.on('error', () => socket.destroy());
      secure.once('data', (startup) => {
        startupsOverTls.push(startup.subarray(8).toString('latin1').split('\0')[1] ?? '');
        secure.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
}, 60_000);

afterAll(() => {
  server?.close();
});

const attempt = (host: string, caFile: string | null) =>
  PostgresAuditStore.open(`postgres://ifas:secret@${host}:${port}/ifas?sslmode=disable`, 1, {
    mode: 'verify-full',
    caFile,
  });

describe('PostgreSQL TLS (IFAS_DATABASE_TLS=verify-full)', () => {
  it('connects over TLS when the server certificate chains to the CA file and names the host', async () => {
    // The stand-in closes after the handshake, so opening fails afterwards; what matters is that
    // the client accepted the certificate and sent its startup message over TLS, despite sslmode=disable in the URL.
    await expect(attempt('localhost', join(dir, 'ca.pem'))).rejects.toThrow();
    expect(startupsOverTls).toEqual(['ifas']); // the startup message's user, read over TLS
  });

  it('refuses a certificate from another CA, and the RDS bundle does not trust a private CA', async () => {
    const before = startupsOverTls.length;
    await expect(attempt('localhost', join(dir, 'other-ca.pem'))).rejects.toThrow(
      /self[- ]signed|unable to (get|verify)/i,
    );
    await expect(attempt('localhost', null)).rejects.toThrow(
      /self[- ]signed|unable to (get|verify)/i,
    );
    expect(startupsOverTls.length).toBe(before);
  });

  it('refuses a certificate for another host name (verify-full, not verify-ca)', async () => {
    const before = startupsOverTls.length;
    await expect(attempt('127.0.0.1', join(dir, 'ca.pem'))).rejects.toThrow(
      /IP|hostname|altnames/i,
    );
    expect(startupsOverTls.length).toBe(before);
  });
});

describe('Function: postgresConnection', () => {
  it('leaves the URL alone in url mode and strips TLS parameters that would override the setting', () => {
    const url = 'postgres://u:p@db.example:5432/ifas?sslmode=disable&application_name=ifas';
    expect(postgresConnection(url, { mode: 'url' })).toEqual({ connectionString: url });
    const verified = postgresConnection(url, { mode: 'verify-full', caFile: null });
    expect(verified.connectionString).toBe(
      'postgres://u:p@db.example:5432/ifas?application_name=ifas',
    );
    expect(verified.ssl).toMatchObject({ rejectUnauthorized: true });
    expect(postgresConnection(url, { mode: 'disable' }).ssl).toBe(false);
  });

  it('ships the RDS CA bundle: the RSA2048 G1 roots of every region and the RDS Proxy roots', () => {
    const subjects = rdsCaBundle().map((pem) => new X509Certificate(pem).subject);
    expect(subjects.some((s) => s.includes('Amazon RDS eu-west-1 Root CA RSA2048 G1'))).toBe(true);
    expect(subjects.some((s) => s.includes('Amazon RDS us-east-1 Root CA RSA2048 G1'))).toBe(true);
    expect(subjects.some((s) => s.includes('Amazon Root CA 1'))).toBe(true);
  });
});
