export * from './integration-events';
export * from './mapper';
export * from './money';
