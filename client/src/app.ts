import type { PropsWithChildren } from 'react';
import { setUnauthenticatedHandler } from './api/request';
import { handleSessionExpired } from './lib/session-expiry';
import './app.scss';

// A subscriber whose session is gone lands on sign-in (the staff console handles its own).
setUnauthenticatedHandler(handleSessionExpired);

function App({ children }: PropsWithChildren) {
  return children;
}

export default App;
