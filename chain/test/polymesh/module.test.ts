import { describe, expect, it } from 'vitest';

describe('polymesh adapter module', () => {
  it('loads with its SDK imports resolved (ESM over the CommonJS SDK)', async () => {
    const { PolymeshLedger } = await import('../../src/polymesh/index.js');
    expect(typeof PolymeshLedger.connect).toBe('function');
  });
});
