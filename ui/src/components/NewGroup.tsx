import { useState } from "react";
import type { ConversationId } from "../lib/protocol/protocol";
import { Icon } from "./Icon";
import { NewGroupDialog } from "./NewGroupDialog";

/** The sidebar's "New group" button and the dialog it opens. */
export function NewGroup({ onCreated }: { onCreated: (id: ConversationId) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="icon-button new-group-button"
        aria-label="New group"
        title="New group"
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        <Icon name="group" />
      </button>
      {open && (
        <NewGroupDialog
          onClose={() => setOpen(false)}
          onCreated={(id) => {
            setOpen(false);
            onCreated(id);
          }}
        />
      )}
    </>
  );
}
