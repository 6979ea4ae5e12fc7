import { Application } from '../onboarding/entity.js';
import type { OnboardingService } from '../onboarding/service.js';
import type { VerifiedNames } from './service.js';

/**
 * The names an identity was verified under, from its onboarding application's sealed profile:
 * an individual's first and last name; for an entity, its authorised signatory's.
 */
export const verifiedNames =
  (onboarding: OnboardingService): VerifiedNames =>
  async (tx, identity) => {
    const app = await tx.findOne(Application, { id: identity.applicationId });
    if (!app) return [];
    const profile = await onboarding.profile(app, tx);
    const person = profile.individual ?? profile.entity?.signatory;
    return person ? [`${person.firstName} ${person.lastName}`] : [];
  };
