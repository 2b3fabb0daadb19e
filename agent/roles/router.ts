// The router role: being wired; see the issue on the agent.
import type { Role, RoleDeps } from '../role.js';

export function routerRole(_deps: RoleDeps): Role<unknown> {
  throw new Error('the router role is not wired into the agent yet');
}
