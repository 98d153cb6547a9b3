import type { Command } from '../context';
import { compareCommand } from './compare';
import { datasetsCommand } from './datasets';
import { demoCommand } from './demo';
import { exportCommand } from './export';
import { listCommand } from './list';
import { lossCommand } from './loss';
import { reportCommand } from './report';
import { runCommand } from './run';
import { showCommand } from './show';
import { sweepCommand } from './sweep';
import { taskCommand } from './task';
import { trainCommand } from './train';
import { tuneCommand } from './tune';

export const COMMANDS: readonly Command[] = [
  trainCommand, runCommand, listCommand, showCommand, compareCommand, exportCommand, lossCommand, datasetsCommand, demoCommand, sweepCommand, tuneCommand, reportCommand, taskCommand,
];
