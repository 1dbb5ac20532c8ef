// Who may do what in a group (docs/PROTOCOL.md §6.4), so the settings panel shows only
// the controls the server would accept from this person.
import type { ConversationSummary, Member, Role, UserId } from "./protocol/protocol";

/** What the viewer may do to one other member. */
export type MemberActions = {
  remove: boolean;
  makeAdmin: boolean;
  makeMember: boolean;
  makeOwner: boolean;
};

/** What the viewer may do in a conversation. */
export type GroupAbilities = {
  /** The viewer's current role; null for a direct conversation or a former member. */
  role: Role | null;
  rename: boolean;
  addMembers: boolean;
  leave: boolean;
  /** The actions on `target` (none on oneself). */
  actionsOn: (target: Member) => MemberActions;
};

const NONE: MemberActions = {
  remove: false,
  makeAdmin: false,
  makeMember: false,
  makeOwner: false,
};

/** Owner first, then admins, then members. */
export const ROLE_RANK: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

/** The viewer's abilities in `c` (a direct conversation or a group they left has none). */
export function groupAbilities(c: ConversationSummary, me: UserId): GroupAbilities {
  const mine = c.members.find((m) => m.id === me)?.role;
  const role = c.kind === "group" && c.removed_at == null && mine ? mine : null;
  const manages = role === "owner" || role === "admin";
  return {
    role,
    rename: manages,
    addMembers: manages,
    leave: role !== null,
    actionsOn: (target) => {
      if (role === null || target.id === me) return NONE;
      if (role === "owner") {
        return {
          remove: true,
          makeAdmin: target.role === "member",
          makeMember: target.role === "admin",
          makeOwner: true,
        };
      }
      // Admins remove plain members, nothing more.
      return { ...NONE, remove: role === "admin" && target.role === "member" };
    },
  };
}

/** The members, owner first, then admins, then everyone else, each by name. */
export function sortedMembers(members: Member[]): Member[] {
  return [...members].sort(
    (a, b) =>
      ROLE_RANK[a.role] - ROLE_RANK[b.role] || a.display_name.localeCompare(b.display_name),
  );
}
