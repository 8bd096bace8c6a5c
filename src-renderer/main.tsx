/** The renderer's entry: connect to the host, create the studio, render it. */
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import '@xyflow/react/dist/style.css';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import './files.css';
import { App } from './App.js';
import { connectHost } from './host/connect.js';
import { createStudio } from './studio.js';

// The Content-Security-Policy forbids eval: zod must not try its compiled fast path.
z.config({ jitless: true });

const root = createRoot(document.getElementById('root')!);
const banner = (text: string) => {
  const el = document.getElementById('connection');
  if (el) {
    el.textContent = text;
    el.hidden = false;
  }
};

connectHost(banner).then(
  (host) => {
    const studio = createStudio(host);
    // for tests and the console: the model document on screen
    (window as unknown as { cogstudioModel: () => unknown }).cogstudioModel = () => studio.model.getState().model;
    const example = new URLSearchParams(window.location.search).get('example');
    root.render(<App studio={studio} initialExample={example} />);
  },
  (e: Error) => banner(`CogStudio cannot reach its host: ${e.message}`),
);
