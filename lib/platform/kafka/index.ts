export * from './client';
export * from './headers';
export * from './lambda-event';
export * from './producer';
export * from './topics';
export * from './offsets';
