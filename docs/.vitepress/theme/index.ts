/**
 * The default VitePress theme plus what the book needs on top: twoslash
 * hover cards, the mermaid diagram component, and the styles of the
 * annotated-source pages.
 */
import TwoslashFloatingVue from '@shikijs/vitepress-twoslash/client';
import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import '@shikijs/vitepress-twoslash/style.css';
import './style.css';
import Mermaid from './Mermaid.js';

/**
 * A proof badge's tooltip is centred over the badge; near the edge of a
 * phone screen that would put half of it off screen. Nudge it back in, and
 * below the badge when there is no room above (under the nav bar).
 */
function keepTipsOnScreen() {
  const place = (event: Event) => {
    const badge = (event.target as Element | null)?.closest?.('.proof-badge');
    const tip = badge?.querySelector<HTMLElement>('.proof-tip');
    if (!tip) return;
    tip.style.transform = '';
    tip.classList.remove('below');
    const box = tip.getBoundingClientRect();
    const margin = 8;
    let shift = 0;
    if (box.left < margin) shift = margin - box.left;
    else if (box.right > innerWidth - margin) shift = innerWidth - margin - box.right;
    tip.style.transform = `translateX(calc(-50% + ${Math.round(shift)}px))`;
    if (box.top < 72) tip.classList.add('below');
  };
  document.addEventListener('mouseover', place);
  document.addEventListener('focusin', place);
}

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.use(TwoslashFloatingVue);
    app.component('Mermaid', Mermaid);
    if (typeof document !== 'undefined') keepTipsOnScreen();
  },
};

export default theme;
