// Rollout stages: the canary is ceil(p·N) devices, at least one, and every device is in exactly one stage.
import { describe, expect, it } from 'vitest';
import { parsePercent, planStages } from '../../host/fleet/stages';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `d${i + 1}`);

describe('planStages', () => {
  it('a 10% canary of 20 devices is 2, then 18', () => {
    expect(planStages(ids(20), [0.1]).map((s) => s.length)).toEqual([2, 18]);
  });
  it('a canary of a small fleet is at least one device', () => {
    expect(planStages(ids(5), [0.1])).toEqual([['d1'], ['d2', 'd3', 'd4', 'd5']]);
    expect(planStages(ids(1), [0.1])).toEqual([['d1']]);
  });
  it('several stages cover every device once, in order', () => {
    const stages = planStages(ids(7), [0.1, 0.5, 1]);
    expect(stages.map((s) => s.length)).toEqual([1, 3, 3]);
    expect(stages.flat()).toEqual(ids(7));
  });
  it('refuses stages that do not ascend', () => {
    expect(() => planStages(ids(4), [0.5, 0.2])).toThrow(RangeError);
  });
});

describe('parsePercent', () => {
  it('reads 10%, 10 and 0.5%', () => {
    expect([parsePercent('10%'), parsePercent('10'), parsePercent('0.5%')]).toEqual([0.1, 0.1, 0.005]);
  });
  it('refuses 0, over 100 and words', () => {
    for (const t of ['0%', '101%', 'ten']) expect(() => parsePercent(t)).toThrow(/not a percentage/);
  });
});
