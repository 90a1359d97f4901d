import { describe, expect, it } from 'vitest';
import { runDemo } from '../../host/demo/demo';

describe('the end-to-end demo', () => {
  it('trains, signs, flashes a simulated device over its serial line and classifies live as the machine changes', async () => {
    const lines: string[] = [];
    const result = await runDemo({ secondsPerScenario: 1.5, say: (l) => lines.push(l) });
    expect(result.trainAccuracy).toBeGreaterThan(0.9);
    expect(result.counted).toBeGreaterThan(12);
    expect(result.accuracy).toBeGreaterThan(0.9);
    expect(lines.some((l) => l.startsWith('5. flash') && l.includes('verified sha256'))).toBe(true);
    expect(lines.filter((l) => l.includes('device says:'))).toHaveLength(4);
  }, 120_000);
});
