/** A problem with a dataset the user can fix (bad file, bad option); the message says what and where. */
export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}
