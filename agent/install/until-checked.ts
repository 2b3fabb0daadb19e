// A start cannot wait for "the next turn": a checker that gave no verdict
// (it ran past its bound on a starved host) is asked again a few times before
// the start gives up, where a refusal is final at once.

/** How many times a start asks a checker that gave no verdict. */
export const START_CHECK_TRIES = 3;

/** Runs `attempt` until its result is not `undecided`, at most `tries` times; returns the last result. */
export async function untilChecked<T>(attempt: () => Promise<T>, undecided: (r: T) => boolean, tries = START_CHECK_TRIES): Promise<T> {
  let r = await attempt();
  for (let i = 1; i < tries && undecided(r); i++) r = await attempt();
  return r;
}
