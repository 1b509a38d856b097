import { types, type CustomTypesConfig } from 'pg';

const INT8 = 20;
const JSON_OID = 114;
const JSONB = 3802;

/**
 * pg's stock text parsers for the types Emmett's driver layer (dumbo) overrides process-wide when it creates a pool:
 * int8 → BigInt and json/jsonb → its own serializer. Our store expects pg's defaults (int8 as a string, JSON.parse),
 * as it gets them in production, so the pools of our code get these per-pool parsers and Emmett keeps its own.
 */
export const stockTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === 'binary') return types.getTypeParser(oid, 'binary') as (value: Buffer) => unknown;
    if (oid === INT8) return (value: string) => value;
    if (oid === JSON_OID || oid === JSONB) return (value: string) => JSON.parse(value) as unknown;
    return types.getTypeParser(oid, 'text') as (value: string) => unknown;
  }) as CustomTypesConfig['getTypeParser'],
};
