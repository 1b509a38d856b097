/**
 * The documented Lambda Kafka event, as a strict schema (no extra or missing fields), used by the specs to check the
 * emulator's payloads. Written from AWS's documentation (see lambda-kafka-trigger.md), not from the encoder.
 */
import { z } from 'zod';

const base64 = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
const signedByte = z.number().int().min(-128).max(127);

export const lambdaKafkaRecordSchema = z.strictObject({
  topic: z.string().min(1),
  partition: z.number().int().min(0),
  offset: z.number().int().min(0),
  timestamp: z.number().int().min(0),
  timestampType: z.enum(['CREATE_TIME', 'LOG_APPEND_TIME']),
  key: base64.optional(),
  value: base64.nullable(),
  headers: z.array(
    z
      .record(z.string(), z.array(signedByte))
      .refine((header) => Object.keys(header).length === 1, 'one name per header'),
  ),
});

const records = z.record(z.string(), z.array(lambdaKafkaRecordSchema).min(1)).superRefine((value, context) => {
  for (const [key, list] of Object.entries(value)) {
    for (const record of list) {
      if (key !== `${record.topic}-${record.partition}`) {
        context.addIssue({ code: 'custom', message: `record of ${record.topic}-${record.partition} under key ${key}` });
      }
    }
  }
});

export const mskEventSchema = z.strictObject({
  eventSource: z.literal('aws:kafka'),
  eventSourceArn: z.string().regex(/^arn:aws:kafka:/),
  bootstrapServers: z.string().min(1),
  records,
});

export const selfManagedKafkaEventSchema = z.strictObject({
  eventSource: z.literal('SelfManagedKafka'),
  bootstrapServers: z.string().min(1),
  records,
});
