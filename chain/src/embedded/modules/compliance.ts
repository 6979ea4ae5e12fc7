/** Compliance manager: requirements, conditions over claims, trusted issuers, the compliance report. */
import type { AssetId, Did } from '../../ledger.js';
import type {
  AssetCompliance,
  Claim,
  ClaimType,
  ComplianceReport,
  Condition,
  ConditionTarget,
  RequirementResult,
  TrustedClaimIssuer,
} from '../../types.js';
import type { Chain } from '../chain.js';
import { argArray, argAssetId, argDid, argInt, ensure, invalid, type Origin } from '../runtime.js';
import { ZERO_CDD_ID, claimScope, claimTypeKey, normaliseClaim, scopeKeyOf } from './identity.js';
import { MAX_CONDITION_COMPLEXITY } from '../../limits.js';

const M = 'complianceManager';

interface CompiledClaim {
  claim: Claim;
  typeKey: string;
  scopeKey: string;
}

interface CompiledCondition {
  condition: Condition;
  claims: CompiledClaim[];
  sender: boolean;
  receiver: boolean;
}

interface Requirement {
  id: number;
  conditions: readonly CompiledCondition[];
}

interface ComplianceRec {
  paused: boolean;
  requirements: readonly Requirement[];
}

const EMPTY: ComplianceRec = { paused: false, requirements: [] };

/** Polymesh's `ClaimType` variants in their declaration order (the order `dedup` sorts by). */
const CLAIM_TYPE_ORDER: readonly ClaimType[] = [
  'Accredited',
  'Affiliate',
  'BuyLockup',
  'SellLockup',
  'CustomerDueDiligence',
  'KnowYourCustomer',
  'Jurisdiction',
  'Exempted',
  'Blocked',
  'Custom',
];

function argTrustedIssuers(v: unknown, field: string): TrustedClaimIssuer[] {
  return argArray<Record<string, unknown>>(v, field).map((t, i) => {
    const identity = argDid(t['identity'], `${field}[${i}].identity`);
    const tf = t['trustedFor'];
    const trustedFor =
      tf === undefined || tf === null
        ? null
        : argArray<unknown>(tf, `${field}[${i}].trustedFor`).map((x) => {
            if (!(CLAIM_TYPE_ORDER as readonly unknown[]).includes(x))
              invalid(`${field}[${i}].trustedFor`, `claim type names (${CLAIM_TYPE_ORDER.join(', ')})`);
            return x as ClaimType;
          });
    return { identity, trustedFor };
  });
}

/** `TrustedIssuer::dedup`, which requirements get on the chain: trusted-for types sorted, once each. */
function dedupTrustedFor(t: TrustedClaimIssuer): TrustedClaimIssuer {
  if (t.trustedFor === null) return t;
  const types = new Set(t.trustedFor);
  return { identity: t.identity, trustedFor: CLAIM_TYPE_ORDER.filter((c) => types.has(c)) };
}

function compileClaim(c: unknown, field: string): CompiledClaim {
  const claim = normaliseClaim(c, field);
  return { claim, typeKey: claimTypeKey(claim), scopeKey: scopeKeyOf(claimScope(claim)) };
}

function compileCondition(v: unknown, field: string): CompiledCondition {
  if (typeof v !== 'object' || v === null) invalid(field, 'must be a condition');
  const o = v as Record<string, unknown>;
  const target = o['target'] as ConditionTarget;
  if (target !== 'Sender' && target !== 'Receiver' && target !== 'Both')
    invalid(`${field}.target`, 'Sender, Receiver or Both');
  const base: { target: ConditionTarget; trustedClaimIssuers?: TrustedClaimIssuer[] } = { target };
  if (o['trustedClaimIssuers'] !== undefined) {
    base.trustedClaimIssuers = argTrustedIssuers(
      o['trustedClaimIssuers'],
      `${field}.trustedClaimIssuers`,
    ).map(dedupTrustedFor);
  }
  let condition: Condition;
  let claims: CompiledClaim[] = [];
  switch (o['type']) {
    case 'IsPresent':
    case 'IsAbsent': {
      const c = compileClaim(o['claim'], `${field}.claim`);
      claims = [c];
      condition = { type: o['type'], claim: c.claim, ...base };
      break;
    }
    case 'IsAnyOf':
    case 'IsNoneOf': {
      claims = argArray(o['claims'], `${field}.claims`).map((c, i) =>
        compileClaim(c, `${field}.claims[${i}]`),
      );
      if (claims.length === 0) invalid(`${field}.claims`, 'must not be empty');
      condition = { type: o['type'], claims: claims.map((c) => c.claim), ...base };
      break;
    }
    case 'IsIdentity':
      condition = { type: 'IsIdentity', identity: argDid(o['identity'], `${field}.identity`), ...base };
      break;
    case 'IsExternalAgent':
      condition = { type: 'IsExternalAgent', ...base };
      break;
    default:
      return invalid(
        `${field}.type`,
        'IsPresent, IsAbsent, IsAnyOf, IsNoneOf, IsIdentity or IsExternalAgent',
      );
  }
  return { condition, claims, sender: target !== 'Receiver', receiver: target !== 'Sender' };
}

function compileConditions(v: unknown, field: string): CompiledCondition[] {
  return argArray(v, field).map((c, i) => compileCondition(c, `${field}[${i}]`));
}

export class ComplianceModule {
  private readonly compliance;
  private readonly defaults;

  constructor(private readonly chain: Chain) {
    const s = chain.rt.state;
    this.compliance = s.map<AssetId, ComplianceRec>();
    this.defaults = s.map<AssetId, readonly TrustedClaimIssuer[]>();
    this.registerCalls();
  }

  trustedIssuers(asset: AssetId): TrustedClaimIssuer[] {
    return [...(this.defaults.get(asset) ?? [])];
  }

  get(asset: AssetId): AssetCompliance {
    const c = this.compliance.get(asset) ?? EMPTY;
    return {
      paused: c.paused,
      requirements: c.requirements.map((r) => ({
        id: r.id,
        conditions: r.conditions.map((x) => x.condition),
      })),
      defaultTrustedClaimIssuers: this.trustedIssuers(asset),
    };
  }

  // ---------------------------------------------------------------- evaluation

  private holds(asset: AssetId, did: Did, cc: CompiledCondition): boolean {
    const cond = cc.condition;
    switch (cond.type) {
      case 'IsIdentity':
        return did === cond.identity;
      case 'IsExternalAgent':
        return this.chain.agents.isAgent(asset, did);
      case 'IsPresent':
      case 'IsAnyOf':
        return cc.claims.some((c) => this.found(asset, did, cc, c));
      case 'IsAbsent':
      case 'IsNoneOf':
        return !cc.claims.some((c) => this.found(asset, did, cc, c));
    }
  }

  /** Whether a trusted issuer has an unexpired claim on `did` equal to `c`. */
  private found(asset: AssetId, did: Did, cc: CompiledCondition, c: CompiledClaim): boolean {
    const listed = cc.condition.trustedClaimIssuers;
    const issuers = listed && listed.length > 0 ? listed : (this.defaults.get(asset) ?? []);
    const now = this.chain.rt.now;
    for (const ti of issuers) {
      if (ti.trustedFor !== null && !ti.trustedFor.includes(c.claim.type)) continue;
      const rec = this.chain.identity.claimAt(did, c.typeKey, c.scopeKey, ti.identity);
      if (!rec || (rec.expiry !== null && rec.expiry <= now)) continue;
      if (
        c.claim.type === 'Jurisdiction' &&
        rec.claim.type === 'Jurisdiction' &&
        rec.claim.code !== c.claim.code
      )
        continue;
      if (c.claim.type === 'CustomerDueDiligence' && c.claim.id !== undefined && c.claim.id !== ZERO_CDD_ID) {
        if (rec.claim.type !== 'CustomerDueDiligence' || rec.claim.id !== c.claim.id) continue;
      }
      return true;
    }
    return false;
  }

  private requirementHolds(asset: AssetId, r: Requirement, sender: Did, receiver: Did): boolean {
    for (const cc of r.conditions) {
      if (cc.sender && !this.holds(asset, sender, cc)) return false;
      if (cc.receiver && !this.holds(asset, receiver, cc)) return false;
    }
    return true;
  }

  /** Fast path used by transfers. */
  isCompliant(asset: AssetId, sender: Did, receiver: Did): boolean {
    const c = this.compliance.get(asset);
    if (!c || c.paused || c.requirements.length === 0) return true;
    return c.requirements.some((r) => this.requirementHolds(asset, r, sender, receiver));
  }

  report(asset: AssetId, sender: Did, receiver: Did): ComplianceReport {
    const c = this.compliance.get(asset) ?? EMPTY;
    const requirements: RequirementResult[] = c.requirements.map((r) => {
      const conditions = r.conditions.map((cc) => ({
        condition: cc.condition,
        complies:
          (!cc.sender || this.holds(asset, sender, cc)) && (!cc.receiver || this.holds(asset, receiver, cc)),
      }));
      return { id: r.id, conditions, complies: conditions.every((x) => x.complies) };
    });
    return {
      paused: c.paused,
      requirements,
      complies: c.paused || requirements.length === 0 || requirements.some((r) => r.complies),
    };
  }

  // ---------------------------------------------------------------- writes

  private complexity(
    asset: AssetId,
    reqs: readonly Requirement[],
    defaults = this.defaults.get(asset) ?? [],
  ): number {
    let total = 0;
    for (const r of reqs) {
      for (const cc of r.conditions) {
        const claims = Math.max(1, cc.claims.length);
        const listed = cc.condition.trustedClaimIssuers;
        const issuers = Math.max(1, listed && listed.length > 0 ? listed.length : defaults.length);
        total += claims * issuers * ((cc.sender ? 1 : 0) + (cc.receiver ? 1 : 0));
      }
    }
    return Math.max(total, reqs.length);
  }

  private store(asset: AssetId, rec: ComplianceRec): void {
    ensure(
      this.complexity(asset, rec.requirements) <= MAX_CONDITION_COMPLEXITY,
      'ComplianceRequirementTooComplex',
      `compliance complexity above ${MAX_CONDITION_COMPLEXITY}`,
      M,
    );
    this.compliance.set(asset, rec);
  }

  private registerCalls(): void {
    const rt = this.chain.rt;
    const agent = (
      o: Origin,
      assetId: unknown,
      call: string,
    ): { did: Did; asset: AssetId; c: ComplianceRec } => {
      const asset = argAssetId(assetId);
      const did = this.chain.agents.requirePermission(o, asset, call);
      this.chain.asset.ensureExists(asset);
      return { did, asset, c: this.compliance.get(asset) ?? EMPTY };
    };
    const reqEvent = (r: Requirement) => ({ id: r.id, conditions: r.conditions.map((x) => x.condition) });

    rt.register('complianceManager.addComplianceRequirement', {
      handler: (o, a) => {
        const { did, asset, c } = agent(o, a.assetId, 'complianceManager.addComplianceRequirement');
        const id = (c.requirements.at(-1)?.id ?? 0) + 1;
        const req = { id, conditions: compileConditions(a.conditions, 'conditions') };
        this.store(asset, { ...c, requirements: [...c.requirements, req] });
        rt.emit(M, 'ComplianceRequirementCreated', { did, assetId: asset, requirement: reqEvent(req) });
        return { id };
      },
    });
    rt.register('complianceManager.replaceAssetCompliance', {
      handler: (o, a) => {
        const { did, asset, c } = agent(o, a.assetId, 'complianceManager.replaceAssetCompliance');
        // `replace_asset_compliance` keeps the ids it is given; the SDK's `requirements.set` gives
        // each requirement its position (from 0), so ids never repeat and the chain's
        // `DuplicateComplianceRequirements` cannot arise from this call.
        const reqs = argArray(a.requirements, 'requirements').map((conds, i) => ({
          id: i,
          conditions: compileConditions(conds, `requirements[${i}]`),
        }));
        this.store(asset, { ...c, requirements: reqs });
        rt.emit(M, 'AssetComplianceReplaced', { did, assetId: asset, requirements: reqs.map(reqEvent) });
        return { ids: reqs.map((r) => r.id) };
      },
    });
    rt.register('complianceManager.changeComplianceRequirement', {
      handler: (o, a) => {
        const { did, asset, c } = agent(o, a.assetId, 'complianceManager.changeComplianceRequirement');
        const id = argInt(a.id, 'id');
        ensure(
          c.requirements.some((r) => r.id === id),
          'InvalidComplianceRequirementId',
          `no requirement ${id}`,
          M,
        );
        const req = { id, conditions: compileConditions(a.conditions, 'conditions') };
        this.store(asset, { ...c, requirements: c.requirements.map((r) => (r.id === id ? req : r)) });
        rt.emit(M, 'ComplianceRequirementChanged', { did, assetId: asset, requirement: reqEvent(req) });
      },
    });
    rt.register('complianceManager.removeComplianceRequirement', {
      handler: (o, a) => {
        const { did, asset, c } = agent(o, a.assetId, 'complianceManager.removeComplianceRequirement');
        const id = argInt(a.id, 'id');
        ensure(
          c.requirements.some((r) => r.id === id),
          'InvalidComplianceRequirementId',
          `no requirement ${id}`,
          M,
        );
        this.compliance.set(asset, { ...c, requirements: c.requirements.filter((r) => r.id !== id) });
        rt.emit(M, 'ComplianceRequirementRemoved', { did, assetId: asset, id });
      },
    });
    rt.register('complianceManager.resetAssetCompliance', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'complianceManager.resetAssetCompliance');
        this.compliance.delete(asset);
        rt.emit(M, 'AssetComplianceReset', { did, assetId: asset });
      },
    });
    rt.register('complianceManager.pauseAssetCompliance', {
      handler: (o, a) => {
        const { did, asset, c } = agent(o, a.assetId, 'complianceManager.pauseAssetCompliance');
        this.compliance.set(asset, { ...c, paused: true });
        rt.emit(M, 'AssetCompliancePaused', { did, assetId: asset });
      },
    });
    rt.register('complianceManager.resumeAssetCompliance', {
      handler: (o, a) => {
        const { did, asset, c } = agent(o, a.assetId, 'complianceManager.resumeAssetCompliance');
        this.compliance.set(asset, { ...c, paused: false });
        rt.emit(M, 'AssetComplianceResumed', { did, assetId: asset });
      },
    });
    rt.register('complianceManager.addDefaultTrustedClaimIssuer', {
      handler: (o, a) => {
        const { did, asset, c } = agent(o, a.assetId, 'complianceManager.addDefaultTrustedClaimIssuer');
        const [issuer] = argTrustedIssuers([a.issuer], 'issuer') as [TrustedClaimIssuer];
        ensure(
          this.chain.identity.exists(issuer.identity),
          'DidNotExist',
          `issuer ${issuer.identity} does not exist`,
          M,
        );
        // The same issuer may be listed again with other trusted-for types (the chain compares
        // whole entries, the types' order included); only an identical entry is refused.
        const list = this.defaults.get(asset) ?? [];
        const same = JSON.stringify(issuer.trustedFor);
        ensure(
          !list.some((t) => t.identity === issuer.identity && JSON.stringify(t.trustedFor) === same),
          'IncorrectOperationOnTrustedIssuer',
          'this issuer is already trusted for these claim types',
          M,
        );
        const next = [...list, issuer];
        ensure(
          this.complexity(asset, c.requirements, next) <= MAX_CONDITION_COMPLEXITY,
          'ComplianceRequirementTooComplex',
          `compliance complexity above ${MAX_CONDITION_COMPLEXITY}`,
          M,
        );
        this.defaults.set(asset, next);
        rt.emit(M, 'TrustedDefaultClaimIssuerAdded', { did, assetId: asset, issuer });
      },
    });
    rt.register('complianceManager.removeDefaultTrustedClaimIssuer', {
      handler: (o, a) => {
        const { did, asset } = agent(o, a.assetId, 'complianceManager.removeDefaultTrustedClaimIssuer');
        const issuer = argDid(a.issuer, 'issuer');
        const list = this.defaults.get(asset) ?? [];
        ensure(
          list.some((t) => t.identity === issuer),
          'IncorrectOperationOnTrustedIssuer',
          'issuer is not trusted',
          M,
        );
        this.defaults.set(
          asset,
          list.filter((t) => t.identity !== issuer),
        );
        rt.emit(M, 'TrustedDefaultClaimIssuerRemoved', { did, assetId: asset, issuer });
      },
    });
  }
}
