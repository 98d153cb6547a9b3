/** The one JSON shape that describes a loss everywhere (CLI flags, run config, experiment files). */
export type LossType = 'ce' | 'poly' | 'focal' | 'poly-focal';
export type Activation = 'softmax' | 'sigmoid';

export interface LossSpec {
  type: LossType;
  /** A number for Poly-1, or [ε1, ε2, …] for Poly-N. Added to the CE coefficients α_j = 1/j. */
  epsilon?: number | number[];
  /** Focusing parameter of focal / poly-focal (default 2). */
  gamma?: number;
  /** Softmax only: y = onehot·(1−α_ls) + α_ls/K. */
  labelSmoothing?: number;
  activation?: Activation;
  /** Sigmoid only: class-balance weight α_t = α·t + (1−α)(1−t). */
  alpha?: number;
}

export const MAX_POLY_TERMS = 32;
export const DEFAULT_GAMMA = 2;

/** The ε list of a spec: [] for CE/focal, [ε] for Poly-1, [ε1..εN] for Poly-N. */
export function epsilonList(spec: LossSpec): number[] {
  if (spec.type !== 'poly' && spec.type !== 'poly-focal') return [];
  if (spec.epsilon === undefined) return [1];
  return Array.isArray(spec.epsilon) ? spec.epsilon : [spec.epsilon];
}

export function gammaOf(spec: LossSpec): number {
  return spec.type === 'focal' || spec.type === 'poly-focal' ? (spec.gamma ?? DEFAULT_GAMMA) : 0;
}

/** A coefficient as a label shows it: 2, 0.25, at most 4 significant digits. */
export function shortNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4)));
}

/** Short human label, e.g. "CE", "Poly-1 ε=2", "Poly-3 ε=[1,0,-0.5]", "Focal γ=2", "Poly-1 focal γ=2 ε=-1". */
export function describeLoss(spec: LossSpec): string {
  const eps = epsilonList(spec);
  const epsText = eps.length === 1 ? `ε=${shortNumber(eps[0])}` : `ε=[${eps.map(shortNumber).join(',')}]`;
  const parts: string[] = [];
  switch (spec.type) {
    case 'ce': parts.push('CE'); break;
    case 'poly': parts.push(`Poly-${eps.length}`, epsText); break;
    case 'focal': parts.push('Focal', `γ=${shortNumber(gammaOf(spec))}`); break;
    case 'poly-focal': parts.push(`Poly-${eps.length} focal`, `γ=${shortNumber(gammaOf(spec))}`, epsText); break;
  }
  if (spec.activation === 'sigmoid') parts.push('sigmoid');
  if (spec.alpha !== undefined) parts.push(`α=${shortNumber(spec.alpha)}`);
  if (spec.labelSmoothing) parts.push(`ls=${shortNumber(spec.labelSmoothing)}`);
  return parts.join(' ');
}
