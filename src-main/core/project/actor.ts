/**
 * Who is working, as the cores take it: a fixed name (tests, one-off tools) or a function read at
 * each write, so a person who changes their name in Preferences is recorded under the new name from
 * the next event on, by controllers made long before.
 */
export type Actor = string | (() => string)

/** The name to record now. */
export function actorName(actor: Actor): string {
  return typeof actor === 'function' ? actor() : actor
}
