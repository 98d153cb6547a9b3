export * from './runFiles';
export * from './runIds';
export * from './runStore';
export * from './runTable';
