/**
 * Where the audit log's signed checkpoints leave the database (IFAS_ANCHOR_S3_*): an S3 bucket with
 * Object Lock, so whoever can rewrite the database — or this AWS account's administrators, in
 * COMPLIANCE mode — cannot delete or overwrite an anchored checkpoint before its retention ends.
 * Versioned (Object Lock requires it), default retention as configured (the functions also lock
 * each object explicitly, with the same mode and days from this stack's exports), all public access
 * blocked, encrypted at rest, TLS only, retained when the stack goes.
 */

import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { exportName, type InfraSettings } from './settings.js';

export class AnchorStack extends Stack {
  constructor(scope: Construct, id: string, settings: InfraSettings, props: StackProps = {}) {
    super(scope, id, props);
    const days = Duration.days(settings.anchorRetentionDays);
    const bucket = new s3.Bucket(this, 'AuditAnchors', {
      objectLockEnabled: true,
      objectLockDefaultRetention:
        settings.anchorLockMode === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(days)
          : s3.ObjectLockRetention.governance(days),
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const exported = (name: string, value: string, description: string) =>
      new CfnOutput(this, name, {
        value,
        description,
        exportName: exportName(settings.stage, name),
      });
    exported('AnchorBucketName', bucket.bucketName, 'IFAS_ANCHOR_S3_BUCKET');
    exported('AnchorBucketArn', bucket.bucketArn, "for the functions' least-privilege policies");
    exported('AnchorLockMode', settings.anchorLockMode, 'IFAS_ANCHOR_S3_MODE');
    exported(
      'AnchorRetentionDays',
      String(settings.anchorRetentionDays),
      'IFAS_ANCHOR_S3_RETAIN_DAYS',
    );
  }
}
