/**
 * serverless-offline companion plugin: emulates AWS Lambda's Kafka event source mapping for every function with an
 * `msk` or `kafka` event (serverless-offline itself has no Kafka events). Loaded by the serverless CLI through
 * index.js. Starts once serverless-offline's Lambda invoke API is listening and stops before serverless-offline ends.
 *
 *   custom:
 *     kafkaTrigger:               # all optional (README.md beside this file)
 *       brokers: ...              # default env KAFKA_BROKERS
 *       localBatchingWindowMs: 20 # opt-in local override of every mapping's batching window (announced at start)
 *
 * A configuration the emulator cannot honour as AWS would stops `serverless offline` with a message naming it.
 */
import net from 'node:net';
import { KafkaTriggerConfigError, readMappings, type LocalSettings, type ServiceDefinition } from './config';
import { createHttpInvoker } from './invoker';
import { KafkaTrigger } from './trigger';
import type { MappingConfig, TriggerLogger } from './types';

/** The parts of the serverless instance this plugin touches. */
interface ServerlessLike {
  service: {
    service: string;
    provider: { stage?: string; region?: string; environment?: Record<string, unknown>; timeout?: number };
    custom?: Record<string, unknown>;
    resources?: unknown;
    getAllFunctions(): string[];
    getFunction(name: string): {
      name?: string;
      timeout?: number;
      environment?: Record<string, unknown>;
      events?: unknown[];
    };
  };
  getProvider(name: 'aws'): {
    getStage?(): string;
    getRegion?(): string;
    naming?: {
      getMSKEventLogicalId(functionName: string, clusterName: string, topic: string): string;
      getKafkaEventLogicalId(functionName: string, topic: string): string;
    };
  };
}

interface PluginLog {
  error(message: string): void;
  warning(message: string): void;
  notice(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

type CliOptions = Record<string, unknown>;

const fallbackLog: PluginLog = {
  error: (message) => process.stderr.write(`${message}\n`),
  warning: (message) => process.stderr.write(`${message}\n`),
  notice: (message) => process.stderr.write(`${message}\n`),
  info: () => undefined,
  debug: () => undefined,
};

function withExtra(message: string, extra?: Record<string, unknown>): string {
  return extra && Object.keys(extra).length > 0 ? `${message} ${JSON.stringify(extra)}` : message;
}

function serverlessLogger(log: PluginLog, prefix: string): TriggerLogger {
  return {
    debug: (message, extra) => log.debug(withExtra(`${prefix} ${message}`, extra)),
    info: (message, extra) => log.notice(withExtra(`${prefix} ${message}`, extra)),
    warn: (message, extra) => log.warning(withExtra(`${prefix} ${message}`, extra)),
    error: (message, extra) => log.error(withExtra(`${prefix} ${message}`, extra)),
  };
}

/** Where serverless-offline's Lambda invoke API listens: CLI option > custom.serverless-offline > env > default. */
export function lambdaEndpoint(
  cliOptions: CliOptions,
  offlineCustom: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { baseUrl: string; host: string; port: number; noTimeout: boolean; inProcess: boolean } {
  const custom =
    typeof offlineCustom === 'object' && offlineCustom !== null ? (offlineCustom as Record<string, unknown>) : {};
  const rawPort = cliOptions.lambdaPort ?? custom.lambdaPort ?? env.LAMBDA_PORT ?? 3002;
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535)
    throw new KafkaTriggerConfigError(`Invalid lambdaPort ${JSON.stringify(rawPort)}`);
  const givenHost = cliOptions.host ?? custom.host ?? 'localhost';
  if (typeof givenHost !== 'string') throw new KafkaTriggerConfigError(`Invalid host ${JSON.stringify(givenHost)}`);
  const rawHost = givenHost;
  // serverless-offline listens on this host; a wildcard address is reached through loopback.
  const host = rawHost === '0.0.0.0' ? '127.0.0.1' : rawHost === '::' ? '::1' : rawHost;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const noTimeout = Boolean(cliOptions.noTimeout ?? custom.noTimeout ?? false);
  const inProcess = Boolean(cliOptions.useInProcess ?? custom.useInProcess ?? false);
  return { baseUrl: `http://${urlHost}:${port}`, host, port, noTimeout, inProcess };
}

/** What runs locally for one mapping, in one line: every deviation from the deployed mapping is named here. */
export function banner(mapping: MappingConfig, inProcess: boolean, localWindowMs: number | undefined): string {
  const { retry } = mapping;
  const deployedWindowMs = Math.round(mapping.deployedBatchingWindowSeconds * 1000);
  const window =
    localWindowMs !== undefined && localWindowMs !== deployedWindowMs
      ? `window ${localWindowMs} ms LOCAL OVERRIDE (custom.kafkaTrigger.localBatchingWindowMs; deployed ${deployedWindowMs} ms)`
      : `window ${mapping.batchingWindowMs} ms`;
  const retries = Number.isFinite(retry.maximumRetryAttempts)
    ? `${retry.maximumRetryAttempts} retries`
    : 'retries until the record expires';
  const controls = [
    retry.bisectBatchOnFunctionError ? 'bisect' : null,
    retry.reportBatchItemFailures ? 'ReportBatchItemFailures' : null,
    retry.maximumRecordAgeMs !== null ? `max record age ${retry.maximumRecordAgeMs / 1000} s` : null,
    mapping.filterPatterns.length > 0 ? `${mapping.filterPatterns.length} filter(s) on value` : null,
  ].filter(Boolean);
  return (
    `${mapping.functionName} ← ${mapping.topic} (group ${mapping.consumerGroupId}, ` +
    `${mapping.provisioned ? `provisioned ${mapping.provisioned.minimumPollers}..${mapping.provisioned.maximumPollers} pollers` : 'on-demand'}, ` +
    `starting position ${mapping.startingPosition} unless the group exists, batch ≤ ${mapping.batchSize}, ${window}, ` +
    `${retries}${controls.length > 0 ? `, ${controls.join(', ')}` : ''}, on failure → ` +
    `${mapping.deadLetterTopic ? `kafka://${mapping.deadLetterTopic}` : 'discarded (no destination)'}, timeout ` +
    `${mapping.functionTimeoutMs / 1000} s${inProcess ? ' NOT ENFORCED (in-process runner)' : ''})`
  );
}

/**
 * The CLI reports a hook's error but serverless-offline's servers, already listening, keep the process alive: make
 * sure it ends (with a failure status) once the error has been printed.
 */
function refuse(): void {
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 2_000).unref();
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export default class KafkaTriggerPlugin {
  readonly hooks: Record<string, () => Promise<void> | void>;
  readonly commands = {
    'kafka-trigger': {
      usage: 'Prints the Kafka event source mappings that `serverless offline` emulates locally',
      lifecycleEvents: ['print'],
    },
  };
  private readonly log: PluginLog;
  private triggers: KafkaTrigger[] = [];
  private stopping: Promise<void> | null = null;
  private startLoop: Promise<void> | null = null;
  private readonly signalHandler = (): void => {
    void this.stopAll();
  };

  constructor(
    private readonly serverless: ServerlessLike,
    private readonly cliOptions: CliOptions = {},
    utils?: { log?: PluginLog },
  ) {
    this.log = utils?.log ?? fallbackLog;
    this.hooks = {
      // `serverless offline start`: serverless-offline's Lambda API listens once its init hook is done.
      'after:offline:start:init': () => this.startAll(),
      // Runs before serverless-offline's own end hook (which exits the process).
      'before:offline:start:end': () => this.stopAll(),
      // `serverless offline` (no `start`): its single hook blocks until a signal, so start in the background.
      'before:offline:start': () => {
        void this.startAll();
      },
      'kafka-trigger:print': () => this.print(),
    };
  }

  private read(): { mappings: MappingConfig[]; brokers: string[]; local: LocalSettings; warnings: string[] } {
    const { service } = this.serverless;
    const provider = this.serverless.getProvider('aws');
    const functions: ServiceDefinition['functions'] = Object.fromEntries(
      service.getAllFunctions().map((key) => [key, service.getFunction(key)]),
    );
    const naming = provider.naming;
    return readMappings(
      {
        service: service.service,
        stage: provider.getStage?.() ?? service.provider.stage ?? 'dev',
        region: provider.getRegion?.() ?? service.provider.region,
        functions,
        resources: service.resources,
        custom: service.custom,
        providerEnvironment: service.provider.environment,
        providerTimeout: service.provider.timeout,
      },
      {
        env: process.env,
        logicalId: naming
          ? (functionKey, kind, cluster, topic) =>
              kind === 'msk'
                ? naming.getMSKEventLogicalId(functionKey, cluster, topic)
                : naming.getKafkaEventLogicalId(functionKey, topic)
          : undefined,
      },
    );
  }

  private print(): void {
    const result = this.read();
    for (const warning of result.warnings) this.log.warning(`kafka-trigger: ${warning}`);
    process.stdout.write(
      `${JSON.stringify({ brokers: result.brokers, local: result.local, mappings: result.mappings }, null, 2)}\n`,
    );
  }

  async startAll(): Promise<void> {
    if (this.startLoop || this.stopping) return;
    let config: ReturnType<KafkaTriggerPlugin['read']>;
    let endpoint: ReturnType<typeof lambdaEndpoint>;
    try {
      config = this.read();
      endpoint = lambdaEndpoint(this.cliOptions, this.serverless.service.custom?.['serverless-offline'], process.env);
      if (config.mappings.length > 0 && endpoint.inProcess && !config.local.allowUnterminatedTimeouts) {
        throw new KafkaTriggerConfigError(
          "serverless-offline's in-process runner (useInProcess) cannot end a function that timed out, so a retry " +
            'could run while the timed-out attempt still does; use worker threads, or set ' +
            'custom.kafkaTrigger.allowUnterminatedTimeouts: true to accept that',
        );
      }
    } catch (error) {
      // Refused loudly: serverless offline stops with this message instead of running something AWS would not.
      const message = `kafka-trigger: ${error instanceof Error ? error.message : String(error)}`;
      this.log.error(message);
      refuse();
      throw error instanceof KafkaTriggerConfigError ? error : new KafkaTriggerConfigError(message);
    }
    for (const warning of config.warnings) this.log.notice(`kafka-trigger: ${warning}`);
    if (!config.local.enabled) {
      this.log.notice('kafka-trigger: disabled by custom.kafkaTrigger.enabled');
      return;
    }
    const mappings = config.mappings.filter((mapping) => {
      if (!mapping.enabled)
        this.log.notice(`kafka-trigger: ${mapping.functionKey} (${mapping.topic}) is disabled (enabled: false)`);
      return mapping.enabled;
    });
    if (mappings.length === 0) return;
    if (config.brokers.length === 0) {
      refuse();
      throw new KafkaTriggerConfigError(
        'kafka-trigger: no Kafka brokers (set KAFKA_BROKERS or custom.kafkaTrigger.brokers, or custom.kafkaTrigger.enabled: false)',
      );
    }
    for (const mapping of mappings) {
      const line = `kafka-trigger: ${banner(mapping, endpoint.inProcess, config.local.localBatchingWindowMs)}`;
      // A local deviation is shown even at the warning log level (npm start's).
      if (/LOCAL OVERRIDE|NOT ENFORCED/.test(line)) this.log.warning(line);
      else this.log.notice(line);
    }
    process.once('SIGINT', this.signalHandler);
    process.once('SIGTERM', this.signalHandler);
    this.startLoop = this.run(mappings, config, endpoint).catch((error: unknown) => {
      this.log.error(`kafka-trigger: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    });
  }

  private async run(
    mappings: MappingConfig[],
    config: { brokers: string[]; local: LocalSettings },
    endpoint: ReturnType<typeof lambdaEndpoint>,
  ): Promise<void> {
    // The invoke API must be up before the first batch (serverless-offline starts it during its init hook).
    for (let waited = 0; !(await portOpen(endpoint.host, endpoint.port)); waited += 1) {
      if (this.stopping) return;
      if (waited === 10)
        this.log.warning(`kafka-trigger: still waiting for serverless-offline's Lambda API on ${endpoint.baseUrl}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const clientId = config.local.clientId ?? `${this.serverless.service.service}-kafka-trigger`;
    await Promise.all(
      mappings.map(async (mapping) => {
        const logger = serverlessLogger(this.log, `kafka-trigger[${mapping.functionKey} ← ${mapping.topic}]`);
        // A mapping whose broker/topic is not there yet keeps retrying, like an ESM in state "Creating".
        for (let attempt = 1; !this.stopping; attempt += 1) {
          const trigger = new KafkaTrigger({
            mapping,
            brokers: config.brokers,
            clientId,
            logger,
            invoke: createHttpInvoker({
              baseUrl: endpoint.baseUrl,
              functionName: mapping.functionName,
              timeoutMs: endpoint.noTimeout ? null : mapping.functionTimeoutMs + 5_000,
            }),
            backoff: { baseMs: config.local.retryBackoffBaseMs, maxMs: config.local.retryBackoffMaxMs },
            shutdownGraceMs: config.local.shutdownGraceMs,
            createDeadLetterTopic: config.local.createDeadLetterTopic,
          });
          this.triggers.push(trigger);
          try {
            await trigger.start();
            logger.info(`Kafka trigger running: invoking ${mapping.functionName} via ${endpoint.baseUrl}`);
            return;
          } catch (error) {
            this.triggers = this.triggers.filter((other) => other !== trigger);
            await trigger.stop();
            if (this.stopping) return;
            logger.error(
              `start failed (attempt ${attempt}), retrying in 5 s: ${error instanceof Error ? error.message : String(error)}`,
            );
            await new Promise((resolve) => setTimeout(resolve, 5_000));
          }
        }
      }),
    );
  }

  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      process.removeListener('SIGINT', this.signalHandler);
      process.removeListener('SIGTERM', this.signalHandler);
      const triggers = this.triggers;
      this.triggers = [];
      if (triggers.length > 0) this.log.notice(`kafka-trigger: stopping ${triggers.length} Kafka trigger(s)`);
      await Promise.all(triggers.map((trigger) => trigger.stop()));
    })();
    return this.stopping;
  }
}
