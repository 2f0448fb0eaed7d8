/**
 * The infrastructure around serverless.yml, as CDK stacks for one stage (docs/deploy.md, step 2):
 *   IfasGuardNetwork-<stage>     VPC, NAT, Secrets Manager and Lambda endpoints (for network=vpc)
 *   IfasGuardData-<stage>        PostgreSQL on RDS (TLS forced), optionally RDS Proxy
 *   IfasGuardRegistry-<stage>    ECR repository for the infer image (inference=lambda)
 *   IfasGuardAnchors-<stage>     S3 bucket with Object Lock for the audit log's signed checkpoints
 *   IfasGuardMonitoring-<stage>  alarms; deploy after `sls deploy` (it imports the API's exports)
 * `cdk synth` needs no AWS account: the stacks are environment-agnostic unless CDK_DEFAULT_ACCOUNT
 * and CDK_DEFAULT_REGION are set (as `cdk deploy` does from your profile).
 */

import { App, Tags } from 'aws-cdk-lib';
import { AnchorStack } from '../lib/anchor-stack.js';
import { DataStack } from '../lib/data-stack.js';
import { MonitoringStack } from '../lib/monitoring-stack.js';
import { NetworkStack } from '../lib/network-stack.js';
import { RegistryStack } from '../lib/registry-stack.js';
import { infraSettings } from '../lib/settings.js';

const app = new App();
const settings = infraSettings(app);
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const env = account && region ? { account, region } : undefined;
const props = env ? { env } : {};

const network = new NetworkStack(app, `IfasGuardNetwork-${settings.stage}`, settings, props);
new DataStack(app, `IfasGuardData-${settings.stage}`, settings, network, props);
new RegistryStack(app, `IfasGuardRegistry-${settings.stage}`, settings, props);
new AnchorStack(app, `IfasGuardAnchors-${settings.stage}`, settings, props);
new MonitoringStack(app, `IfasGuardMonitoring-${settings.stage}`, settings, props);
Tags.of(app).add('project', 'ifas-guard');
Tags.of(app).add('stage', settings.stage);
