// The reflector role: being wired; see the issue on the agent.
import type { Role, RoleDeps } from '../role.js';

export function reflectorRole(_deps: RoleDeps): Role<unknown> {
  throw new Error('the reflector role is not wired into the agent yet');
}
