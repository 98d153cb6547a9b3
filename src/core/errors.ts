/** The text of anything thrown: an Error's message, or the thrown value itself as a string. */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/**
 * A message of several lines in one: its first and last ("the command exited with code 1: … ModuleNotFoundError:
 * …", or the hint after it), for places with room for one line; one or two lines are kept whole.
 */
export function briefMessage(message: string): string {
  const lines = message.split('\n').filter((line) => line.trim() !== '');
  return lines.length <= 2 ? lines.join(' ') : `${lines[0]} … ${lines[lines.length - 1].trim()}`;
}
