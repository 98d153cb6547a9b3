export * from '../core/emitter';
export * from './startRun';
export * from './runQueue';

