// The viewer's entry: reads the options createViewer baked into index.html and starts the app.
import { render } from 'preact';
import { type BakedOptions, OPTIONS_ELEMENT_ID } from '../viewer-config';
import { App } from './app';

let options: BakedOptions = { pageOrigins: {}, title: 'MonkeyTracker' };
try {
  options = { ...options, ...JSON.parse(document.getElementById(OPTIONS_ELEMENT_ID)?.textContent ?? '{}') };
} catch {}
document.documentElement.dataset.state = 'loading';
render(<App options={options} />, document.getElementById('app')!);
