/** Every role a principal can hold. `admin` is the platform operator and passes every check. */
export const ROLES = [
  'admin',
  'issuer-admin',
  'compliance-officer',
  'transfer-agent',
  'investor',
  'cdd-provider',
  'auditor',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * The role matrix: who may do what. Routes use these lists (never ad-hoc role strings), and
 * server/test/roles.matrix.test.ts proves every mutating route refuses every other role.
 */
export const CAN = {
  manageUsers: ['admin'],
  readUsers: ['admin', 'auditor'],
  /** Investors fill in and submit their own application. */
  applyForOnboarding: ['investor'],
  /** Read applications and their documents (beyond one's own). */
  reviewApplications: ['compliance-officer', 'cdd-provider', 'auditor'],
  /** Move applications through review, review accreditation. */
  decideApplications: ['compliance-officer', 'cdd-provider'],
  /** Attest identities on chain, reject, revoke. */
  attest: ['cdd-provider'],
  readIdentities: ['compliance-officer', 'cdd-provider', 'auditor', 'issuer-admin', 'transfer-agent'],
  runExpiryScan: ['compliance-officer'],
  /** Read, verify and export the audit trail. */
  readAudit: ['auditor', 'compliance-officer'],
} as const satisfies Record<string, readonly Role[]>;
