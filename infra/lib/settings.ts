/**
 * The CDK app's settings, from context (cdk.json, or `-c name=value` on the command line), checked
 * once: a typo in a stage name or a function list fails `cdk synth`, not a deployment.
 */

import type { App } from 'aws-cdk-lib';

export interface InfraSettings {
  /** The osls stage these stacks serve (names and exports carry it: ifas-guard-<stage>-…). */
  stage: string;
  /** NAT gateways for the private subnets' Internet egress: 1 (cheaper) or one per zone (2). */
  natGateways: number;
  dbInstanceClass: string;
  dbMultiAz: boolean;
  /** Put RDS Proxy between the functions and PostgreSQL (pools connections across instances). */
  rdsProxy: boolean;
  /** The deployed functions to watch, by their osls names (api, infer, notify, retention, cognito…). */
  functions: string[];
  /** Where alarms are e-mailed ('' for none: subscribe to the topic yourself). */
  alarmEmail: string;
  /** Object Lock mode of the audit anchor bucket: COMPLIANCE (nobody can delete early) or GOVERNANCE. */
  anchorLockMode: 'COMPLIANCE' | 'GOVERNANCE';
  /** Days each anchored checkpoint stays locked; at least the audit log's IFAS_RETENTION_DAYS. */
  anchorRetentionDays: number;
}

const FUNCTION_NAMES = new Set([
  'api',
  'infer',
  'notify',
  'anchor',
  'retention',
  'cognitoDefine',
  'cognitoCreate',
  'cognitoVerify',
]);

function text(app: App, name: string): string {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined || value === null) throw new Error(`context "${name}" is missing`);
  return String(value);
}

function flag(app: App, name: string): boolean {
  const value = text(app, name);
  if (value !== 'true' && value !== 'false')
    throw new Error(`context "${name}" must be true or false`);
  return value === 'true';
}

export function infraSettings(app: App): InfraSettings {
  const stage = text(app, 'stage');
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(stage))
    throw new Error(`stage "${stage}" must match [a-z][a-z0-9-]{0,15}`);
  const natGateways = Number(text(app, 'natGateways'));
  if (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > 2) {
    throw new Error('natGateways must be 1 or 2');
  }
  const dbInstanceClass = text(app, 'dbInstanceClass');
  if (!/^[a-z0-9]+\.[a-z0-9]+$/.test(dbInstanceClass)) {
    throw new Error(`dbInstanceClass "${dbInstanceClass}" is not like t4g.small`);
  }
  const functions = text(app, 'functions')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const unknown = functions.filter((name) => !FUNCTION_NAMES.has(name));
  if (unknown.length > 0) throw new Error(`unknown functions: ${unknown.join(', ')}`);
  const alarmEmail = text(app, 'alarmEmail');
  if (alarmEmail !== '' && !/^[^@\s]+@[^@\s]+$/.test(alarmEmail))
    throw new Error('alarmEmail is not an address');
  const anchorLockMode = text(app, 'anchorLockMode');
  if (anchorLockMode !== 'COMPLIANCE' && anchorLockMode !== 'GOVERNANCE') {
    throw new Error('anchorLockMode must be COMPLIANCE or GOVERNANCE');
  }
  const anchorRetentionDays = Number(text(app, 'anchorRetentionDays'));
  if (
    !Number.isInteger(anchorRetentionDays) ||
    anchorRetentionDays < 1 ||
    anchorRetentionDays > 36_500
  ) {
    throw new Error('anchorRetentionDays must be a whole number of days, 1 to 36500');
  }
  return {
    stage,
    natGateways,
    dbInstanceClass,
    dbMultiAz: flag(app, 'dbMultiAz'),
    rdsProxy: flag(app, 'rdsProxy'),
    functions,
    alarmEmail,
    anchorLockMode,
    anchorRetentionDays,
  };
}

/** The CloudFormation export names shared with serverless.yml (deploy/aws/network-vpc.yml). */
export const exportName = (stage: string, what: string): string => `ifas-guard-${stage}-${what}`;
