import { useEffect, useState } from 'preact/hooks';
import { href, parseHash } from './paths.js';

export { href, parseHash };

export function navigate(...segments: string[]): void {
  location.hash = href(...segments);
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
