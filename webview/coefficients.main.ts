import { isCoefficientHostMessage, type CoefficientHostMessage, type CoefficientWebviewMessage } from '../src/core/coefficientProtocol';
import { DEFAULT_DRAFT, isDraft, type CoefficientDraft } from './coefficients/draft';
import { CoefficientEditor } from './coefficients/editor';
import { frames } from './shared/frames';
import { onThemeChange, readTheme } from './shared/theme';
import { HostConnection } from './shared/vscodeApi';

/** The sidebar view "Coefficients": the editor, connected to the host. */
const host = new HostConnection<{ draft: CoefficientDraft }, CoefficientHostMessage, CoefficientWebviewMessage>(isCoefficientHostMessage);
const saved = host.savedState();
const editor = new CoefficientEditor(readTheme(), isDraft(saved.draft) ? saved.draft : DEFAULT_DRAFT, {
  run: (loss, requestId) => host.post({ type: 'run', loss, requestId }),
  save: (loss, requestId) => host.post({ type: 'save', loss, requestId }),
  changed: (draft) => host.saveState({ draft }),
});
document.getElementById('app')!.append(editor.root);
onThemeChange((theme) => editor.setTheme(theme));

host.start((message) => editor.apply(message));

/** A read-only handle for the browser tests: what the charts draw, and a wait for the next frame. */
Object.assign(window, { __polylossCoefficients: { state: () => editor.charts.state(), spec: () => editor.spec, idle: () => frames.idle() } });
