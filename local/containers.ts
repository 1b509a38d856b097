import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import path from 'node:path';
import { waitForKafka } from './kafka';
import { log } from './lifecycle';
import { freePort } from './ports';

// Same major versions as the embedded defaults (PostgreSQL 18, Kafka 4.4 from local/kafka/pom.xml).
const POSTGRES_IMAGE = process.env.POSTGRES_IMAGE ?? 'postgres:18-alpine';
const KAFKA_IMAGE = process.env.KAFKA_IMAGE ?? 'apache/kafka:4.4.0';

/**
 * True when testcontainers finds a Docker (or compatible) engine. Without one it fails within milliseconds
 * ("Could not find a working container runtime strategy"); any other failure is reported and treated the same.
 */
export async function dockerAvailable(): Promise<boolean> {
  if (!mightHaveDocker()) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.includes('Could not find a working container runtime strategy')) {
      log(`Docker check failed (${message}); not using containers`);
    }
    return false;
  }
}

/**
 * Importing testcontainers costs 1-3 s on a busy 2-core machine. Skip it when none of the places its runtime
 * strategies look at (Docker/Testcontainers env vars, ~/.testcontainers.properties, the usual sockets) exists.
 */
function mightHaveDocker(): boolean {
  if (process.platform === 'win32') return true;
  if (Object.keys(process.env).some((name) => /^(DOCKER_|TESTCONTAINERS_|TC_)/.test(name))) return true;
  const home = homedir();
  const candidates = [
    path.join(home, '.testcontainers.properties'),
    '/var/run/docker.sock',
    process.env.XDG_RUNTIME_DIR ? path.join(process.env.XDG_RUNTIME_DIR, 'docker.sock') : '',
    path.join(home, '.docker', 'run', 'docker.sock'),
    path.join(home, '.docker', 'desktop', 'docker.sock'),
    `/run/user/${userInfo().uid}/docker.sock`,
  ];
  return candidates.some((candidate) => candidate !== '' && existsSync(candidate));
}

export interface ContainerService<T> {
  value: T;
  stop(): Promise<void>;
}

/** Testcontainers' reaper (Ryuk) also removes these containers if this process dies without stopping them. */
export async function startPostgresContainer(database: string): Promise<ContainerService<string>> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(POSTGRES_IMAGE)
    .withDatabase(database)
    .withUsername('postgres')
    .withPassword('postgres')
    .withCommand(['postgres', '-c', 'max_connections=200'])
    .start();
  return { value: container.getConnectionUri(), stop: async () => void (await container.stop()) };
}

/**
 * The official apache/kafka image in KRaft mode. Clients must reach the broker at the address it advertises, so the
 * host port is chosen before the container starts and bound explicitly.
 */
export async function startKafkaContainer(hostPort?: number): Promise<ContainerService<string[]>> {
  const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers');
  const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  const port = hostPort ?? (await freePort());
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: 9092, host: port })
    .withEnvironment({
      CLUSTER_ID: randomBytes(16).toString('base64url').replace(/^-/, 'A'),
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_NUM_PARTITIONS: '1',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '3',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m',
    })
    .start();
  const brokers = [`${host}:${port}`];
  try {
    await waitForKafka(brokers);
  } catch (error) {
    await container.stop();
    throw error;
  }
  return { value: brokers, stop: async () => void (await container.stop()) };
}
