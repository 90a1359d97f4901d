// Splitting a rollout into stages: a canary of ceil(p·N) devices (at least one), then more
// stages up to everyone.

/** "10%", "10" or "0.5%" as a fraction in (0, 1]. */
export function parsePercent(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const p = m ? Number(m[1]) : NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`"${text}" is not a percentage in (0, 100]`);
  return p / 100;
}

/** Returns a copy of `cumulative`; throws RangeError unless it ascends within (0, 1]. */
export function checkStages(cumulative: readonly number[]): number[] {
  if (cumulative.some((f, i) => !(f > 0 && f <= 1) || (i > 0 && f <= cumulative[i - 1]))) throw new RangeError('stage sizes must ascend within (0%, 100%]');
  return [...cumulative];
}

/**
 * Devices of each stage. `cumulative` are the fractions of the fleet done after each stage
 * (ascending; 1 is added when missing). A stage takes at least one new device; stages that would
 * add none are dropped.
 */
export function planStages(devices: readonly string[], cumulative: readonly number[]): string[][] {
  const fractions = checkStages(cumulative);
  if (fractions.at(-1) !== 1) fractions.push(1);
  const stages: string[][] = [];
  let done = 0;
  for (const f of fractions) {
    const upTo = Math.min(devices.length, Math.max(done + 1, Math.ceil(f * devices.length - 1e-9)));
    if (upTo > done) stages.push(devices.slice(done, upTo));
    done = upTo;
  }
  return stages;
}
