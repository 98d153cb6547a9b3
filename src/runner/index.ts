export * from '../core/emitter';
export * from './startRun';
export * from './workerPool';
export * from './executor';
export * from './runQueue';

export * from './commandSetup';
export * from './startCommandRun';
