import type { MemberActions } from "../lib/groupRoles";
import type { Member, Role } from "../lib/protocol/protocol";
import { Avatar } from "./Avatar";
import { ConfirmButton } from "./ConfirmButton";

const ROLE_LABEL: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member" };

type Props = {
  member: Member;
  isMe: boolean;
  /** What the viewer may do to this member (see lib/groupRoles.ts). */
  actions: MemberActions;
  busy: boolean;
  onRemove: () => void;
  onSetRole: (role: "admin" | "member") => void;
  onMakeOwner: () => void;
};

/** One member in the group settings: who, their role, and what the viewer may change. */
export function MemberRow({
  member,
  isMe,
  actions,
  busy,
  onRemove,
  onSetRole,
  onMakeOwner,
}: Props) {
  const name = member.display_name;
  const any = actions.remove || actions.makeAdmin || actions.makeMember || actions.makeOwner;
  return (
    <li
      className="member-row"
      data-username={member.username}
      data-user-id={member.id}
      data-role={member.role}
    >
      <Avatar id={member.id} name={name} size="small" />
      <span className="member-text">
        <span className="member-name">
          {name}
          {isMe && <span className="muted"> (you)</span>}
        </span>
        <span className="muted member-username">@{member.username}</span>
      </span>
      {member.role !== "member" && (
        <span className={`role-badge role-${member.role}`}>{ROLE_LABEL[member.role]}</span>
      )}
      {any && (
        <span className="member-actions">
          {actions.makeAdmin && (
            <button
              type="button"
              className="ghost make-admin"
              aria-label={`Make ${name} an admin`}
              disabled={busy}
              onClick={() => onSetRole("admin")}
            >
              Make admin
            </button>
          )}
          {actions.makeMember && (
            <button
              type="button"
              className="ghost make-member"
              aria-label={`Make ${name} a member (not an admin)`}
              disabled={busy}
              onClick={() => onSetRole("member")}
            >
              Remove admin
            </button>
          )}
          {actions.makeOwner && (
            <ConfirmButton
              className="ghost make-owner"
              label={`Make ${name} the owner`}
              question={`Make ${name} the owner? You become an admin.`}
              confirm="Make owner"
              disabled={busy}
              onConfirm={onMakeOwner}
            >
              Make owner
            </ConfirmButton>
          )}
          {actions.remove && (
            <ConfirmButton
              className="ghost remove-member"
              label={`Remove ${name}`}
              question={`Remove ${name} from the group?`}
              confirm="Remove"
              danger
              disabled={busy}
              onConfirm={onRemove}
            >
              Remove
            </ConfirmButton>
          )}
        </span>
      )}
    </li>
  );
}
