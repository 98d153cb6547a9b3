// Every command id the extension registers, spelled once. The public ones are contributed in
// package.json (a unit test holds the two lists together); the internal ones are called by code,
// CodeLenses and webviews only, and stay out of the command palette.

export const COMMANDS = {
  newRun: 'polyloss.newRun',
  rerun: 'polyloss.rerun',
  stopRun: 'polyloss.stopRun',
  stopAll: 'polyloss.stopAll',
  openDashboard: 'polyloss.openDashboard',
  openRun: 'polyloss.openRun',
  compareSelected: 'polyloss.compareSelected',
  untickAll: 'polyloss.untickAll',
  deleteRun: 'polyloss.deleteRun',
  renameRun: 'polyloss.renameRun',
  exportRuns: 'polyloss.exportRuns',
  revealRun: 'polyloss.revealRun',
  refresh: 'polyloss.refresh',
  showLog: 'polyloss.showLog',
  showOutput: 'polyloss.showOutput',
  newExperimentFile: 'polyloss.newExperimentFile',
  runSweep: 'polyloss.runSweep',
  stopSweep: 'polyloss.stopSweep',
  resumeSweep: 'polyloss.resumeSweep',
  showSweep: 'polyloss.showSweep',
  findBestEpsilon: 'polyloss.findBestEpsilon',
  openStudy: 'polyloss.openStudy',
} as const;

export const INTERNAL_COMMANDS = {
  /** Start runs of the given configs (from the coefficient editor and experiment files). */
  startRuns: 'polyloss.startRuns',
  /** Run entries of an experiment file (its CodeLenses). */
  runExperimentEntries: 'polyloss.runExperimentEntries',
  /** Run the sweep of an experiment file (its CodeLens). */
  runExperimentSweep: 'polyloss.runExperimentSweep',
  /** Open the coefficient editor on a loss (the α CodeLens of an entry). */
  editCoefficients: 'polyloss.editCoefficients',
  /** Continue a stopped Find Best ε / `polyloss tune` (Resume Sweep on a tune's sweep). */
  resumeTune: 'polyloss.resumeTune',
} as const;
