export * from './emitter';
export * from './startRun';
export * from './runQueue';
