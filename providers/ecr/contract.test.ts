import { describeProviderContract } from '../../test/contract/provider-contract.ts';
import { type FakeAws, startFakeAws } from '../../test/fakes/aws/fake-aws.ts';
import ecr from './index.ts';

const KEY = {
  accessKeyId: 'AKIAFAKECONTRACT0007',
  secretAccessKey: 'contract-secret-key-0000000000000000007',
};
const ROLE = 'arn:aws:iam::444455556666:role/ecr-pull';

describeProviderContract({
  factory: ecr,
  validConfig: { roleArn: ROLE, externalId: 'regcred-contract', roleSessionName: 'regcred-contract' },
  invalidConfigs: [
    {
      name: 'a user ARN as roleArn',
      raw: { roleArn: 'arn:aws:iam::444455556666:user/bob' },
      path: ['roleArn'],
    },
    { name: 'externalId without roleArn', raw: { externalId: 'regcred' }, path: ['externalId'] },
    {
      name: 'durationSeconds over 12 h',
      raw: { roleArn: ROLE, durationSeconds: 86_400 },
      path: ['durationSeconds'],
    },
  ],
  async setup() {
    const fake: FakeAws = await startFakeAws();
    fake.addKey(KEY);
    fake.allowRole(ROLE, { externalId: 'regcred-contract' });
    return {
      host: '444455556666.dkr.ecr.eu-central-1.amazonaws.com',
      context: {
        env: {
          AWS_ACCESS_KEY_ID: KEY.accessKeyId,
          AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
          AWS_ENDPOINT_URL_ECR: fake.url,
          AWS_ENDPOINT_URL_STS: fake.url,
        },
      },
      secrets: () => fake.issuedSecrets(),
      teardown: () => fake.close(),
    };
  },
});
