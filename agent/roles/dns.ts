// The dns role: being wired; see the issue on the agent.
import type { Role, RoleDeps } from '../role.js';

export function dnsRole(_deps: RoleDeps): Role<unknown> {
  throw new Error('the dns role is not wired into the agent yet');
}
