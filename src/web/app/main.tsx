import { render } from 'preact';
import { useState } from 'preact/hooks';
import './styles.css';
import { currentSession } from './api.js';
import { signOut, type Session } from './session.js';
import { navigate, useRoute } from './router.js';
import { SignIn } from './pages/sign-in.js';
import { Overview } from './pages/overview.js';
import { Registry } from './pages/registry.js';
import { Identities } from './pages/identities.js';
import { Vault, Vaults } from './pages/vaults.js';

function Page({ route }: { route: string[] }) {
  const [a, rg, kind, name, ...rest] = route;
  if (a === 'rg' && kind === 'registries' && name) return <Registry rg={rg} name={name} rest={rest} />;
  if (a === 'rg' && kind === 'vaults' && name) return <Vault rg={rg} name={name} />;
  if (a === 'identities') return <Identities />;
  if (a === 'vaults') return <Vaults />;
  return <Overview />;
}

function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null>(currentSession());
  if (!session || route[0] === 'signin') {
    return (
      <SignIn
        onSignedIn={(s) => {
          setSession(s);
          navigate();
        }}
      />
    );
  }
  const section =
    route[0] === 'identities' ? 'identities' : route[0] === 'vaults' || route[2] === 'vaults' ? 'vaults' : 'registries';
  return (
    <>
      <header>
        <a class="brand" href="#/">
          <span class="logo">⚓</span> Dockyard
        </a>
        <nav>
          <a href="#/" class={section === 'registries' ? 'active' : ''}>
            Registries
          </a>
          <a href="#/identities" class={section === 'identities' ? 'active' : ''}>
            Identities &amp; access
          </a>
          <a href="#/vaults" class={section === 'vaults' ? 'active' : ''}>
            Key vaults
          </a>
        </nav>
        <span class="user" data-testid="signed-in-as">
          {session.user}
          <button
            class="link"
            onClick={() => {
              signOut();
              setSession(null);
              navigate('signin');
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>
        <Page route={route} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
