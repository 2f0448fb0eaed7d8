/**
 * The network the functions run in with `--param="network=vpc"`: private subnets whose only ways out
 * are interface endpoints (Secrets Manager for the secret at cold start, Lambda for inference=lambda)
 * and NAT (IdP webhooks and SETs from `notify`, the GPU container with inference=http), plus isolated
 * subnets for the database. serverless.yml finds the subnets and the functions' security group
 * through this stack's exports.
 */

import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { exportName, type InfraSettings } from './settings.js';

export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;
  /** The security group every function gets; the database and endpoints admit it. */
  readonly functionsGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, settings: InfraSettings, props: StackProps = {}) {
    super(scope, id, props);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: settings.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'functions', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });

    this.functionsGroup = new ec2.SecurityGroup(this, 'FunctionsGroup', {
      vpc: this.vpc,
      description: 'ifas-guard Lambda functions',
      allowAllOutbound: true,
    });

    const endpointsGroup = new ec2.SecurityGroup(this, 'EndpointsGroup', {
      vpc: this.vpc,
      description: 'ifas-guard interface endpoints (HTTPS from the functions)',
      allowAllOutbound: false,
    });
    endpointsGroup.addIngressRule(this.functionsGroup, ec2.Port.tcp(443), 'functions to AWS APIs');
    const privateSubnets = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    // Without these a function in the VPC cannot read its secret (cold start fails) or invoke `infer`
    // unless it goes out through NAT; endpoints keep that traffic off the Internet.
    for (const [name, service] of [
      ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
      ['Lambda', ec2.InterfaceVpcEndpointAwsService.LAMBDA],
    ] as const) {
      this.vpc.addInterfaceEndpoint(`${name}Endpoint`, {
        service,
        subnets: privateSubnets,
        securityGroups: [endpointsGroup],
        privateDnsEnabled: true,
      });
    }

    // The anchor bucket (and any S3 traffic) through a gateway endpoint: free, and off the NAT.
    this.vpc.addGatewayEndpoint('S3Endpoint', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [privateSubnets],
    });

    new CfnOutput(this, 'PrivateSubnetIds', {
      value: Fn.join(',', this.vpc.selectSubnets(privateSubnets).subnetIds),
      exportName: exportName(settings.stage, 'PrivateSubnetIds'),
    });
    new CfnOutput(this, 'LambdaSecurityGroupId', {
      value: this.functionsGroup.securityGroupId,
      exportName: exportName(settings.stage, 'LambdaSecurityGroupId'),
    });
  }
}
