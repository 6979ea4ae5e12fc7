/** The portal's top-level areas, shared by the navigation and the home page. */
export interface Area {
  path: string;
  label: string;
  audience: string;
  summary: string;
}

export const AREAS: readonly Area[] = [
  {
    path: '/issuer',
    label: 'Issuer console',
    audience: 'Issuers, compliance officers and transfer agents',
    summary: 'Create security tokens, choose compliance rules, run offerings and corporate actions.',
  },
  {
    path: '/investor',
    label: 'Investor portal',
    audience: 'Investors',
    summary: 'Onboard, subscribe to offerings, settle trades, claim dividends and vote.',
  },
  {
    path: '/cdd',
    label: 'CDD console',
    audience: 'CDD providers',
    summary: 'Review onboarding applications and attest identities on Polymesh.',
  },
  {
    path: '/audit',
    label: 'Audit',
    audience: 'Auditors and regulators (read-only)',
    summary: 'Read the tamper-evident audit trail, cap tables at any checkpoint, and exports.',
  },
  {
    path: '/treasury',
    label: 'Treasury',
    audience: 'Treasury operators',
    summary: 'Record deposits received in the bank and pay out withdrawals.',
  },
  {
    path: '/admin/users',
    label: 'Users',
    audience: 'Platform administrators',
    summary:
      'Grant and remove roles; disable and enable accounts, ending their sessions and API keys at once.',
  },
  {
    path: '/admin/venues',
    label: 'Venues',
    audience: 'Platform administrators',
    summary: 'Register licensed external venues on chain; see every venue’s chain id and status.',
  },
  {
    path: '/admin/clock',
    label: 'Chain clock',
    audience: 'Platform administrators, on a development chain',
    summary:
      'Move the chain’s time forward to rehearse lock-ups, claim expiries, offering windows, record dates and ballots.',
  },
  {
    path: '/operator/venue',
    label: 'Your venue',
    audience: 'Operators of licensed external venues',
    summary: 'Set where settlement outcomes are sent, rotate the signing secret, read every delivery.',
  },
  {
    path: '/account/api-keys',
    label: 'API keys',
    audience: 'Staff, for the systems that call Stoa for them',
    summary: 'Create keys with a subset of your roles and an expiry; revoke them.',
  },
];
