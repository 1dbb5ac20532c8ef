import { useEffect, useState } from "react";
import { useCoreEvents } from "../hooks/useCoreEvents";
import { ipc } from "../lib/ipc";
import type { UserProfile } from "../lib/protocol/protocol";
import { Main } from "./Main";
import { SignIn } from "./SignIn";

type Session =
  | { state: "starting" }
  | { state: "signed_out"; server: string; lastAccount: string | null }
  | { state: "signed_in"; me: UserProfile };

/** Signs back in when it can (keychain), else shows the sign-in screen. */
export function App() {
  const [session, setSession] = useState<Session>({ state: "starting" });
  // Arrives while signing in, before the main screen exists, so it is kept here.
  const [notSaved, setNotSaved] = useState(false);

  async function showSignIn() {
    const [server, lastAccount] = await Promise.all([ipc.serverAddress(), ipc.lastAccount()]);
    setSession({ state: "signed_out", server, lastAccount });
  }

  useEffect(() => {
    (async () => {
      const me = await ipc.me();
      if (me) return setSession({ state: "signed_in", me });
      const last = await ipc.lastAccount();
      const resumed = last ? await ipc.resume(last).catch(() => null) : null;
      if (resumed) return setSession({ state: "signed_in", me: resumed });
      await showSignIn();
    })().catch((e) => {
      console.error("start", e);
      void showSignIn();
    });
  }, []);

  useCoreEvents((event) => {
    if (event.type === "signed_out") void showSignIn();
    if (event.type === "session_not_saved") setNotSaved(true);
  });

  switch (session.state) {
    case "starting":
      return <div className="splash" aria-busy="true" aria-label="Starting Tidings" />;
    case "signed_out":
      return (
        <SignIn
          server={session.server}
          lastAccount={session.lastAccount}
          onSignedIn={(me) => setSession({ state: "signed_in", me })}
        />
      );
    case "signed_in":
      return (
        <Main
          me={session.me}
          sessionNotSaved={notSaved}
          onDismissNotice={() => setNotSaved(false)}
          onSignOut={() => void ipc.signOut()}
        />
      );
  }
}
