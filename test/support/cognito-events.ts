/**
 * Cognito trigger events in the shape the service sends them (AWS Cognito developer guide, "Custom
 * authentication challenge Lambda triggers"), with only the varying parts as parameters.
 */

import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from 'aws-lambda';

type Session = DefineAuthChallengeTriggerEvent['request']['session'];

const common = (sub: string) => ({
  version: '1',
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_Ex4mpLe1',
  userName: sub,
  callerContext: { awsSdkVersion: 'aws-sdk-js-3.1164.0', clientId: '1example23456789abcdefghij' },
});

const attributes = (sub: string) => ({
  sub,
  'cognito:user_status': 'CONFIRMED',
  email_verified: 'true',
  email: 'grace@example.com',
});

export function defineEvent(
  sub: string,
  session: Session,
  userNotFound = false,
): DefineAuthChallengeTriggerEvent {
  return {
    ...common(sub),
    triggerSource: 'DefineAuthChallenge_Authentication',
    request: { userAttributes: attributes(sub), session, userNotFound },
    response: { issueTokens: false, failAuthentication: false },
  } as DefineAuthChallengeTriggerEvent;
}

export function createEvent(sub: string, session: Session): CreateAuthChallengeTriggerEvent {
  return {
    ...common(sub),
    triggerSource: 'CreateAuthChallenge_Authentication',
    request: {
      userAttributes: attributes(sub),
      challengeName: 'CUSTOM_CHALLENGE',
      session,
      userNotFound: false,
    },
    response: {
      publicChallengeParameters: {},
      privateChallengeParameters: {},
      challengeMetadata: '',
    },
  } as CreateAuthChallengeTriggerEvent;
}

export function verifyEvent(
  sub: string,
  privateChallengeParameters: Record<string, string>,
  challengeAnswer: string,
): VerifyAuthChallengeResponseTriggerEvent {
  return {
    ...common(sub),
    triggerSource: 'VerifyAuthChallengeResponse_Authentication',
    request: {
      userAttributes: attributes(sub),
      privateChallengeParameters,
      challengeAnswer,
      userNotFound: false,
    },
    response: { answerCorrect: false },
  } as VerifyAuthChallengeResponseTriggerEvent;
}
