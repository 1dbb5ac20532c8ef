import { type FormEvent, useState } from "react";
import { errorMessage, ipc } from "../lib/ipc";
import type { UserProfile } from "../lib/protocol/protocol";

type Props = {
  server: string;
  lastAccount: string | null;
  onSignedIn: (me: UserProfile) => void;
};

/** Sign in or create an account, on a server whose address can be changed. */
export function SignIn({ server: initialServer, lastAccount, onSignedIn }: Props) {
  const [mode, setMode] = useState<"sign_in" | "sign_up">(lastAccount ? "sign_in" : "sign_up");
  const [server, setServer] = useState(initialServer);
  const [username, setUsername] = useState(lastAccount ?? "");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const signingUp = mode === "sign_up";

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = signingUp
        ? await ipc.signUp(server, username.trim(), displayName.trim() || username.trim(), password)
        : await ipc.signIn(server, username.trim(), password);
      onSignedIn(me);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form className="card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand" aria-hidden="true">
          <span className="brand-mark">T</span>
        </div>
        <h1 id="sign-in-title">{signingUp ? "Create your account" : "Welcome back"}</h1>
        <p className="muted">{signingUp ? "Join Tidings in a few seconds." : "Sign in to Tidings."}</p>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            autoFocus
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        {signingUp && (
          <label>
            Display name
            <input
              name="display_name"
              autoComplete="name"
              placeholder="How others see you"
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
            />
          </label>
        )}
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={signingUp ? "new-password" : "current-password"}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <details className="server">
          <summary>Server: {server}</summary>
          <label>
            Server address
            <input
              name="server"
              inputMode="url"
              required
              value={server}
              onChange={(e) => setServer(e.target.value)}
            />
          </label>
        </details>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Please wait…" : signingUp ? "Create account" : "Sign in"}
        </button>
        <button
          type="button"
          className="link"
          onClick={() => {
            setMode(signingUp ? "sign_in" : "sign_up");
            setError(null);
          }}
        >
          {signingUp ? "I already have an account" : "Create a new account"}
        </button>
      </form>
    </main>
  );
}
