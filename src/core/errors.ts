/** The text of anything thrown: an Error's message, or the thrown value itself as a string. */
export function errorMessage(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
