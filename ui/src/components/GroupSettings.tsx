import { useAction } from "../hooks/useAction";
import { groupAbilities, sortedMembers } from "../lib/groupRoles";
import { ipc } from "../lib/ipc";
import { conversationTitle } from "../lib/people";
import type { ConversationSummary, UserId } from "../lib/protocol/protocol";
import { AddMembers } from "./AddMembers";
import { ArchiveSetting } from "./ArchiveSetting";
import { Avatar } from "./Avatar";
import { ConfirmButton } from "./ConfirmButton";
import { Icon } from "./Icon";
import { MemberRow } from "./MemberRow";
import { MuteSetting } from "./MuteSetting";
import { RenameGroup } from "./RenameGroup";

type Props = {
  me: UserId;
  conversation: ConversationSummary;
  onClose: () => void;
};

/** The panel beside a conversation: for a group its name, members and roles, with only
 * the controls the viewer's role allows; for a direct chat, who it is with. Both offer
 * muting and archiving. Escape or the close button closes it. */
export function GroupSettings({ me, conversation: c, onClose }: Props) {
  const group = c.kind === "group";
  const label = group ? "Group settings" : "Conversation info";
  return (
    <aside
      id="group-settings"
      className="group-settings"
      aria-label={label}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          e.preventDefault();
          onClose();
        }
      }}
    >
      <header className="panel-header">
        <h2>{label}</h2>
        <button
          type="button"
          className="icon-button"
          aria-label={`Close ${label.toLowerCase()}`}
          onClick={onClose}
        >
          <Icon name="close" />
        </button>
      </header>
      <div className="panel-body">
        {group ? (
          <GroupSections me={me} conversation={c} onLeft={onClose} />
        ) : (
          <DirectInfo me={me} conversation={c} />
        )}
        <section className="settings-section" aria-label="Notifications">
          <h3>Notifications</h3>
          <MuteSetting conversationId={c.id} settings={c.settings} />
        </section>
        <section className="settings-section" aria-label="Archive">
          <h3>Chat list</h3>
          <ArchiveSetting conversationId={c.id} settings={c.settings} />
        </section>
      </div>
    </aside>
  );
}

function DirectInfo({ me, conversation: c }: { me: UserId; conversation: ConversationSummary }) {
  const other = c.members.find((m) => m.id !== me) ?? c.members[0];
  if (!other) return null;
  return (
    <section className="settings-section direct-info">
      <Avatar id={other.id} name={other.display_name} />
      <div>
        <strong>{other.display_name}</strong>
        <div className="muted">@{other.username}</div>
      </div>
    </section>
  );
}

function GroupSections({
  me,
  conversation: c,
  onLeft,
}: {
  me: UserId;
  conversation: ConversationSummary;
  onLeft: () => void;
}) {
  const can = groupAbilities(c, me);
  const members = useAction();
  const leaving = useAction();
  const title = conversationTitle(c, me);

  return (
    <>
      <section className="settings-section" aria-label="Name">
        {can.rename ? (
          <RenameGroup conversationId={c.id} title={c.title ?? ""} />
        ) : (
          <>
            <h3>Group name</h3>
            <p className="group-title-text">{title}</p>
            {can.role === "member" && (
              <p className="muted small">Admins and the owner can rename the group.</p>
            )}
          </>
        )}
      </section>

      <section className="settings-section" aria-label="Members">
        <h3>
          {c.members.length} {c.members.length === 1 ? "member" : "members"}
        </h3>
        {can.role === null && (
          <p className="muted small">You are no longer a member of this group.</p>
        )}
        {members.error && (
          <p className="error small" role="alert">
            {members.error}
          </p>
        )}
        <ul className="member-list">
          {sortedMembers(c.members).map((m) => (
            <MemberRow
              key={m.id}
              member={m}
              isMe={m.id === me}
              actions={can.actionsOn(m)}
              busy={members.busy}
              onRemove={() => void members.run(() => ipc.removeMember(c.id, m.id))}
              onSetRole={(role) => void members.run(() => ipc.setRole(c.id, m.id, role))}
              onMakeOwner={() => void members.run(() => ipc.transferOwnership(c.id, m.id))}
            />
          ))}
        </ul>
        {can.addMembers && <AddMembers conversationId={c.id} />}
      </section>

      {can.leave && (
        <section className="settings-section" aria-label="Leave">
          <ConfirmButton
            className="ghost danger-text leave-group"
            question={
              can.role === "owner"
                ? `Leave “${title}”? Ownership passes to the longest-standing admin ` +
                  "(or member)."
                : `Leave “${title}”? You keep the messages so far but get no new ones.`
            }
            confirm="Leave"
            danger
            disabled={leaving.busy}
            onConfirm={async () => {
              if (await leaving.run(() => ipc.leaveGroup(c.id))) onLeft();
            }}
          >
            Leave group
          </ConfirmButton>
          {leaving.error && (
            <p className="error small" role="alert">
              {leaving.error}
            </p>
          )}
        </section>
      )}
    </>
  );
}
