import { describe, expect, it } from 'vitest';
import { summariseVerification, type Verification } from '../../src/audit/verification';

const intact: Verification = {
  ok: true,
  count: 1234,
  pending: 0,
  anchoredThrough: '1200',
  unanchored: 34,
  anchors: { onChain: 12, pending: 1, failed: 0 },
  scan: { fromBlock: 5000, toBlock: 5100, full: false },
  problems: [],
};

describe('audit verification in words', () => {
  it('says what holds on an intact trail, and what the chain does not cover yet', () => {
    expect(summariseVerification(intact)).toEqual({
      variant: 'success',
      title:
        'The audit trail is intact (1,234 entries; blocks 5,000–5,100 were searched for anchors this database no longer has).',
      intact: [
        'The hash chain links all 1,234 entries.',
        'Entries 1–1,200 match the Merkle roots anchored on chain, so they cannot have been rewritten or removed.',
        'The last 34 entries are not anchored yet: only the hash chain protects them until the next anchor.',
        'One anchor is waiting for the chain.',
      ],
      broken: [],
    });
    const none = summariseVerification({ ...intact, anchoredThrough: '0', unanchored: 3, count: 3 });
    expect(none.intact).toContain(
      'No entry is anchored on chain yet: only the hash chain protects the trail until the first anchor.',
    );
  });

  it('lists what broke, and that the hash chain still holds when only the anchors disagree', () => {
    const rewritten = summariseVerification({
      ...intact,
      ok: false,
      scan: { fromBlock: 0, toBlock: 5100, full: true },
      problems: [
        {
          kind: 'root-mismatch',
          message:
            'The anchor in block 5003 no longer matches entries 1–100: at least one of them was rewritten.',
          fromSeq: '1',
          toSeq: '100',
          block: 5003,
        },
      ],
    });
    expect(rewritten.variant).toBe('danger');
    expect(rewritten.title).toBe('The audit trail does not verify: one problem found.');
    expect(rewritten.broken).toEqual([
      'The anchor in block 5003 no longer matches entries 1–100: at least one of them was rewritten.',
    ]);
    expect(rewritten.intact).toEqual(['The hash chain links all 1,234 entries.']);
    const edited = summariseVerification({ ...intact, ok: false, brokenAt: '7', problems: [] });
    expect(edited.intact).toEqual([]);
  });
});
