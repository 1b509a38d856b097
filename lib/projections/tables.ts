/** Schema that holds the live read models. The rebuild fills a staging schema with the same tables, then swaps. */
export const READ_MODEL_SCHEMA = 'read_model';

/** The tables a rebuild recreates and swaps (rebuild bookkeeping in read_model.rebuilds is not among them). */
export const PROJECTION_TABLES = ['balances', 'transactions', 'account_progress', 'parked_events'] as const;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Quoted, validated identifier (identifiers cannot be bind parameters; values always are). */
export function ident(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`Invalid SQL identifier: ${name}`);
  return `"${name}"`;
}

export interface ReadModelTables {
  schema: string;
  balances: string;
  transactions: string;
  progress: string;
  parked: string;
}

export function readModelTables(schema: string = READ_MODEL_SCHEMA): ReadModelTables {
  const s = ident(schema);
  return {
    schema,
    balances: `${s}.balances`,
    transactions: `${s}.transactions`,
    progress: `${s}.account_progress`,
    parked: `${s}.parked_events`,
  };
}
