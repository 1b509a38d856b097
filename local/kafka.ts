import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { GiveUp, waitUntil } from '../lib/platform/wait-until';
import {
  commandLineOf,
  isAlive,
  killOnExit,
  log,
  onShutdown,
  signalQuietly,
  spawnTiedToThisProcess,
  waitForPidExit,
} from './lifecycle';
import { assertPortFree } from './ports';

export const DEFAULT_KAFKA_PORT = 19092;
const REPO_ROOT = path.resolve(__dirname, '..');
const POM = path.join(REPO_ROOT, 'local', 'kafka', 'pom.xml');
const CACHE_DIR = path.join(REPO_ROOT, '.local');
const NO_KAFKA_HINT =
  'Either install Java 17+ and Maven, or start a Docker engine (the project then uses a Kafka container), ' +
  'or set KAFKA_BROKERS=host:port to use a Kafka broker you already run.';

export interface LocalKafkaOptions {
  /** Holds the broker's config, log segments (data/) and its console log (kafka.log). */
  dataDir: string;
  /** Client (PLAINTEXT) port. */
  port?: number;
  /** KRaft controller port; default port + 1. Keep it stable for a persistent dataDir. */
  controllerPort?: number;
}

export interface LocalKafka {
  brokers: string[];
  /** The broker's (java's). */
  pid: number;
  stop(): Promise<void>;
}

export async function startLocalKafka(options: LocalKafkaOptions): Promise<LocalKafka> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? DEFAULT_KAFKA_PORT;
  const controllerPort = options.controllerPort ?? port + 1;
  const java = checkJava();
  const classpath = await resolveClasspath();

  mkdirSync(dataDir, { recursive: true });
  await stopOrphan(dataDir);
  const hint = 'Set KAFKA_PORT to another port, or KAFKA_BROKERS to use the Kafka already listening there.';
  await assertPortFree(port, 'Kafka', hint);
  await assertPortFree(controllerPort, 'Kafka controller', hint);

  const files = writeConfig(dataDir, port, controllerPort);
  // Serial GC and C1 only: a single-node dev broker starts ~30% faster and ~50 MB smaller than with the defaults.
  const jvm = [
    '-Xms128m',
    '-Xmx512m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    `-Dlog4j2.configurationFile=${files.log4j}`,
  ];
  const cds = classDataSharing(java, classpath);
  if (!existsSync(path.join(files.logDirs, 'meta.properties'))) {
    await formatStorage(java, [...jvm, ...cds.use], classpath, files.serverProperties);
  }

  const out = openSync(files.consoleLog, 'a');
  const brokerArgs = [...jvm, ...cds.use, ...cds.create, '-cp', classpath, 'kafka.Kafka', files.serverProperties];
  // Its own process group (a terminal's Ctrl-C is for this process, which stops the broker after its clients), and
  // SIGTERM from the kernel should this process die without stopping it.
  const child = spawnTiedToThisProcess(
    java.command,
    brokerArgs,
    { cwd: dataDir, stdio: ['ignore', out, out], detached: true },
    'SIGTERM',
  );
  closeSync(out);
  child.once('exit', (code, signal) => cds.afterExit(code !== null && signal === null));
  const pid = child.pid;
  if (!pid) throw new Error(`Kafka: could not start ${java.command}`);
  writeFileSync(files.pidFile, `${pid}\n`);
  const forgetPid = killOnExit(pid, 'SIGTERM');

  const failure = (what: string) => new Error(`Kafka ${what} (log ${files.consoleLog}):\n${tail(files.consoleLog)}`);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= shutDown());
  const shutDown = async (): Promise<void> => {
    forgetOnShutdown();
    await terminate(child, 20_000);
    forgetPid();
    rmSync(files.pidFile, { force: true });
  };
  const forgetOnShutdown = onShutdown(stop);

  const brokers = [`127.0.0.1:${port}`];
  try {
    await waitForKafka(brokers, () => (child.exitCode !== null ? failure('exited during start-up') : undefined));
  } catch (error) {
    await stop();
    throw error;
  }
  return { brokers, pid, stop };
}

/** Ready = a metadata request answered with a registered broker (not merely an open port). */
export async function waitForKafka(
  brokers: string[],
  deadProcess: () => Error | undefined = () => undefined,
  timeoutMs = 90_000,
): Promise<void> {
  const kafka = new Kafka({
    clientId: 'ledgerline-local-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  });
  await waitUntil(
    `Kafka at ${brokers.join(',')} to answer a metadata request`,
    async () => {
      const dead = deadProcess();
      if (dead) throw new GiveUp(dead);
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0 ? true : undefined;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    { timeoutMs, intervalMs: 200 },
  );
}

interface Java {
  command: string;
  version: string;
}

function checkJava(): Java {
  const command = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const result = spawnSync(command, ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(`Kafka: Java was not found (${command} -version failed). ${NO_KAFKA_HINT}`);
  }
  const version = `${result.stderr}${result.stdout}`;
  // e.g. `openjdk version "17.0.15" 2025-04-15` or, before Java 9, `java version "1.8.0_402"`.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(version);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0;
  if (major < 17) {
    throw new Error(`Kafka 4 needs Java 17 or newer; ${command} is version ${major || 'unknown'}. ${NO_KAFKA_HINT}`);
  }
  return { command, version };
}

/**
 * Application class-data sharing: the first broker run dumps the classes it loaded into an archive when it stops;
 * later runs map that archive and reach "ready" about twice as fast. The JVM ignores an archive that no longer
 * matches the classpath or the JVM, and the key below changes with either anyway.
 */
function classDataSharing(java: Java, classpath: string) {
  const key = createHash('sha256').update(java.version).update(classpath).digest('hex').slice(0, 16);
  const archive = path.join(CACHE_DIR, `kafka-cds-${key}.jsa`);
  if (existsSync(archive)) {
    return { use: [`-XX:SharedArchiveFile=${archive}`, '-Xlog:cds=off'], create: [], afterExit: () => undefined };
  }
  const partial = `${archive}.${process.pid}.tmp`;
  removeStaleArchives(archive);
  return {
    use: [],
    create: [`-XX:ArchiveClassesAtExit=${partial}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off'],
    afterExit: (cleanExit: boolean) => {
      if (cleanExit && existsSync(partial)) renameSync(partial, archive);
      else rmSync(partial, { force: true });
    },
  };
}

/** The broker's jars, resolved by Maven once and cached per pom.xml content (a few seconds the first time). */
async function resolveClasspath(): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 16);
  const cacheFile = path.join(CACHE_DIR, `kafka-classpath-${hash}.txt`);
  if (existsSync(cacheFile)) {
    const cached = readFileSync(cacheFile, 'utf8').trim();
    if (cached && cached.split(path.delimiter).every((jar) => existsSync(jar))) return cached;
  }
  if (spawnSync('mvn', ['--version'], { stdio: 'ignore' }).error) {
    throw new Error(`Kafka: Maven (mvn) was not found; it fetches the broker's jars once. ${NO_KAFKA_HINT}`);
  }
  log('Kafka: resolving the broker jars with Maven (first run only)…');
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${cacheFile}.${process.pid}.tmp`;
  const result = await run('mvn', [
    '-q',
    '-B',
    '-f',
    POM,
    'dependency:build-classpath',
    `-Dmdep.outputFile=${partial}`,
  ]);
  if (result.code !== 0 || !existsSync(partial)) {
    rmSync(partial, { force: true });
    throw new Error(`Kafka: Maven could not resolve ${POM} (exit ${result.code}):\n${result.output.slice(-3000)}`);
  }
  renameSync(partial, cacheFile); // atomic: concurrent starters never read half a file
  return readFileSync(cacheFile, 'utf8').trim();
}

/** Archives of other JVM/classpath versions, and partial dumps whose writer is gone (each is ~50 MB). */
function removeStaleArchives(current: string): void {
  for (const name of readdirSync(CACHE_DIR)) {
    const file = path.join(CACHE_DIR, name);
    const partialOf = /^kafka-cds-\w+\.jsa\.(\d+)\.tmp$/.exec(name);
    if (partialOf ? !isAlive(Number(partialOf[1])) : /^kafka-cds-\w+\.jsa$/.test(name) && file !== current) {
      rmSync(file, { force: true });
    }
  }
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

function writeConfig(dataDir: string, port: number, controllerPort: number) {
  const logDirs = path.join(dataDir, 'data');
  const serverProperties = path.join(dataDir, 'server.properties');
  const log4j = path.join(dataDir, 'log4j2.properties');
  const settings: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.bootstrap.servers': `127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': logDirs,
    'num.partitions': 1,
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': 1,
    // One broker: a few coordinator partitions are plenty and make the first group join fast.
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 3,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
  };
  writeFileSync(
    serverProperties,
    `# Generated by local/kafka.ts on every start; edit that file instead.\n${Object.entries(settings)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
  );
  writeFileSync(
    log4j,
    [
      'status = error',
      'appender.console.type = Console',
      'appender.console.name = STDOUT',
      'appender.console.layout.type = PatternLayout',
      'appender.console.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = WARN',
      'rootLogger.appenderRef.stdout.ref = STDOUT',
      '',
    ].join('\n'),
  );
  return {
    logDirs,
    serverProperties,
    log4j,
    consoleLog: path.join(dataDir, 'kafka.log'),
    pidFile: path.join(dataDir, 'kafka.pid'),
  };
}

async function formatStorage(java: Java, jvm: string[], classpath: string, serverProperties: string): Promise<void> {
  const args = [...jvm, '-cp', classpath, 'kafka.tools.StorageTool', 'format'];
  const result = await run(java.command, [...args, '-t', kafkaUuid(), '-c', serverProperties, '--standalone']);
  if (result.code !== 0) throw new Error(`Kafka: formatting the storage failed:\n${result.output}`);
}

/** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (Kafka avoids a leading '-'). */
function kafkaUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** A broker left running by a run that was SIGKILLed on a platform without setpriv. */
async function stopOrphan(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'kafka.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const command = Number.isSafeInteger(pid) && pid > 0 && isAlive(pid) ? commandLineOf(pid) : undefined;
  if (command?.includes('kafka.Kafka') && command.includes(dataDir)) {
    log(`Kafka: stopping an orphaned broker (pid ${pid}) left running on ${dataDir} by an earlier run`);
    signalQuietly(pid, 'SIGTERM');
    if (!(await waitForPidExit(pid, 20_000))) signalQuietly(pid, 'SIGKILL');
    await waitForPidExit(pid, 5_000);
  }
  rmSync(pidFile, { force: true });
}

async function terminate(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    log(`Kafka (pid ${child.pid}) did not stop within ${timeoutMs} ms: killing it`);
    child.kill('SIGKILL');
  }, timeoutMs);
  await exited;
  clearTimeout(timer);
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}
