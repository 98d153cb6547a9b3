// The coefficient editor embedded in the dashboard: the sidebar view's CoefficientEditorSession,
// talking through the dashboard's conversation, with the run the dashboard shows as its base
// instead of the first ticked run. No vscode import.
import type { Disposable } from 'vscode';
import type { CoefficientHostMessage, CoefficientWebviewMessage } from '../../core/coefficientProtocol';
import { Emitter } from '../../core/emitter';
import type { HostServices, RunSelection } from '../services';
import { CoefficientEditorSession, type CoefficientEditorActions } from './coefficientEditorSession';

export class EmbeddedCoefficientEditor implements Disposable {
  private readonly fromWebview = new Emitter<unknown>();
  private readonly baseChanged = new Emitter<readonly string[]>();
  private baseRunId: string | undefined;
  private readonly session: CoefficientEditorSession;

  constructor(post: (message: CoefficientHostMessage) => void, services: Pick<HostServices, 'runs' | 'log'>, actions: CoefficientEditorActions) {
    // The session runs from "the first ticked run"; here that is the run the editor shows.
    const baseRun: RunSelection = {
      get: () => (this.baseRunId ? [this.baseRunId] : []),
      set: () => {},
      onDidChange: this.baseChanged.event,
    };
    const port = {
      postMessage: async (message: unknown) => {
        post(message as CoefficientHostMessage);
        return true;
      },
      onDidReceiveMessage: this.fromWebview.event,
    };
    this.session = new CoefficientEditorSession(port, { runs: services.runs, log: services.log, selection: baseRun }, actions);
  }

  /** A message of the editor showing run `runId`; a run or save uses that run's settings. */
  receive(runId: string, message: CoefficientWebviewMessage): void {
    if (runId !== this.baseRunId) {
      this.baseRunId = runId;
      this.baseChanged.fire([runId]);
    }
    this.fromWebview.fire(message);
  }

  dispose(): void {
    this.session.dispose();
    this.fromWebview.dispose();
    this.baseChanged.dispose();
  }
}
