// Which Python runs the user's scripts: the interpreter selected in the Python extension (through
// its API, when the extension is installed), else the polyloss.pythonPath setting, else python3 /
// python on PATH (runner/commandSetup resolves and checks them).
import * as vscode from 'vscode';
import type { InterpreterSearch } from '../runner/commandSetup';
import * as settings from './settings';

export const PYTHON_PATH_SETTING = `${settings.SECTION}.pythonPath`;
const PYTHON_EXTENSION = 'ms-python.python';
/** The Python extension may take long to activate; a run does not wait for it beyond this. */
const ACTIVATION_TIMEOUT_MS = 5000;

interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined };
}

/** The interpreter selected in the Python extension for `resource`, or undefined (no extension, none selected, or it failed). */
export async function selectedPython(resource?: vscode.Uri): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
  if (!extension) return undefined;
  try {
    const api = extension.isActive ? extension.exports
      : await Promise.race([extension.activate(), new Promise<undefined>((r) => setTimeout(() => r(undefined), ACTIVATION_TIMEOUT_MS))]);
    const found = api?.environments?.getActiveEnvironmentPath(resource)?.path;
    return found && found !== 'python' ? found : undefined; // "python" is the extension's placeholder for "none selected"
  } catch {
    return undefined;
  }
}

/** Where the scripts' interpreter comes from, most wanted first. */
export function interpreterSearch(fromExtension: string | undefined): InterpreterSearch {
  return {
    candidates: [
      { value: fromExtension, source: 'interpreter selected in the Python extension', explicit: false },
      { value: settings.pythonPath(), source: `${PYTHON_PATH_SETTING} setting`, explicit: true },
    ],
    settingHint: `the ${PYTHON_PATH_SETTING} setting to the interpreter to use (or select one with "Python: Select Interpreter")`,
  };
}
