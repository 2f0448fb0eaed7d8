/**
 * The audit log's PostgreSQL: RDS in the network stack's isolated subnets, TLS forced by the server
 * (rds.force_ssl) and checked by the client (IFAS_DATABASE_TLS=verify-full against the RDS CA bundle),
 * encrypted storage, generated credentials in Secrets Manager, deletion protection and a final
 * snapshot. Optionally RDS Proxy in front, which pools connections across Lambda instances.
 */

import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import type { NetworkStack } from './network-stack.js';
import { exportName, type InfraSettings } from './settings.js';

export class DataStack extends Stack {
  constructor(
    scope: Construct,
    id: string,
    settings: InfraSettings,
    network: NetworkStack,
    props: StackProps = {},
  ) {
    super(scope, id, props);
    const { vpc, functionsGroup } = network;
    const databaseGroup = new ec2.SecurityGroup(this, 'DatabaseGroup', {
      vpc,
      description: 'ifas-guard PostgreSQL (5432 from the functions only)',
      allowAllOutbound: false,
    });
    databaseGroup.addIngressRule(functionsGroup, ec2.Port.tcp(5432), 'functions to PostgreSQL');

    const engine = rds.DatabaseInstanceEngine.postgres({
      version: rds.PostgresEngineVersion.VER_17_7,
    });
    const database = new rds.DatabaseInstance(this, 'Database', {
      engine,
      instanceType: new ec2.InstanceType(settings.dbInstanceClass),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [databaseGroup],
      databaseName: 'ifas',
      credentials: rds.Credentials.fromGeneratedSecret('ifas', {
        secretName: `ifas-guard-${settings.stage}-database`,
      }),
      parameterGroup: new rds.ParameterGroup(this, 'Parameters', {
        engine,
        // The server refuses clients that do not use TLS.
        parameters: { 'rds.force_ssl': '1' },
      }),
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      multiAz: settings.dbMultiAz,
      allocatedStorage: 20,
      maxAllocatedStorage: 200,
      storageEncrypted: true,
      backupRetention: Duration.days(14),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      cloudwatchLogsExports: ['postgresql'],
      autoMinorVersionUpgrade: true,
    });

    let endpoint = database.dbInstanceEndpointAddress;
    if (settings.rdsProxy) {
      const proxyGroup = new ec2.SecurityGroup(this, 'ProxyGroup', {
        vpc,
        description: 'ifas-guard RDS Proxy (5432 from the functions only)',
        allowAllOutbound: true,
      });
      proxyGroup.addIngressRule(functionsGroup, ec2.Port.tcp(5432), 'functions to RDS Proxy');
      databaseGroup.addIngressRule(proxyGroup, ec2.Port.tcp(5432), 'RDS Proxy to PostgreSQL');
      const proxy = database.addProxy('Proxy', {
        secrets: database.secret ? [database.secret] : [],
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [proxyGroup],
        requireTLS: true,
        // Lambda instances come and go; idle client connections are closed after 5 minutes.
        idleClientTimeout: Duration.minutes(5),
        maxConnectionsPercent: 90,
      });
      endpoint = proxy.endpoint;
    }

    new CfnOutput(this, 'DatabaseHost', {
      value: endpoint,
      description: 'host for IFAS_DATABASE_URL (the proxy when rdsProxy=true)',
      exportName: exportName(settings.stage, 'DatabaseHost'),
    });
    if (database.secret) {
      new CfnOutput(this, 'DatabaseCredentialsSecret', {
        value: database.secret.secretArn,
        description:
          'generated user and password; compose IFAS_DATABASE_URL from them (docs/deploy.md)',
      });
    }
  }
}
