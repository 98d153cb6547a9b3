import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { el } from './dom';
import { MAX_SMOOTHING_WEIGHT } from '../../src/core/smoothing';

/** A select built from vscode-elements; the initial choice is marked on its option. A choice's description shows under the open list. */
export function select(label: string, choices: readonly { id: string; label: string; description?: string }[], value: string, onChange: (v: string) => void): HTMLElement {
  const control = el('vscode-single-select', { attrs: { 'aria-label': label } });
  for (const c of choices) {
    const option = el('vscode-option', { text: c.label, attrs: { value: c.id, ...(c.description ? { description: c.description } : {}) } });
    if (c.id === value) option.setAttribute('selected', '');
    control.append(option);
  }
  control.addEventListener('change', () => onChange(control.value));
  return el('label', { class: 'control' }, el('span', { class: 'control-label', text: label }), control);
}

/** The smoothing slider: 0 is "off"; the faint raw curve stays behind the smoothed one. */
export function smoothingSlider(value: number, onChange: (v: number) => void): HTMLElement {
  const input = el('input', { attrs: { type: 'range', min: '0', max: String(MAX_SMOOTHING_WEIGHT), step: '0.01', 'aria-label': 'Smoothing' } });
  input.value = String(value);
  const shown = el('span', { class: 'slider-value' });
  const show = (v: number) => {
    shown.textContent = v === 0 ? 'off' : v.toFixed(2);
    input.setAttribute('aria-valuetext', shown.textContent);
  };
  show(value);
  input.addEventListener('input', () => {
    const v = Number(input.value);
    show(v);
    onChange(v);
  });
  return el('label', { class: 'control slider' }, el('span', { class: 'control-label', text: 'Smoothing' }), input, shown);
}
