/**
 * The capture component's styles, adopted as a constructed stylesheet: it works under a CSP without
 * 'unsafe-inline' and stays inside the component's shadow root on a host's page.
 */

export const CAPTURE_CSS = `
:host { display: block; max-width: 28rem; margin: 0 auto; font: 16px/1.4 system-ui, sans-serif; color: #111; }
.frame { position: relative; aspect-ratio: 3 / 4; background: #222; border-radius: 1rem; overflow: hidden; }
video { width: 100%; height: 100%; object-fit: cover; transform: scaleX(-1); }
.oval { position: absolute; inset: 12% 18%; border: 4px dashed rgba(255, 255, 255, 0.85);
  border-radius: 50%; box-shadow: 0 0 0 100vmax rgba(0, 0, 0, 0.45); pointer-events: none; }
.oval.busy { border-style: solid; border-color: #4fc3f7; }
.oval.passed { border-style: solid; border-color: #2e7d32; }
.oval.failed { border-style: solid; border-color: #c62828; }
.frame.done { aspect-ratio: auto; height: 8rem; display: flex; align-items: center;
  justify-content: center; font-size: 4rem; color: #fff; }
.frame.done.passed { background: #2e7d32; }
.frame.done.failed { background: #9e9e9e; }
.hint { min-height: 2.8em; margin: 0.75rem 0 0.25rem; font-size: 1.1rem; text-align: center; }
.result { min-height: 1.4em; text-align: center; font-weight: 600; }
.result.passed { color: #2e7d32; }
.result.failed { color: #c62828; }
.actions { display: flex; justify-content: center; margin-top: 0.75rem; }
button { font: inherit; font-size: 1.1rem; padding: 0.7rem 1.6rem; border-radius: 2rem; border: 0;
  background: #0b57d0; color: #fff; cursor: pointer; min-width: 12rem; }
button:focus-visible { outline: 3px solid #f9a825; outline-offset: 3px; }
button[disabled] { background: #777; cursor: default; }
.hidden { display: none; }
@media (max-width: 420px) { :host { font-size: 15px; } button { width: 100%; } }
`;
