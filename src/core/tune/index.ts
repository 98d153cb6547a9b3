/** The adaptive search for the best ε (`polyloss tune`, Find Best ε): pure planning and its words. */
export * from './describe';
export * from './grid';
export * from './planner';
export * from './runs';
export * from './saved';
