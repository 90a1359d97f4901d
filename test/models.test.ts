// The bundled models (models/*.edgm, the copies the showcase and the device image use) must be
// exactly what the reference-model generator makes with the current format: after a format
// change, `npm run models` regenerates them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { referenceModels } from '../tools/reference-models';
import { DEVICE_MODEL, modelPath } from '../tools/write-reference-models';

describe('bundled reference models', () => {
  const models = referenceModels();
  for (const model of models) {
    it(`${model.name} is current`, () => {
      expect(Buffer.from(readFileSync(modelPath(model.name))).equals(Buffer.from(model.bytes)), 'run npm run models').toBe(true);
    });
  }
  it('models/model.edgm (the device image\'s model) is the device model', () => {
    const device = models.find((m) => m.name === DEVICE_MODEL)!;
    expect(Buffer.from(readFileSync(modelPath('model'))).equals(Buffer.from(device.bytes))).toBe(true);
  });
});
