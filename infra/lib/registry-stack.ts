/**
 * The ECR repository for the `infer` image (docker/Dockerfile, with inference=lambda): immutable
 * tags (serverless.yml takes digests anyway), scan on push, and only the last 20 images kept.
 */

import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type { Construct } from 'constructs';
import type { InfraSettings } from './settings.js';

export class RegistryStack extends Stack {
  constructor(scope: Construct, id: string, settings: InfraSettings, props: StackProps = {}) {
    super(scope, id, props);
    const repository = new ecr.Repository(this, 'InferImages', {
      repositoryName: `ifas-guard-${settings.stage}-infer`,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: true,
      encryption: ecr.RepositoryEncryption.AES_256,
      lifecycleRules: [{ description: 'keep the last 20 images', maxImageCount: 20 }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'InferRepositoryUri', { value: repository.repositoryUri });
  }
}
