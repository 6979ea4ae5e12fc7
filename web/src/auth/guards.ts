import type { RouteLocationNormalized, RouteLocationRaw, Router } from 'vue-router';
import { hasAnyRole, homeFor, safeRedirect } from './roles';
import { useSessionStore } from './sessionStore';

export interface SessionView {
  signedIn: boolean;
  roles: readonly string[];
  /** Staff without two-factor sign-in: role pages wait until it is set up. */
  mustEnrol?: boolean;
}

/**
 * Where a navigation may go: on, to sign-in (with the way back), or to the user's own area.
 * Pure, so the rules are tested without a router; the server checks every call anyway.
 */
export function decide(
  to: Pick<RouteLocationNormalized, 'meta' | 'fullPath' | 'query' | 'path'> & { name?: unknown },
  session: SessionView,
): true | RouteLocationRaw {
  if (to.meta.guestOnly && session.signedIn) {
    return safeRedirect(to.query.redirect) ?? homeFor(session.roles);
  }
  if (!to.meta.roles) return true;
  if (!session.signedIn) return { name: 'login', query: { redirect: to.fullPath } };
  if (session.mustEnrol && to.name !== 'two-factor') {
    return { name: 'two-factor', query: { redirect: to.fullPath } };
  }
  if (hasAnyRole(session.roles, to.meta.roles)) return true;
  const home = homeFor(session.roles);
  return home === to.path ? '/' : home;
}

export function installGuards(router: Router): void {
  router.beforeEach(async (to) => {
    const session = useSessionStore();
    await session.ensureLoaded().catch(() => undefined);
    return decide(to, { signedIn: session.signedIn, roles: session.roles, mustEnrol: session.mustEnrol });
  });
}
