import type { FakeAwsKey } from './sigv4.ts';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function xmlEscape(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `AssumeRoleResponse` / `AssumeRoleWithWebIdentityResponse`, as STS's query protocol answers. */
export function assumeRoleXml(
  action: 'AssumeRole' | 'AssumeRoleWithWebIdentity',
  key: Required<FakeAwsKey>,
  expiration: Date,
  assumedRoleArn: string,
  requestId: string,
): string {
  const extra =
    action === 'AssumeRoleWithWebIdentity'
      ? '<SubjectFromWebIdentityToken>system:serviceaccount:regcred:regcred</SubjectFromWebIdentityToken>' +
        '<Audience>sts.amazonaws.com</Audience><Provider>oidc.eks.example</Provider>'
      : '';
  return (
    `<${action}Response xmlns="${NS}"><${action}Result>${extra}` +
    '<Credentials>' +
    `<AccessKeyId>${xmlEscape(key.accessKeyId)}</AccessKeyId>` +
    `<SecretAccessKey>${xmlEscape(key.secretAccessKey)}</SecretAccessKey>` +
    `<SessionToken>${xmlEscape(key.sessionToken)}</SessionToken>` +
    `<Expiration>${expiration.toISOString()}</Expiration>` +
    '</Credentials>' +
    `<AssumedRoleUser><AssumedRoleId>AROAFAKE:regcred</AssumedRoleId><Arn>${xmlEscape(assumedRoleArn)}</Arn></AssumedRoleUser>` +
    `</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function stsErrorXml(code: string, message: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${xmlEscape(code)}</Code>` +
    `<Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
