import { KafkaJSSASLAuthenticationError, type Mechanism } from 'kafkajs';
import { getCredentials, invalidateSecret, type Credentials } from '../config/secrets';
import type { Config } from '../config/env';

// kafkajs' own SCRAM-SHA-512 client (not part of its typed API; the package has no `exports` map, and client.ts reads
// its error table the same way).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const scram512 = require('kafkajs/src/broker/saslAuthenticator/scram512') as (
  sasl: { mechanism: 'scram-sha-512' } & Credentials,
) => Mechanism['authenticationProvider'];

/**
 * SASL/SCRAM-SHA-512 for a self-managed cluster, its credentials awaited when a connection authenticates rather than
 * fixed when the client is built. kafkajs calls a mechanism's `authenticationProvider` for every new broker connection
 * (after the SaslHandshake for the mechanism named here); this one awaits the credentials, then runs kafkajs' own SCRAM
 * exchange with them. So every client createKafka builds (the relay's producer, the status and health readers, the
 * dead-letter reader, the projector's dead-letter sink) gets them before its first connection, without an extra step.
 *
 * With KAFKA_SASL_SECRET_ARN (AWS) they are the secret's `{"username", "password"}`, read once per container
 * (lib/platform/config/secrets.ts: shared by concurrent connections, a failed read not kept). A refused login drops
 * the cached secret, so the connection after a rotation reads it again. Otherwise they are KAFKA_SASL_USERNAME and
 * KAFKA_SASL_PASSWORD (env.ts allows exactly one of the two sources).
 */
export function scramSasl(
  config: Pick<Config, 'KAFKA_SASL_SECRET_ARN' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'>,
): Mechanism {
  const arn = config.KAFKA_SASL_SECRET_ARN;
  const { KAFKA_SASL_USERNAME: username = '', KAFKA_SASL_PASSWORD: password = '' } = config;
  const credentials = (): Promise<Credentials> => (arn ? getCredentials(arn) : Promise.resolve({ username, password }));
  return {
    mechanism: 'scram-sha-512',
    authenticationProvider: (args) => ({
      authenticate: async () => {
        const login = await credentials();
        try {
          await scram512({ mechanism: 'scram-sha-512', ...login })(args).authenticate();
        } catch (error) {
          if (arn && error instanceof KafkaJSSASLAuthenticationError) invalidateSecret(arn);
          throw error;
        }
      },
    }),
  };
}
