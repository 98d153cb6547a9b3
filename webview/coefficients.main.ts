import { isCoefficientHostMessage, type CoefficientWebviewMessage } from '../src/core/coefficientProtocol';
import { DEFAULT_DRAFT, isDraft, type CoefficientDraft } from './coefficients/draft';
import { CoefficientEditor } from './coefficients/editor';
import { frames } from './shared/frames';
import { onThemeChange, readTheme } from './shared/theme';

/** The sidebar view "Coefficients": the editor, connected to the host. */
interface VsCodeApi {
  postMessage(message: CoefficientWebviewMessage): void;
  getState(): unknown;
  setState(state: { draft: CoefficientDraft }): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const saved = api.getState() as { draft?: unknown } | undefined;
const editor = new CoefficientEditor(readTheme(), isDraft(saved?.draft) ? saved.draft : DEFAULT_DRAFT, {
  run: (loss) => api.postMessage({ type: 'run', loss }),
  save: (loss) => api.postMessage({ type: 'save', loss }),
  changed: (draft) => api.setState({ draft }),
});
document.getElementById('app')!.append(editor.root);
onThemeChange((theme) => editor.setTheme(theme));

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (!isCoefficientHostMessage(m)) {
    api.postMessage({ type: 'reportError', message: 'dropped a malformed host message' });
    return;
  }
  editor.apply(m);
});
api.postMessage({ type: 'ready' });

/** A read-only handle for the browser tests: what the charts draw, and a wait for the next frame. */
Object.assign(window, { __polylossCoefficients: { state: () => editor.charts.state(), spec: () => editor.spec, idle: () => frames.idle() } });
