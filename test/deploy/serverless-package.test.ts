import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { ensureBuilt } from '../support/server-process.js';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

let template: { Resources: Record<string, Resource> };
let zipEntries: Array<{ name: string; size: number }>;

const run = promisify(execFile);

beforeAll(async () => {
  ensureBuilt();
  const out = await mkdtemp(join(tmpdir(), 'ifas-sls-'));
  // osls insists on credentials even to package; nothing is sent to AWS (the infer image is digest-pinned).
  await run(
    join(projectRoot(), 'node_modules', '.bin', 'sls'),
    ['package', '--stage', 'ci', '--package', out],
    {
      cwd: projectRoot(),
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        SLS_TELEMETRY_DISABLED: '1',
      },
      timeout: 240_000,
    },
  );
  template = JSON.parse(
    await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  const listing = await run(
    'python3',
    [
      '-c',
      'import json,sys,zipfile; print(json.dumps([[i.filename, i.file_size] for i in zipfile.ZipFile(sys.argv[1]).infolist()]))',
      join(out, 'ifas-guard.zip'),
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  zipEntries = (JSON.parse(listing.stdout) as Array<[string, number]>).map(([name, size]) => ({
    name,
    size,
  }));
}, 300_000);

const functions = () =>
  Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id, r]) => [id.replace(/LambdaFunction$/, ''), r.Properties]),
  );

describe('serverless package (osls)', () => {
  it('declares the api, infer, notify, retention and Cognito functions with real handlers', () => {
    const fns = functions();
    expect(Object.keys(fns).sort()).toEqual([
      'Api',
      'CognitoCreate',
      'CognitoDefine',
      'CognitoVerify',
      'Infer',
      'Notify',
      'Retention',
    ]);
    for (const [name, props] of Object.entries(fns)) {
      if (name === 'Infer') continue;
      const [file, exported] = String(props.Handler).split(/\.(?=[^.]+$)/);
      expect(existsSync(join(projectRoot(), `${file}.js`)), `${file}.js`).toBe(true);
      expect(zipEntries.some((e) => e.name === `${file}.js`)).toBe(true);
      expect(props.Runtime).toBe('nodejs20.x');
      expect(exported).toMatch(/^(handler|defineHandler|createHandler|verifyHandler)$/);
    }
    expect(fns.Infer).toMatchObject({
      PackageType: 'Image',
      Code: { ImageUri: expect.stringMatching(/@sha256:[0-9a-f]{64}$/) },
    });
    expect(
      (fns.Api?.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables,
    ).toMatchObject({
      IFAS_INFERENCE: 'in-process',
      IFAS_INFER_FUNCTION: 'ifas-guard-ci-infer',
      IFAS_AUDIT_STORE: 'postgres',
      IFAS_SECRET_ID: 'ifas-guard-ci',
    });
  });

  it('schedules notify and retention, exposes the API, and wires the Cognito triggers', () => {
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules.map((r) => r.Properties.ScheduleExpression).sort()).toEqual([
      'rate(1 hour)',
      'rate(1 minute)',
    ]);
    expect(Object.values(template.Resources).some((r) => r.Type === 'AWS::ApiGatewayV2::Api')).toBe(
      true,
    );
    const triggers = Object.values(template.Resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' &&
        r.Properties.Principal === 'cognito-idp.amazonaws.com',
    );
    expect(triggers).toHaveLength(3);
  });

  it('gives each function a least-privilege role', () => {
    const fns = functions();
    const roleOf = (fn: string) =>
      (fns[fn]?.Role as { 'Fn::GetAtt': string[] } | undefined)?.['Fn::GetAtt'][0];
    expect(roleOf('Api')).toBe('ApiRole');
    expect(roleOf('Infer')).toBe('InferRole');
    expect(roleOf('Notify')).toBe('WorkerRole');
    expect(roleOf('CognitoVerify')).toBe('CognitoRole');
    const statements = (role: string) =>
      (
        (template.Resources[role]?.Properties.Policies as Array<{
          PolicyDocument: { Statement: Array<Record<string, unknown>> };
        }>) ?? []
      ).flatMap((p) => p.PolicyDocument.Statement);
    expect(statements('InferRole')).toEqual([]); // logs only, through the basic execution policy
    const api = statements('ApiRole');
    expect(api.map((s) => s.Action).sort()).toEqual([
      'lambda:InvokeFunction',
      'secretsmanager:GetSecretValue',
    ]);
    expect(
      JSON.stringify(api.find((s) => s.Action === 'lambda:InvokeFunction')?.Resource),
    ).toContain('function:ifas-guard-ci-infer');
    for (const role of ['ApiRole', 'InferRole', 'WorkerRole', 'CognitoRole']) {
      for (const statement of statements(role)) {
        expect(JSON.stringify(statement.Action)).not.toContain('*');
        expect(statement.Resource).not.toBe('*');
      }
    }
  });

  it('holds no secret in the template', () => {
    const text = JSON.stringify(template);
    for (const pattern of [
      /-----BEGIN/,
      /whsec_/,
      /ifas_[0-9a-f]{16}_/,
      /postgres(ql)?:\/\/[^"@]*:[^"@]*@/,
      /IFAS_DATABASE_URL/,
      /IFAS_SUBJECT_HASH_KEY/,
      /PRIVATE_KEY/,
      /IFAS_RETAIN_IMAGES_KEY/,
      /IFAS_INFER_TOKEN/,
    ]) {
      expect(text).not.toMatch(pattern);
    }
  });

  it('fits the Lambda zip limit with only linux-x64 native binaries', () => {
    const unzipped = zipEntries.reduce((sum, e) => sum + e.size, 0);
    expect(unzipped).toBeLessThan(250 * 1024 * 1024);
    expect(zipEntries.filter((e) => /\/(darwin|win32)\/|linux\/arm64/.test(e.name))).toEqual([]);
    expect(zipEntries.some((e) => e.name.endsWith('linux/x64/onnxruntime_binding.node'))).toBe(
      true,
    );
    expect(
      zipEntries.some(
        (e) =>
          e.name.startsWith('node_modules/typescript/') ||
          e.name.startsWith('node_modules/vitest/'),
      ),
    ).toBe(false);
  });
});
