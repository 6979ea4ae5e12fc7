/**
 * Every port call, by name, to its preparer (one file per pallet). The table `satisfies` the
 * full call map, so a call added to `Calls` without a preparer fails to compile.
 */
import type { LedgerCall } from '../../calls.js';
import { LedgerError } from '../../errors.js';
import { asset } from './asset.js';
import { balances } from './balances.js';
import { capitalDistribution } from './capital-distribution.js';
import { checkpoint } from './checkpoint.js';
import { complianceManager } from './compliance-manager.js';
import { corporateAction } from './corporate-action.js';
import { corporateBallot } from './corporate-ballot.js';
import { externalAgents } from './external-agents.js';
import { identity } from './identity.js';
import { portfolio } from './portfolio.js';
import { settlement } from './settlement.js';
import { statistics } from './statistics.js';
import { sto } from './sto.js';
import { system } from './system.js';
import type { DispatchContext, Prepared, Preparer, Preparers } from './types.js';
import { utility } from './utility.js';

export type {
  ChainReads,
  DispatchContext,
  Extrinsic,
  FoundAuthorization,
  Prepared,
  ResultContext,
} from './types.js';
export { SPEC_7_3 } from './types.js';

/** A port call → its chain calls and result reader. Unknown names are `Unsupported`. */
export async function prepare(ctx: DispatchContext, call: LedgerCall): Promise<Prepared> {
  const preparer = (PREPARERS as Record<string, Preparer<LedgerCall['name']> | undefined>)[call?.name];
  if (!preparer) throw new LedgerError('Unsupported', `No Polymesh mapping for ${String(call?.name)}`);
  return (await preparer(ctx, call.args as never)) as Prepared;
}

export const PREPARERS = {
  ...system,
  ...balances,
  ...identity,
  ...asset,
  ...externalAgents,
  ...portfolio,
  ...complianceManager,
  ...statistics,
  ...settlement,
  ...sto,
  ...checkpoint,
  ...corporateAction,
  ...capitalDistribution,
  ...corporateBallot,
  ...utility(prepare),
} satisfies Preparers;
