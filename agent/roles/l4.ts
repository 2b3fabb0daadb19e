// The l4 role: being wired; see the issue on the agent.
import type { Role, RoleDeps } from '../role.js';

export function l4Role(_deps: RoleDeps): Role<unknown> {
  throw new Error('the l4 role is not wired into the agent yet');
}
