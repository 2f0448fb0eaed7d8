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
  Condition?: string;
  Properties: Record<string, unknown>;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown; Export?: { Name: string } }>;
  Parameters: Record<string, { Default?: string }>;
  Conditions: Record<string, unknown>;
}
interface Packaged {
  template: Template;
  zipEntries: Array<{ name: string; size: number }>;
}

const run = promisify(execFile);
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/ifas-guard-ci-infer@sha256:${'ab'.repeat(32)}`;

/** `sls package` offline; osls insists on credentials even to package, nothing is sent to AWS. */
async function slsPackage(params: string[]): Promise<Packaged> {
  const out = await mkdtemp(join(tmpdir(), 'ifas-sls-'));
  await run(
    join(projectRoot(), 'node_modules', '.bin', 'sls'),
    ['package', '--stage', 'ci', '--package', out, ...params.map((p) => `--param=${p}`)],
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
  const template = JSON.parse(
    await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  const listing = await run(
    'python3',
    [
      '-c',
      'import json,sys,zipfile; print(json.dumps([[i.filename, i.file_size] for i in zipfile.ZipFile(sys.argv[1]).infolist()]))',
      join(out, 'ifas-guard.zip'),
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const zipEntries = (JSON.parse(listing.stdout) as Array<[string, number]>).map(
    ([name, size]) => ({ name, size }),
  );
  return { template, zipEntries };
}

let plain: Packaged;
let full: Packaged;

beforeAll(async () => {
  ensureBuilt();
  plain = await slsPackage([]);
  full = await slsPackage([
    'inference=lambda',
    `inferImageUri=${IMAGE}`,
    'network=vpc',
    'cognito=on',
    'cognitoUserPool=acme-users',
  ]);
}, 480_000);

const functions = (template: Template) =>
  Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id, r]) => [id.replace(/LambdaFunction$/, ''), r.Properties]),
  );

const apiVariables = (template: Template) =>
  (functions(template).Api?.Environment as { Variables: Record<string, unknown> } | undefined)
    ?.Variables ?? {};

const statements = (template: Template, role: string) =>
  (
    (template.Resources[role]?.Properties.Policies as Array<{
      PolicyDocument: { Statement: Array<Record<string, unknown>> };
    }>) ?? []
  ).flatMap((p) => p.PolicyDocument.Statement);

describe('serverless package (osls), default switches', () => {
  it('declares api, notify, anchor and retention with real handlers on a supported Node runtime', () => {
    const fns = functions(plain.template);
    expect(Object.keys(fns).sort()).toEqual(['Anchor', 'Api', 'Notify', 'Retention']);
    for (const props of Object.values(fns)) {
      const [file, exported] = String(props.Handler).split(/\.(?=[^.]+$)/);
      expect(existsSync(join(projectRoot(), `${file}.js`)), `${file}.js`).toBe(true);
      expect(plain.zipEntries.some((e) => e.name === `${file}.js`)).toBe(true);
      // AWS blocks creating nodejs20.x functions from 2026; nodejs24.x is supported to 2028.
      expect(props.Runtime).toBe('nodejs24.x');
      expect(exported).toBe('handler');
      expect(props.VpcConfig).toBeUndefined();
    }
    expect(apiVariables(plain.template)).toMatchObject({
      IFAS_INFERENCE: 'in-process',
      IFAS_AUDIT_STORE: 'postgres',
      IFAS_DATABASE_TLS: 'verify-full',
      IFAS_DATABASE_POOL_MAX: '2',
      IFAS_SECRET_ID: 'ifas-guard-ci',
      // Checkpoints are anchored in infra/'s Object Lock bucket, locked as the bucket says.
      IFAS_ANCHOR_S3_BUCKET: { 'Fn::ImportValue': 'ifas-guard-ci-AnchorBucketName' },
      IFAS_ANCHOR_S3_PREFIX: 'audit-anchors/',
      IFAS_ANCHOR_S3_MODE: { 'Fn::ImportValue': 'ifas-guard-ci-AnchorLockMode' },
      IFAS_ANCHOR_S3_RETAIN_DAYS: { 'Fn::ImportValue': 'ifas-guard-ci-AnchorRetentionDays' },
    });
  });

  it('sets the public URL from the stack: the given URL, the custom domain, else the API endpoint', () => {
    const url = apiVariables(plain.template).IFAS_PUBLIC_URL;
    expect(url).toEqual({
      'Fn::If': [
        'HasPublicUrl',
        { Ref: 'PublicUrl' },
        {
          'Fn::If': [
            'HasCustomDomain',
            { 'Fn::Join': ['', ['https://', { Ref: 'DomainName' }]] },
            { 'Fn::GetAtt': ['HttpApi', 'ApiEndpoint'] },
          ],
        },
      ],
    });
    expect(JSON.stringify(plain.template)).not.toContain('example.com');
    expect(plain.template.Parameters.PublicUrl?.Default).toBe('');
    expect(plain.template.Resources.ApiDomainName?.Condition).toBe('HasCustomDomain');
    expect(plain.template.Resources.ApiDomainMapping?.Condition).toBe('HasCustomDomain');
  });

  it('creates no user pool and no Cognito trigger without cognito=on', () => {
    const types = Object.values(plain.template.Resources).map((r) => r.Type);
    expect(types).not.toContain('AWS::Cognito::UserPool');
    expect(types).not.toContain('Custom::CognitoUserPool');
  });

  it('schedules notify, anchor and retention with a dead-letter queue, throttles the API, exports for alarms', () => {
    const { Resources, Outputs } = plain.template;
    const rules = Object.values(Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules.map((r) => r.Properties.ScheduleExpression).sort()).toEqual([
      'rate(1 hour)',
      'rate(1 minute)',
      'rate(5 minutes)',
    ]);
    for (const fn of ['Notify', 'Anchor', 'Retention']) {
      expect(Resources[`${fn}LambdaEvConf`]?.Properties.DestinationConfig).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
      });
    }
    expect(Resources.HttpApiStage?.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
    expect(Outputs.HttpApiIdExport?.Export?.Name).toBe('ifas-guard-ci-HttpApiId');
    expect(Outputs.DeadLetterQueueNameExport?.Export?.Name).toBe(
      'ifas-guard-ci-DeadLetterQueueName',
    );
  });

  it('gives each function a least-privilege role', () => {
    const t = plain.template;
    const anchorActions = [
      ['s3:PutObject', 's3:PutObjectRetention', 's3:GetObject'],
      's3:ListBucket',
    ];
    expect(statements(t, 'ApiRole').map((s) => s.Action)).toEqual([
      'secretsmanager:GetSecretValue',
      ...anchorActions,
    ]);
    expect(statements(t, 'WorkerRole').map((s) => s.Action)).toEqual([
      'secretsmanager:GetSecretValue',
      ...anchorActions,
      'sqs:SendMessage',
    ]);
    // The anchors: only under their prefix of infra/'s bucket, never delete or bypass retention.
    const [objects, listing] = statements(t, 'ApiRole').slice(1);
    expect(JSON.stringify(objects?.Resource)).toContain('ifas-guard-ci-AnchorBucketArn');
    expect(JSON.stringify(objects?.Resource)).toContain('/audit-anchors/*');
    expect(listing?.Condition).toEqual({ StringLike: { 's3:prefix': ['audit-anchors/*'] } });
    expect(JSON.stringify(t)).not.toMatch(/s3:DeleteObject|BypassGovernanceRetention/);
    expect(functions(t).Anchor?.Role).toEqual({ 'Fn::GetAtt': ['WorkerRole', 'Arn'] });
    for (const role of ['ApiRole', 'WorkerRole']) {
      expect(JSON.stringify(t.Resources[role]?.Properties.ManagedPolicyArns)).toContain(
        'AWSLambdaBasicExecutionRole',
      );
      for (const statement of statements(t, role)) {
        expect(JSON.stringify(statement.Action)).not.toContain('*');
        expect(statement.Resource).not.toBe('*');
      }
    }
  });

  it('holds no secret in the template', () => {
    const text = JSON.stringify(plain.template) + JSON.stringify(full.template);
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

  it('ships the browser bundles the api function serves (/capture, /console)', () => {
    for (const bundle of ['dist/capture/capture-page.js', 'dist/console/console.js']) {
      expect(plain.zipEntries.some((e) => e.name === bundle)).toBe(true);
    }
  });

  it('fits the Lambda zip limit with only linux-x64 native binaries and no SQLite addon', () => {
    const unzipped = plain.zipEntries.reduce((sum, e) => sum + e.size, 0);
    expect(unzipped).toBeLessThan(250 * 1024 * 1024);
    expect(plain.zipEntries.filter((e) => /\/(darwin|win32)\/|linux\/arm64/.test(e.name))).toEqual(
      [],
    );
    expect(
      plain.zipEntries.some((e) => e.name.endsWith('linux/x64/onnxruntime_binding.node')),
    ).toBe(true);
    // hono is a peer dependency of the published package; the function still ships it.
    expect(plain.zipEntries.some((e) => e.name === 'node_modules/hono/package.json')).toBe(true);
    expect(
      plain.zipEntries.some(
        (e) =>
          e.name.startsWith('node_modules/typescript/') ||
          e.name.startsWith('node_modules/vitest/') ||
          /^node_modules\/better-sqlite3\/.*\.node$/.test(e.name),
      ),
    ).toBe(false);
  });
});

describe('serverless package (osls), inference=lambda network=vpc cognito=on', () => {
  it('adds the infer image function and lets only the api function invoke it', () => {
    const fns = functions(full.template);
    expect(Object.keys(fns).sort()).toEqual([
      'Anchor',
      'Api',
      'CognitoCreate',
      'CognitoDefine',
      'CognitoVerify',
      'CustomDashresourceDashexistingDashcup',
      'Infer',
      'Notify',
      'Retention',
    ]);
    expect(fns.Infer).toMatchObject({ PackageType: 'Image', Code: { ImageUri: IMAGE } });
    // Inside the API's 29 s: the api function gives up on infer before API Gateway gives up on it.
    expect(Number(fns.Infer?.Timeout)).toBeLessThan(29);
    const invoke = full.template.Resources.ApiInvokesInfer;
    expect(invoke?.Properties.Roles).toEqual([{ Ref: 'ApiRole' }]);
    expect(JSON.stringify(invoke?.Properties.PolicyDocument)).toContain(
      'function:ifas-guard-ci-infer"',
    );
    expect(statements(full.template, 'InferRole')).toEqual([]);
  });

  it('attaches the triggers to the existing pool and never creates one', () => {
    const { Resources } = full.template;
    const types = Object.values(Resources).map((r) => r.Type);
    expect(types).not.toContain('AWS::Cognito::UserPool');
    expect(types).not.toContain('AWS::Cognito::UserPoolClient');
    const attach = Object.values(Resources).filter((r) => r.Type === 'Custom::CognitoUserPool');
    expect(attach.map((r) => r.Properties.UserPoolName)).toEqual([
      'acme-users',
      'acme-users',
      'acme-users',
    ]);
    expect(attach.flatMap((r) => r.Properties.UserPoolConfigs as unknown[])).toEqual([
      { Trigger: 'DefineAuthChallenge' },
      { Trigger: 'CreateAuthChallenge' },
      { Trigger: 'VerifyAuthChallengeResponse' },
    ]);
    const fns = functions(full.template);
    for (const name of ['CognitoDefine', 'CognitoCreate', 'CognitoVerify']) {
      expect(fns[name]?.Runtime).toBe('nodejs24.x');
      expect(fns[name]?.Timeout).toBe(5);
    }
  });

  it('puts the functions in the network stack subnets with the ENI permissions a VPC needs', () => {
    const fns = functions(full.template);
    expect(fns.Api?.VpcConfig).toEqual({
      SecurityGroupIds: [{ 'Fn::ImportValue': 'ifas-guard-ci-LambdaSecurityGroupId' }],
      SubnetIds: { 'Fn::Split': [',', { 'Fn::ImportValue': 'ifas-guard-ci-PrivateSubnetIds' }] },
    });
    for (const role of ['ApiRole', 'WorkerRole', 'InferRole', 'CognitoRole']) {
      expect(JSON.stringify(full.template.Resources[role]?.Properties.ManagedPolicyArns)).toContain(
        'AWSLambdaVPCAccessExecutionRole',
      );
    }
  });
});
