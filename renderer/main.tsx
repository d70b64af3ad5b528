import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { resolveApi } from './api/client';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  const api = resolveApi(window);
  createRoot(root).render(
    <StrictMode>
      {'error' in api ? (
        <main className="fatal" role="alert">
          <h1>Tuneplan</h1>
          <p>{api.error}</p>
        </main>
      ) : (
        <App api={api} />
      )}
    </StrictMode>,
  );
}
