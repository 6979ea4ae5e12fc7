import { describe, expect, it } from 'vitest';
import {
  accessSummary,
  disableImpact,
  doneNotice,
  enableImpact,
  roleList,
  rolesImpact,
} from '../../src/admin/users';

const bob = {
  displayName: 'Bob Stone',
  roles: ['issuer-admin', 'compliance-officer'] as ('issuer-admin' | 'compliance-officer')[],
  access: { sessions: 3, apiKeys: 2 },
};

describe('user administration copy', () => {
  it('states what disabling stops, with counts in words', () => {
    expect(disableImpact(bob)[0]).toBe("Bob Stone's 3 sessions and 2 API keys stop working at once.");
    expect(disableImpact({ ...bob, access: { sessions: 1, apiKeys: 0 } })[0]).toBe(
      "Bob Stone's 1 session stops working at once.",
    );
    expect(disableImpact({ ...bob, access: { sessions: 0, apiKeys: 1 } })[0]).toBe(
      "Bob Stone's 1 API key stops working at once.",
    );
    expect(disableImpact({ ...bob, access: { sessions: 0, apiKeys: 0 } })[0]).toBe(
      'Bob Stone has no open sessions or API keys.',
    );
    expect(disableImpact(bob)[1]).toMatch(/enabling does not bring back ended sessions or API keys/);
    expect(enableImpact(bob).join(' ')).toMatch(/stay ended/);
  });

  it('states what a role change gains, loses and ends', () => {
    expect(rolesImpact(bob, ['issuer-admin', 'compliance-officer'])).toEqual(['The roles are unchanged.']);
    expect(rolesImpact(bob, ['issuer-admin', 'compliance-officer', 'auditor'])).toEqual([
      'Bob Stone gains: Auditor.',
    ]);
    expect(rolesImpact(bob, ['issuer-admin'])).toEqual([
      'Bob Stone loses: Compliance officer.',
      "Bob Stone's 3 sessions end at once; they sign in again and get the new roles.",
      'Their API keys keep only the roles they still hold; a key left with none stops working.',
    ]);
    expect(rolesImpact({ ...bob, access: { sessions: 0, apiKeys: 0 } }, [])).toEqual([
      'Bob Stone loses: Issuer administrator, Compliance officer.',
    ]);
  });

  it('summarises roles, access and finished changes', () => {
    expect(roleList([])).toBe('no roles');
    expect(accessSummary({ sessions: 1, apiKeys: 0 })).toBe('1 session');
    expect(accessSummary({ sessions: 3, apiKeys: 2 })).toBe('3 sessions · 2 API keys');
    expect(accessSummary({ sessions: 0, apiKeys: 0 })).toBe('not signed in');
    expect(doneNotice('Bob Stone', 'disabled', { sessions: 3, apiKeys: 2 })).toBe(
      "Bob Stone's account is disabled. Ended: 3 sessions and 2 API keys.",
    );
    expect(doneNotice('Bob Stone', 'enabled', { sessions: 0, apiKeys: 0 })).toBe(
      "Bob Stone's account is enabled.",
    );
  });
});
