import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger for every function; the correlation id is appended per request by the http stack. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ledgerline',
  logLevel: (process.env.LOG_LEVEL as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' | undefined) ?? 'INFO',
});
