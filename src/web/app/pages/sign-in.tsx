import { useState } from 'preact/hooks';
import { signIn, type Session } from '../session.js';

/** Sign in with the same identities as the API: the local admin key, or a service principal's appId + secret. */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [kind, setKind] = useState<Session['kind']>('admin');
  const [appId, setAppId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await signIn(kind, appId, secret));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="signin">
      <h1>
        <span class="logo">⚓</span> Dockyard
      </h1>
      <p class="muted">Sign in with the same identities and roles as the API and the CLI.</p>
      <form onSubmit={submit}>
        <div class="tabs">
          <label>
            <input type="radio" name="kind" checked={kind === 'admin'} onChange={() => setKind('admin')} /> Local admin
            key
          </label>
          <label>
            <input
              type="radio"
              name="kind"
              data-testid="kind-sp"
              checked={kind === 'servicePrincipal'}
              onChange={() => setKind('servicePrincipal')}
            />{' '}
            Service principal
          </label>
        </div>
        {kind === 'servicePrincipal' ? (
          <label>
            Application (client) ID
            <input
              name="appId"
              autocomplete="username"
              value={appId}
              onInput={(e) => setAppId((e.target as HTMLInputElement).value)}
              required
            />
          </label>
        ) : (
          <p class="hint">
            The key is in <code>&lt;data dir&gt;/admin.key</code> on the server machine.
          </p>
        )}
        <label>
          {kind === 'admin' ? 'Admin key' : 'Client secret'}
          <input
            name="secret"
            type="password"
            autocomplete="current-password"
            value={secret}
            onInput={(e) => setSecret((e.target as HTMLInputElement).value)}
            required
          />
        </label>
        {error ? (
          <div class="error" role="alert">
            {error}
          </div>
        ) : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
